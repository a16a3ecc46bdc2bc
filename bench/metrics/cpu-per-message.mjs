#!/usr/bin/env node
// The metrics exporter's cost per message, as broker CPU: two `rocketmq-ts start` servers run
// side by side for the whole run, one with metricsExporterType=DISABLE (off), one with PROM
// (on, scraped every second during its rounds — Prometheus scrapes every 15 s by default). Many
// short rounds alternate off/on (the order flips every pair); each round sends a fixed number of
// messages with 128 in flight (the ASYNC produce phase of bench/compare: ASYNC_FLUSH, autoBatch
// on unless --no-auto-batch) and reads the broker's CPU from /proc/<pid>/task/*/schedstat (ns
// on CPU, all threads: the event loop and the libuv pool), so a round's CPU per message has
// nanosecond resolution instead of /proc/<pid>/stat's 10 ms ticks.
//
//   npm run build && node bench/metrics/cpu-per-message.mjs [--rounds 20] [--messages 20000]
//     [--size 1024] [--warmup 40000] [--no-auto-batch | --batch N] [--inflight 128] [--scrape-ms 1000]
//
// The machine may be shared: CPU per message moves with cache and frequency contention, but
// each pair's two rounds share the machine's state, so the per-pair difference on − off is the
// figure to read (its median and quartiles), next to each mode's median and spread.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MQAdmin, Producer } from '@rocketmq-ts/client';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    messages: { type: 'string', default: '20000' },
    size: { type: 'string', default: '1024' },
    warmup: { type: 'string', default: '40000' },
    'no-auto-batch': { type: 'boolean', default: false },
    'scrape-ms': { type: 'string', default: '1000' },
    inflight: { type: 'string', default: '128' },
    batch: { type: 'string', default: '0' },
  },
});
const ROUNDS = Number(values.rounds);
const MESSAGES = Number(values.messages);
const INFLIGHT = Number(values.inflight);
const BATCH = Number(values.batch);
const AUTO_BATCH = !values['no-auto-batch'] && BATCH === 0;

/** ns on CPU of every thread of the process (sum of schedstat's first field). */
async function cpuNs(pid) {
  let ns = 0;
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const s = await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').catch(() => '0');
    ns += Number(s.split(' ')[0]);
  }
  return ns;
}

async function startServer(mode) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-metrics-cpu-'));
  const conf = join(dir, 'broker.conf');
  await writeFile(
    conf,
    `flushDiskType=ASYNC_FLUSH\nmetricsExporterType=${mode}\nmetricsPromExporterHost=127.0.0.1\nmetricsPromExporterPort=0\n`,
  );
  const proc = spawn(
    process.execPath,
    [
      join(ROOT, 'packages/distribution/bin/rocketmq-ts.js'),
      'start',
      '--data-dir',
      join(dir, 'data'),
      '--namesrv-port',
      '0',
      '--broker-port',
      '0',
      '--host',
      '127.0.0.1',
      '--no-proxy',
      '--no-dashboard',
      '-c',
      conf,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const boot = await new Promise((res, rej) => {
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (c) => {
      out += c;
      const m = /clients: ([\d.:]+)\)/.exec(out);
      const p = /metrics http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(out);
      if (m && /ready in/.test(out)) res({ namesrv: m[1], metricsPort: p ? Number(p[1]) : 0 });
    });
    proc.once('exit', (code) => rej(new Error(`server exited ${code}`)));
  });
  // The broker is the process that listens for clients; `rocketmq-ts start` runs the NameServer
  // and the broker in one process, so the whole process is measured (the NameServer is idle).
  const exited = new Promise((r) => proc.once('exit', r));
  return {
    mode,
    proc,
    ...boot,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const scrape = (port) =>
  new Promise((res) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (r) => {
      r.resume();
      r.on('end', () => res());
    }).on('error', () => res());
  });

async function pump(n, sendOne) {
  let sent = 0;
  let done = 0;
  let failed;
  let wake;
  const settle = () => {
    done++;
    wake?.();
  };
  const fail = (e) => {
    failed ??= e;
    wake?.();
  };
  while (done < n) {
    if (failed) throw failed;
    if (sent < n && sent - done < INFLIGHT) {
      sendOne(sent++).then(settle, fail);
      continue;
    }
    await new Promise((r) => {
      wake = r;
    });
    wake = undefined;
  }
}

async function prepare(server) {
  const topic = `BenchMetricsCpu_${server.mode}`;
  const admin = new MQAdmin({ namesrvAddr: server.namesrv });
  await admin.createTopic({ topic, clusterName: 'DefaultCluster', readQueueNums: 8, writeQueueNums: 8 });
  for (let i = 0; i < 100; i++) {
    if ((await admin.topicRoute(topic).catch(() => undefined))?.queueDatas.length === 1) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await admin.close();
  const producer = new Producer({
    namesrvAddr: server.namesrv,
    producerGroup: `P_${server.mode}`,
    compressMsgBodyOverHowmuch: -1,
    autoBatch: AUTO_BATCH,
  });
  await producer.start();
  const body = Buffer.alloc(Number(values.size), 'm');
  const batch = Array.from({ length: BATCH }, () => ({ topic, body }));
  // --batch N: explicit SEND_BATCH_MESSAGE requests of N messages, a fixed request size (auto-batching
  // sizes its batches by timing, and the broker's CPU per message moves with the batch size).
  server.send = (n) =>
    BATCH > 0
      ? pump(Math.ceil(n / BATCH), async () => {
          const r = await producer.sendBatch(batch);
          if (r.sendStatus !== 'SEND_OK') throw new Error(`send: ${r.sendStatus}`);
        })
      : pump(n, async () => {
          const r = await producer.send({ topic, body });
          if (r.sendStatus !== 'SEND_OK') throw new Error(`send: ${r.sendStatus}`);
        });
  server.producer = producer;
}

async function round(server) {
  const scraper =
    server.metricsPort > 0 ? setInterval(() => scrape(server.metricsPort), Number(values['scrape-ms'])) : undefined;
  const n = BATCH > 0 ? Math.ceil(MESSAGES / BATCH) * BATCH : MESSAGES;
  const c0 = await cpuNs(server.proc.pid);
  const t0 = performance.now();
  await server.send(n);
  const secs = (performance.now() - t0) / 1000;
  const c1 = await cpuNs(server.proc.pid);
  if (scraper) clearInterval(scraper);
  return { mode: server.mode, usPerMsg: (c1 - c0) / 1000 / n, msgPerSec: n / secs };
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
};
const fmt = (x, d = 2) => x.toFixed(d);

const scrapeText = (port) =>
  new Promise((res) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (r) => {
      let t = '';
      r.setEncoding('utf8').on('data', (c) => {
        t += c;
      });
      r.on('end', () => res(t));
    }).on('error', () => res(''));
  });
const sum = (text, re) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);

/**
 * The exporter's cost per message by accounting, robust to the machine's load: what the on
 * broker did per message (requests, GCs; read from its own /metrics), times what each costs
 * alone (hot-path calls timed here in a loop, a scrape's broker CPU measured while idle), plus
 * the scrapes spread over the messages of a second.
 */
async function accounting(server, offUsPerMsg, onMsgPerSec) {
  const text = await scrapeText(server.metricsPort);
  const messages = sum(text, /^rocketmq_messages_in_total\{[^}]*\} (\S+)$/gm);
  const sends = sum(text, /^rocketmq_rpc_latency_count\{[^}]*request_code="(?:310|320)"[^}]*\} (\S+)$/gm);
  const requests = sum(text, /^rocketmq_rpc_latency_count\{[^}]*\} (\S+)$/gm);
  const gcs = sum(text, /^nodejs_gc_duration_seconds_count\{[^}]*\} (\S+)$/gm);
  const SCRAPES = 40;
  // The idle broker's own CPU over the same wall time (timers, NameServer) is taken off.
  const c0 = await cpuNs(server.proc.pid);
  const w0 = performance.now();
  for (let i = 0; i < SCRAPES; i++) await scrapeText(server.metricsPort);
  const wall = performance.now() - w0;
  const c1 = await cpuNs(server.proc.pid);
  await new Promise((r) => setTimeout(r, wall));
  const idleNs = (await cpuNs(server.proc.pid)) - c1;
  const perScrapeUs = Math.max(0, c1 - c0 - idleNs) / 1000 / SCRAPES;
  const { BrokerMetrics } = await import(join(ROOT, 'packages/broker/dist/src/index.js'));
  const { turnNow } = await import(join(ROOT, 'packages/remoting/dist/src/turn-clock.js'));
  const m = new BrokerMetrics();
  const topics = Array.from({ length: 8 }, (_, i) => `Topic_${i}`);
  const time = (fn) => {
    const N = 1_000_000;
    const runs = [];
    for (let r = 0; r < 7; r++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) fn(i);
      runs.push(Number(process.hrtime.bigint() - t0) / N);
    }
    return quantile(runs, 0.5);
  };
  const base = time((i) => i & 1);
  const putNs = time((i) => m.recordPut(topics[i & 7], 0, 32, 32 * 1100)) - base;
  const rpcNs = time((i) => m.recordRpc(320, 0, i & 3, 'success')) - base;
  const nowNs = time(() => performance.now()) - base;
  const turnNs = time(() => turnNow()) - base;
  // Per send request: recordPut + recordRpc + two turn-clock reads. A read is cached within an
  // event-loop iteration and real once per iteration: the lower bound counts both as cached,
  // the upper bound both as a full performance.now().
  const reqPerMsg = sends / messages;
  const otherPerMsg = (requests - sends) / messages;
  const hot = (clockNs) => (reqPerMsg * (putNs + rpcNs + 2 * clockNs) + otherPerMsg * (rpcNs + 2 * clockNs)) / 1000;
  const hotLowUs = hot(turnNs);
  const hotUs = hot(nowNs);
  const scrapePerMsgUs = perScrapeUs / onMsgPerSec; // one scrape per second, as the rounds did
  console.log('');
  console.log(
    `on broker after the run: ${messages} messages in, ${sends} send requests (${fmt(reqPerMsg, 4)} per message), ` +
      `${requests - sends} other requests, ${gcs} GCs`,
  );
  console.log(
    `hot path alone (ns, median of 7 × 1M, loop cost ${fmt(base, 1)} ns taken off): recordPut ${fmt(putNs, 1)}, ` +
      `recordRpc ${fmt(rpcNs, 1)}, performance.now() ${fmt(nowNs, 1)}, turnNow() cached ${fmt(turnNs, 1)}`,
  );
  console.log(
    `one scrape: ${fmt(perScrapeUs, 0)} µs of broker CPU (${SCRAPES} scrapes while idle, less ${fmt(idleNs / 1000, 0)} µs idle CPU over the same ${fmt(wall, 0)} ms)`,
  );
  const pct = (us) => `${fmt((us / offUsPerMsg) * 100)} %`;
  console.log(
    `accounted cost per message (share of the off broker's ${fmt(offUsPerMsg)} µs/msg): hot path ` +
      `${fmt(hotLowUs, 3)}–${fmt(hotUs, 3)} µs (${pct(hotLowUs)}–${pct(hotUs)}); scrapes at 1/s ${fmt(scrapePerMsgUs, 3)} µs ` +
      `(${pct(scrapePerMsgUs)}), at Prometheus' 15 s ${fmt(scrapePerMsgUs / 15, 3)} µs (${pct(scrapePerMsgUs / 15)}); ` +
      `total at 15 s ≤ ${pct(hotUs + scrapePerMsgUs / 15)}`,
  );
}

const off = await startServer('DISABLE');
const on = await startServer('PROM');
try {
  await prepare(off);
  await prepare(on);
  for (const s of [off, on]) await s.send(Number(values.warmup)); // JIT, pools, segment files
  const rows = [];
  const pairs = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [off, on] : [on, off];
    const a = await round(order[0]);
    const b = await round(order[1]);
    rows.push(a, b);
    const [o, n] = a.mode === 'DISABLE' ? [a, b] : [b, a];
    pairs.push({ diff: n.usPerMsg - o.usPerMsg, ratio: n.usPerMsg / o.usPerMsg });
    console.log(
      `round ${r + 1}: off ${fmt(o.usPerMsg)} µs/msg (${Math.round(o.msgPerSec)} msg/s), ` +
        `on ${fmt(n.usPerMsg)} µs/msg (${Math.round(n.msgPerSec)} msg/s), on − off ${fmt(n.usPerMsg - o.usPerMsg)}`,
    );
  }
  const mode = (m, k) => rows.filter((r) => r.mode === m).map((r) => r[k]);
  const line = (label, xs, d) =>
    `| ${label} | ${fmt(quantile(xs, 0.5), d)} | ${fmt(quantile(xs, 0.25), d)} – ${fmt(quantile(xs, 0.75), d)} | ${fmt(Math.min(...xs), d)} – ${fmt(Math.max(...xs), d)} |`;
  const offMedian = quantile(mode('DISABLE', 'usPerMsg'), 0.5);
  console.log('');
  console.log(
    `${ROUNDS} pairs × ${MESSAGES} messages of ${values.size} B, ${INFLIGHT} requests in flight, ` +
      `${BATCH > 0 ? `sendBatch of ${BATCH}` : `send, autoBatch ${AUTO_BATCH}`}, ` +
      `scrape every ${values['scrape-ms']} ms on; load average ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`,
  );
  console.log('| figure | median | quartiles | min – max |');
  console.log('|---|---|---|---|');
  console.log(line('off: broker CPU µs/msg', mode('DISABLE', 'usPerMsg')));
  console.log(line('on: broker CPU µs/msg', mode('PROM', 'usPerMsg')));
  console.log(
    line(
      'on − off per pair, µs/msg',
      pairs.map((p) => p.diff),
      3,
    ),
  );
  console.log(
    line(
      'on/off per pair, % ',
      pairs.map((p) => (p.ratio - 1) * 100),
      2,
    ),
  );
  console.log(line('off: msg/s', mode('DISABLE', 'msgPerSec'), 0));
  console.log(line('on: msg/s', mode('PROM', 'msgPerSec'), 0));
  const d = quantile(
    pairs.map((p) => p.diff),
    0.5,
  );
  console.log(`\nexporter cost: ${fmt(d, 3)} µs per message = ${fmt((d / offMedian) * 100)} % of the off broker's CPU`);
  await off.producer.shutdown();
  await on.producer.shutdown();
  await accounting(on, offMedian, quantile(mode('PROM', 'msgPerSec'), 0.5));
} finally {
  await Promise.all([off.stop(), on.stop()]);
}
