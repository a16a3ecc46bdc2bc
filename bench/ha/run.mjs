#!/usr/bin/env node
// Replication cost in one run: produce msg/s and send p99 of a single broker, an ASYNC_MASTER
// with a slave and a SYNC_MASTER with a slave (each a fresh NameServer + mqbroker processes on
// port 0), then the replication lag while producing at 50 % of each setup's own max rate.
//
//   npm run build && node bench/ha/run.mjs [--messages 20000] [--size 1024] [--window 128]
//     [--seconds 5] [--setups single,async,sync]
//
// Lag: the master's GET_BROKER_HA_STATUS is sampled every 10 ms; each sample gives, at one
// instant, the master's max offset minus the slave's acknowledged offset (bytes). Bytes are
// turned into ms with the paced rate and the record size (lag ms = bytes / bytes-per-ms).
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
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
  },
});
const N = Number(values.messages);
const SIZE = Number(values.size);
const WINDOW = Number(values.window);
const SECONDS = Number(values.seconds);
const bin = (n) => join(root, 'packages/distribution/bin', `${n}.js`);

function spawnUntil(name, args, pattern) {
  const child = spawn(process.execPath, [bin(name), ...args], {
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

async function broker(dir, props) {
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
  return spawnUntil('mqbroker', ['-c', conf], /The broker\[[^,]+, (\S+:\d+)\] boot success/);
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

async function runSetup(kind) {
  const dir = await mkdtemp(join(tmpdir(), `bench-ha-${kind}-`));
  const procs = [];
  try {
    const nsConf = join(dir, 'ns.conf');
    await writeFile(nsConf, 'listenPort=0\nbindAddress=127.0.0.1\n');
    const ns = await spawnUntil('mqnamesrv', ['-c', nsConf], /boot success.*address (\S+:\d+)/);
    procs.push(ns);
    const role = kind === 'sync' ? 'SYNC_MASTER' : 'ASYNC_MASTER';
    const master = await broker(join(dir, 'm'), { brokerRole: role, namesrvAddr: ns.addr });
    procs.push(master);
    const admin = new MQAdmin({ namesrvAddr: ns.addr });
    if (kind !== 'single') {
      procs.push(await broker(join(dir, 's'), { brokerRole: 'SLAVE', brokerId: 1, namesrvAddr: ns.addr }));
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
    const max = await produce(producer, 'BenchHa', N, WINDOW);
    let lag = { bytesP99: 0, msP99: 0, msMax: 0, samples: 0 };
    if (kind !== 'single') {
      const rate = Math.max(100, Math.round(max.rate / 2));
      const diffs = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const s = await admin.haStatus(master.addr).catch(() => undefined);
          const c = s?.haConnectionInfo?.[0];
          if (c) diffs.push(Math.max(0, Number(c.diff)));
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      const paced = await produce(producer, 'BenchHa', rate * SECONDS, WINDOW, rate);
      sampling = false;
      await sampler;
      // Stored record ≈ body + ~100 bytes of header and properties.
      const bytesPerMs = ((SIZE + 100) * rate) / 1000;
      const p99 = pct(diffs, 0.99);
      lag = {
        bytesP99: p99,
        msP99: p99 / bytesPerMs,
        msMax: Math.max(0, ...diffs) / bytesPerMs,
        samples: diffs.length,
        rate,
        pacedP99: paced.p99,
      };
    }
    await producer.shutdown();
    await admin.close();
    return { kind, ...max, lag };
  } finally {
    for (const p of procs.reverse()) await stop(p);
    await rm(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const kind of values.setups.split(',')) {
  const r = await runSetup(kind);
  results.push(r);
  console.log(JSON.stringify(r));
}
const single = results.find((r) => r.kind === 'single');
console.log(
  `\n${N} messages of ${SIZE} B, ${WINDOW} sends in flight (SDK producer); lag at 50 % of each setup's max rate for ${SECONDS} s\n`,
);
console.log('| setup | msg/s | vs single | send p50 ms | send p99 ms | lag p99 bytes | lag p99 ms | lag max ms |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  const rel = single ? `${((100 * r.rate) / single.rate).toFixed(0)} %` : '';
  const l = r.kind === 'single' ? ['', '', ''] : [r.lag.bytesP99, r.lag.msP99.toFixed(1), r.lag.msMax.toFixed(1)];
  console.log(
    `| ${r.kind} | ${r.rate.toFixed(0)} | ${rel} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${l.join(' | ')} |`,
  );
}
