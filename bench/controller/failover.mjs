#!/usr/bin/env node
// Controller failover time: from the master broker's death to its in-sync slave's role change,
// over repeated trials, with a real mqcontroller process and two broker processes running the
// controller-mode client (the HA side is recorded only, so this times the controller path:
// detection, election, notification; not the store's switch or the first acknowledged write).
// Run `npm run build` first.
//
//   node bench/controller/failover.mjs [--trials 20] [--fault kill|stop] [--heartbeat-timeout 10000]
//        [--scan 5000]
//
// kill: kill -9 of the master (its controller connection closes: detected at once).
// stop: SIGSTOP of the master (connection stays open: detected by heartbeat expiry + the scan).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    fault: { type: 'string', default: 'kill' },
    'heartbeat-timeout': { type: 'string', default: '10000' },
    scan: { type: 'string', default: '5000' },
  },
});
const CONTROLLER = fileURLToPath(new URL('../../packages/controller/dist/src/main.js', import.meta.url));
const SIM = fileURLToPath(new URL('./broker-sim.mjs', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'controller-failover-'));

const conf = join(dir, 'controller.conf');
await writeFile(
  conf,
  `controllerDLegerPeers=n0-127.0.0.1:0\ncontrollerBindAddress=127.0.0.1\ncontrollerStorePath=${join(dir, 'ctl')}\nscanNotActiveBrokerInterval=${opt.scan}\nscanInactiveMasterInterval=${opt.scan}\n`,
);
const ctl = spawn(process.execPath, [CONTROLLER, '-c', conf], { stdio: ['ignore', 'pipe', 'ignore'] });
const ctlAddr = await new Promise((resolve) => {
  let out = '';
  ctl.stdout.on('data', (d) => {
    out += d;
    const m = /boot success\. address (\S+),/.exec(out);
    if (m) resolve(m[1]);
  });
});

/** A broker process; `events` collects its role lines. */
function startSim(name) {
  const child = spawn(process.execPath, [SIM, ctlAddr, join(dir, name), opt['heartbeat-timeout']], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const sim = { name, child, events: [] };
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    let i = buf.indexOf('\n');
    while (i >= 0) {
      sim.events.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
      i = buf.indexOf('\n');
    }
  });
  return sim;
}
const last = (sim) => sim.events.at(-1);
async function until(probe, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sims = [startSim('a')];
await until(() => last(sims[0])?.role === 'master');
sims.push(startSim('b'));
await until(() => last(sims[1])?.role === 'slave');

const times = [];
for (let trial = 0; trial < Number(opt.trials); trial++) {
  const mi = sims.findIndex((s) => last(s)?.role === 'master');
  const master = sims[mi];
  const slave = sims[1 - mi];
  await until(() => last(master)?.sss?.length === 2);
  const epoch = last(master).epoch;
  const t0 = Date.now();
  master.child.kill(opt.fault === 'stop' ? 'SIGSTOP' : 'SIGKILL');
  await until(() => last(slave)?.role === 'master' && last(slave).epoch > epoch);
  times.push(last(slave).t - t0);
  if (opt.fault === 'stop') master.child.kill('SIGKILL');
  await new Promise((r) =>
    master.child.exitCode !== null || master.child.signalCode !== null ? r() : master.child.once('exit', r),
  );
  const back = startSim(master.name);
  sims[mi] = back;
  await until(() => last(back)?.role === 'slave' && last(back).epoch > epoch);
}
times.sort((x, y) => x - y);
const pct = (p) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)];
console.log(
  JSON.stringify({
    fault: opt.fault,
    heartbeatTimeoutMs: Number(opt['heartbeat-timeout']),
    scanMs: Number(opt.scan),
    trials: times.length,
    p50: pct(50),
    p99: pct(99),
    max: times.at(-1),
    min: times[0],
  }),
);
for (const s of sims) s.child.kill('SIGKILL');
ctl.kill('SIGKILL');
await rm(dir, { recursive: true, force: true });
