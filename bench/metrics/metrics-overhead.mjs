#!/usr/bin/env node
// Produce throughput with metrics on vs off, in one run: alternating rounds against a spawned
// `rocketmq-ts start` with metricsExporterType=DISABLE (off) or PROM (on, scraped every
// second while producing, far more often than Prometheus' usual 15 s). Each round reports
// the producer's msg/s and the broker's CPU µs per message (from /proc, steadier than msg/s
// on a shared machine). A micro-benchmark then times the hot-path calls alone
// (BrokerMetrics.recordPut / recordGet and the rpc-latency observer) in ns per call.
//
//   npm run build && node bench/metrics/metrics-overhead.mjs [--rounds 3] [--seconds 5]
//     [--window 256] [--size 1024] [--queues 8]
//
// The PROM brokers run with --cpu-prof: the share of their CPU samples spent in the metrics
// code (packages/broker/src/metrics/ and the rpc-latency observer's lines in the processor
// table) is printed too, a figure that, unlike msg/s, barely moves with the machine's load.
//
// Short by default: the machine is shared, so the figures carry the noise of whatever else
// runs; alternating off/on rounds spreads that noise over both modes.
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
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    window: { type: 'string', default: '256' },
    size: { type: 'string', default: '1024' },
    queues: { type: 'string', default: '8' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const WINDOW = Number(values.window);
const SIZE = Number(values.size);

const cpuSeconds = async (pid) => {
  const s = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};

async function startServer(mode) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-metrics-'));
  const conf = join(dir, 'broker.conf');
  await writeFile(conf, `metricsExporterType=${mode}\nmetricsPromExporterHost=127.0.0.1\nmetricsPromExporterPort=0\n`);
  const proc = spawn(
    process.execPath,
    [
      '--single-threaded-gc',
      ...(mode === 'PROM' ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'prof')}`] : []),
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
      '-c',
      conf,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const boot = await new Promise((res, rej) => {
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (c) => {
      out += c;
      const m = /clients: ([\d.:]+)\).*?(?:metrics http:\/\/127\.0\.0\.1:(\d+)\/metrics)?$/m.exec(out);
      if (m && /ready in/.test(out)) res({ namesrv: m[1], metricsPort: m[2] ? Number(m[2]) : 0 });
    });
    proc.once('exit', (code) => rej(new Error(`server exited ${code}`)));
  });
  const exited = new Promise((r) => proc.once('exit', r));
  return {
    proc,
    ...boot,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
      const share = mode === 'PROM' ? await metricsShare(join(dir, 'prof')).catch(() => undefined) : undefined;
      await rm(dir, { recursive: true, force: true });
      return share;
    },
  };
}

const scrape = (port) =>
  new Promise((res) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (r) => {
      let n = 0;
      r.on('data', (c) => {
        n += c.length;
      });
      r.on('end', () => res(n));
    }).on('error', () => res(0));
  });

/** Percent of the non-idle CPU samples of a profile spent in metrics code. */
async function metricsShare(profDir) {
  const [file] = await readdir(profDir);
  const p = JSON.parse(await readFile(join(profDir, file), 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  let busy = 0;
  let metrics = 0;
  p.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    if (f.functionName === '(idle)') return;
    const dt = p.timeDeltas[i] ?? 0;
    busy += dt;
    if (f.url.includes('/broker/dist/src/metrics/')) metrics += dt;
  });
  return Number(((metrics / busy) * 100).toFixed(2));
}

async function round(mode) {
  const server = await startServer(mode);
  const topic = `BenchMetrics_${mode}`;
  const admin = new MQAdmin({ namesrvAddr: server.namesrv });
  const queues = Number(values.queues);
  await admin.createTopic({ topic, clusterName: 'DefaultCluster', readQueueNums: queues, writeQueueNums: queues });
  for (let i = 0; i < 100; i++) {
    if ((await admin.topicRoute(topic).catch(() => undefined))?.queueDatas.length === 1) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await admin.close();
  const producer = new Producer({
    namesrvAddr: server.namesrv,
    producerGroup: `P_${mode}`,
    compressMsgBodyOverHowmuch: -1,
  });
  await producer.start();
  const body = Buffer.alloc(SIZE, 'm');
  let sent = 0;
  let counting = false;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      await producer.send({ topic, body });
      if (counting) sent++;
    }
  };
  const workers = Array.from({ length: WINDOW }, worker);
  let scrapes = 0;
  let scrapeBytes = 0;
  const scraper =
    server.metricsPort > 0
      ? setInterval(() => {
          scrape(server.metricsPort).then((n) => {
            scrapes++;
            scrapeBytes = n;
          });
        }, 1000)
      : undefined;
  await new Promise((r) => setTimeout(r, 1000)); // warm-up, not counted
  const cpu0 = await cpuSeconds(server.proc.pid);
  const t0 = performance.now();
  counting = true;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  counting = false;
  const secs = (performance.now() - t0) / 1000;
  const cpu1 = await cpuSeconds(server.proc.pid);
  stop = true;
  await Promise.all(workers);
  if (scraper) clearInterval(scraper);
  await producer.shutdown();
  const metricsCpuPercent = await server.stop();
  return {
    mode,
    ...(metricsCpuPercent === undefined ? {} : { metricsCpuPercent }),
    msgPerSec: Math.round(sent / secs),
    brokerCpuUsPerMsg: Number((((cpu1 - cpu0) * 1e6) / sent).toFixed(1)),
    scrapes,
    scrapeBytes,
  };
}

async function micro() {
  const { BrokerMetrics } = await import(join(ROOT, 'packages/broker/dist/src/index.js'));
  const m = new BrokerMetrics();
  const topics = Array.from({ length: 64 }, (_, i) => `Topic_${i}`);
  const N = 2_000_000;
  const time = (fn) => {
    for (let i = 0; i < 200_000; i++) fn(i);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) fn(i);
    return Number(process.hrtime.bigint() - t0) / N;
  };
  return {
    recordPutNs: time((i) => m.recordPut(topics[i & 63], 0, 1, 1200)),
    recordGetNs: time((i) => m.recordGet(topics[i & 63], 'G', i & 7, 32, 38_400, i)),
    recordRpcNs: time((i) => m.recordRpc(310, 0, (i & 15) * 0.3, 'success')),
    performanceNowNs: time(() => performance.now()),
  };
}

const rows = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const mode of r % 2 === 0 ? ['DISABLE', 'PROM'] : ['PROM', 'DISABLE']) {
    const row = await round(mode);
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const of = (mode, k) => median(rows.filter((r) => r.mode === mode).map((r) => r[k]));
const offTps = of('DISABLE', 'msgPerSec');
const onTps = of('PROM', 'msgPerSec');
const offCpu = of('DISABLE', 'brokerCpuUsPerMsg');
const onCpu = of('PROM', 'brokerCpuUsPerMsg');
const mic = await micro();
// Adjacent rounds are one pair: the ratio within a pair shares most of the machine's state.
const ratios = [];
for (let i = 0; i + 1 < rows.length; i += 2) {
  const off = rows[i].mode === 'DISABLE' ? rows[i] : rows[i + 1];
  const on = rows[i].mode === 'PROM' ? rows[i] : rows[i + 1];
  ratios.push(on.msgPerSec / off.msgPerSec);
}
const share = median(rows.filter((r) => r.metricsCpuPercent !== undefined).map((r) => r.metricsCpuPercent));
console.log(JSON.stringify({ micro: mic }));
console.log('');
console.log(`| metrics | produce msg/s (median of ${ROUNDS}) | broker CPU µs/msg (median) |`);
console.log('|---|---|---|');
console.log(`| off (DISABLE) | ${offTps} | ${offCpu} |`);
console.log(`| on (PROM, scraped 1/s) | ${onTps} | ${onCpu} |`);
console.log(
  `| on vs off | ${(((onTps - offTps) / offTps) * 100).toFixed(1)} % | ${(((onCpu - offCpu) / offCpu) * 100).toFixed(1)} % |`,
);
console.log(
  `| on/off per pair | ${ratios.map((r) => r.toFixed(3)).join(', ')} (median ${median(ratios).toFixed(3)}) | |`,
);
console.log('');
console.log(`broker CPU in metrics code (PROM rounds, --cpu-prof, median): ${share.toFixed(2)} %`);
console.log(
  `hot path alone: recordPut ${mic.recordPutNs.toFixed(1)} ns, recordGet ${mic.recordGetNs.toFixed(1)} ns, ` +
    `recordRpc ${mic.recordRpcNs.toFixed(1)} ns + 2 × performance.now() ${mic.performanceNowNs.toFixed(1)} ns per request`,
);
const perSend = mic.recordPutNs + mic.recordRpcNs + 2 * mic.performanceNowNs;
console.log(
  `per send request ≈ ${perSend.toFixed(0)} ns = ${((perSend / 1000 / offCpu) * 100).toFixed(2)} % of the broker's ${offCpu} µs of CPU per message`,
);
