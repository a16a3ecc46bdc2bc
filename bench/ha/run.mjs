#!/usr/bin/env node
// Replication cost in one run: produce msg/s and send p99 of a single broker, an ASYNC_MASTER
// with a slave and a SYNC_MASTER with a slave (each a fresh NameServer + mqbroker processes on
// port 0), then the replication lag while producing at 50 % of each setup's own max rate.
//
//   npm run build && node bench/ha/run.mjs [--messages 20000] [--size 1024] [--window 128]
//     [--seconds 5] [--setups single,async,sync] [--rounds 3] [--conf key=value ...]
//   HA_BENCH_SLAVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the slave process,
//   HA_BENCH_MASTER_NODE_ARGS the master (or single) broker.
//
// Lag: the master times every CommitLog write (the moment an ASYNC_MASTER answers the send) and
// the slave report that covers it, into a histogram of bytes per lag bucket that
// GET_BROKER_HA_STATUS returns (ackLagBoundsMs / ackLagBytes). The bench takes the histogram
// before and after the paced phase; percentiles are the upper bound of the bucket they fall in.
// CPU per message: user + system time of the broker processes (master and slave) over the
// max-rate phase, from /proc, divided by the messages sent.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(new URL('../..', import.meta.url).pathname);
const { MQAdmin, Producer } = await import(join(root, 'packages/client/dist/src/index.js'));

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    size: { type: 'string', default: '1024' },
    window: { type: 'string', default: '128' },
    seconds: { type: 'string', default: '5' },
    setups: { type: 'string', default: 'single,async,sync' },
    rounds: { type: 'string', default: '1' },
    // Extra broker.conf lines for every broker, e.g. --conf haFlowControlEnable=true
    conf: { type: 'string', multiple: true, default: [] },
  },
});
const N = Number(values.messages);
const SIZE = Number(values.size);
const WINDOW = Number(values.window);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const EXTRA = Object.fromEntries(
  values.conf.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const bin = (n) => join(root, 'packages/distribution/bin', `${n}.js`);

function spawnUntil(name, args, pattern, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, bin(name), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROCKETMQ_LOG_LEVEL: 'warn' },
  });
  let out = '';
  return new Promise((ok, fail) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) ok({ child, addr: m[1] });
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.once('exit', (c) => fail(new Error(`${name} exited ${c}: ${out}`)));
  });
}

async function broker(dir, props, nodeArgs = []) {
  await mkdir(dir, { recursive: true });
  const conf = join(dir, 'broker.conf');
  const lines = {
    brokerClusterName: 'BenchHa',
    brokerName: 'bench-a',
    listenPort: 0,
    haListenPort: 0,
    listenHost: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    storePathRootDir: join(dir, 'store'),
    ...props,
  };
  await writeFile(
    conf,
    Object.entries(lines)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  return spawnUntil('mqbroker', ['-c', conf], /The broker\[[^,]+, (\S+:\d+)\] boot success/, nodeArgs);
}

const stop = async (p) => {
  if (p.child.exitCode !== null) return;
  const done = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  await done;
};

const pct = (xs, q) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function until(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {}
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends `n` messages with `window` in flight; returns msg/s and latencies. */
async function produce(producer, topic, n, window, pacedRate = 0) {
  const body = Buffer.alloc(SIZE, 7);
  const lat = [];
  let sent = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (sent < n) {
        const i = sent++;
        if (pacedRate > 0) {
          const due = t0 + (i * 1000) / pacedRate;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        const s = performance.now();
        try {
          const r = await producer.send({ topic, body });
          if (r.sendStatus !== 'SEND_OK') failed++;
        } catch {
          failed++;
        }
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { rate: n / secs, p50: pct(lat, 0.5), p99: pct(lat, 0.99), failed };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
async function cpuSeconds(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
}

const brokerCpu = (ps) => Promise.all(ps.map((p) => cpuSeconds(p.child.pid)));

/** Lag percentile from histogram bucket counts (bytes): the upper bound of the bucket holding it. */
function lagPct(bounds, buckets, q) {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return Number.NaN;
  let acc = 0;
  for (let i = 0; i < buckets.length; i++) {
    acc += buckets[i];
    if (acc >= q * total) return i < bounds.length ? bounds[i] : Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}

async function runSetup(kind) {
  const dir = await mkdtemp(join(tmpdir(), `bench-ha-${kind}-`));
  const procs = [];
  try {
    const nsConf = join(dir, 'ns.conf');
    await writeFile(nsConf, 'listenPort=0\nbindAddress=127.0.0.1\n');
    const ns = await spawnUntil('mqnamesrv', ['-c', nsConf], /boot success.*address (\S+:\d+)/);
    procs.push(ns);
    const role = kind === 'sync' ? 'SYNC_MASTER' : 'ASYNC_MASTER';
    const masterArgs = (process.env.HA_BENCH_MASTER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const master = await broker(join(dir, 'm'), { brokerRole: role, namesrvAddr: ns.addr, ...EXTRA }, masterArgs);
    procs.push(master);
    const brokers = [master];
    const admin = new MQAdmin({ namesrvAddr: ns.addr });
    if (kind !== 'single') {
      // HA_BENCH_SLAVE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the slave only.
      const slaveArgs = (process.env.HA_BENCH_SLAVE_NODE_ARGS ?? '').split(' ').filter(Boolean);
      const slave = await broker(
        join(dir, 's'),
        { brokerRole: 'SLAVE', brokerId: 1, namesrvAddr: ns.addr, ...EXTRA },
        slaveArgs,
      );
      procs.push(slave);
      brokers.push(slave);
      await until(async () => (await admin.haStatus(master.addr)).haConnectionInfo?.length === 1, 30_000, 'slave');
    }
    await admin.createTopic({ topic: 'BenchHa', clusterName: 'BenchHa', readQueueNums: 8, writeQueueNums: 8 });
    const producer = new Producer({
      namesrvAddr: ns.addr,
      producerGroup: `bench_ha_${kind}`,
      compressMsgBodyOverHowmuch: 1 << 30,
    });
    await producer.start();
    await produce(producer, 'BenchHa', Math.min(2000, N), WINDOW); // warm-up
    const cpu0 = await brokerCpu(brokers);
    const max = await produce(producer, 'BenchHa', N, WINDOW);
    const cpu1 = await brokerCpu(brokers);
    const perMsg = cpu1.map((c, i) => ((c - cpu0[i]) * 1e6) / N);
    const cpuUsPerMsg = perMsg.reduce((a, b) => a + b, 0);
    const masterCpuUsPerMsg = perMsg[0];
    const slaveCpuUsPerMsg = perMsg[1];
    let lag = {};
    if (kind !== 'single') {
      const rate = Math.max(100, Math.round(max.rate / 2));
      const hist = async () => {
        const s = await admin.haStatus(master.addr);
        return { bounds: s.ackLagBoundsMs, bytes: s.haConnectionInfo[0].ackLagBytes };
      };
      const caughtUp = async () => {
        const s = await admin.haStatus(master.addr);
        return Number(s.haConnectionInfo?.[0]?.diff) === 0;
      };
      await until(caughtUp, 30_000, 'slave caught up before the paced phase');
      const before = await hist();
      const paced = await produce(producer, 'BenchHa', rate * SECONDS, WINDOW, rate);
      await until(caughtUp, 30_000, 'slave caught up after the paced phase');
      const after = await hist();
      const buckets = after.bytes.map((b, i) => b - before.bytes[i]);
      lag = {
        rate,
        pacedP99: paced.p99,
        msP50: lagPct(after.bounds, buckets, 0.5),
        msP99: lagPct(after.bounds, buckets, 0.99),
        msMax: lagPct(after.bounds, buckets, 1),
        bytes: buckets.reduce((a, b) => a + b, 0),
      };
    }
    await producer.shutdown();
    await admin.close();
    return { kind, ...max, cpuUsPerMsg, masterCpuUsPerMsg, slaveCpuUsPerMsg, lag };
  } finally {
    for (const p of procs.reverse()) await stop(p);
    await rm(dir, { recursive: true, force: true });
  }
}

const kinds = values.setups.split(',');
const results = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternate the order each round: a setup that always ran first or last would always meet the
  // same neighbours' load on a shared machine.
  for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
    const r = { round, ...(await runSetup(kind)) };
    results.push(r);
    console.log(JSON.stringify(r));
  }
}
const median = (xs) => pct(xs, 0.5);
console.log(
  `\n${N} messages of ${SIZE} B, ${WINDOW} sends in flight (SDK producer), ${ROUNDS} round(s); lag = master CommitLog write (ASYNC ack) → slave ack, at 50 % of each setup's max rate for ${SECONDS} s\n`,
);
console.log(
  '| round | setup | msg/s | vs single | send p50 ms | send p99 ms | broker CPU µs/msg (master + slave) | lag p50 ms | lag p99 ms | lag max ms |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const fmt = (x) => (x === undefined ? '' : Number.isFinite(x) ? String(x) : '>5000');
for (const r of results) {
  const single = results.find((x) => x.kind === 'single' && x.round === r.round);
  const rel = single ? `${((100 * r.rate) / single.rate).toFixed(0)} %` : '';
  const l =
    r.kind === 'single' ? ['', '', ''] : [`≤ ${fmt(r.lag.msP50)}`, `≤ ${fmt(r.lag.msP99)}`, `≤ ${fmt(r.lag.msMax)}`];
  console.log(
    `| ${r.round} | ${r.kind} | ${r.rate.toFixed(0)} | ${rel} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.cpuUsPerMsg.toFixed(0)}${r.slaveCpuUsPerMsg === undefined ? '' : ` (${r.masterCpuUsPerMsg.toFixed(0)} + ${r.slaveCpuUsPerMsg.toFixed(0)})`} | ${l.join(' | ')} |`,
  );
}
if (ROUNDS > 1) {
  const singleRate = median(results.filter((r) => r.kind === 'single').map((r) => r.rate));
  console.log('\nmedians over rounds:');
  for (const kind of kinds) {
    const rs = results.filter((r) => r.kind === kind);
    const rate = median(rs.map((r) => r.rate));
    const line = [`${kind}: ${rate.toFixed(0)} msg/s`];
    if (singleRate) line.push(`${((100 * rate) / singleRate).toFixed(0)} % of single`);
    line.push(
      `p99 ${median(rs.map((r) => r.p99)).toFixed(2)} ms`,
      `CPU ${median(rs.map((r) => r.cpuUsPerMsg)).toFixed(0)} µs/msg`,
      `master ${median(rs.map((r) => r.masterCpuUsPerMsg)).toFixed(0)} µs/msg`,
    );
    if (kind !== 'single') line.push(`slave ${median(rs.map((r) => r.slaveCpuUsPerMsg)).toFixed(0)} µs/msg`);
    if (kind !== 'single') line.push(`lag p99 ≤ ${fmt(median(rs.map((r) => r.lag.msP99)))} ms`);
    console.log(`  ${line.join(', ')}`);
  }
}
