#!/usr/bin/env node
// Side-by-side benchmark: rocketmq-ts (ASYNC_FLUSH and SYNC_FLUSH) against Redis Streams, NATS
// JetStream and RabbitMQ quorum queues, with one harness for all. See docs/benchmarks.md.
//
//   node bench/compare/run.mjs [--quick | --smoke] [--targets redis,nats,rabbitmq,rocketmq-async,rocketmq-sync]
//        [--n 200000] [--rate 5000] [--topics 1,64,256,1024 | --no-topics] [--cpu-prof] [--out FILE | --no-write]
//        [--phases produce,unbatched,consume,latency] [--latdump DIR (one CSV of seq,latency per target)] [--topics-only]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fmtNum, measure } from './harness.mjs';
import { profileLines } from './profile.mjs';
import {
  cpuTable,
  cpuTicks,
  machine,
  mainTable,
  ratioTable,
  renderReport,
  stealPct,
  targetChecks,
  topicsTable,
} from './report.mjs';
import { clientKind } from './rocketmq.mjs';
import { ensurePeers, REPO, readLog, startServer } from './servers.mjs';
import { createTarget, TARGET_SPECS } from './targets.mjs';
import { manyTopics } from './topics.mjs';

const HERE = path.join(REPO, 'bench', 'compare');

const { values: argv } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    targets: { type: 'string' },
    n: { type: 'string' },
    rate: { type: 'string' },
    topics: { type: 'string' },
    'no-topics': { type: 'boolean', default: false },
    'topics-only': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    out: { type: 'string' },
    phases: { type: 'string' },
    latdump: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});

/** Sizes per mode. --quick must finish in under 5 minutes on 2 cores, --smoke in seconds. */
function config() {
  const base = {
    size: 1024,
    inflight: 128,
    batch: 256,
    rate: 5000,
    settleMs: 2000,
    producers: 4,
    phases: ['produce', 'unbatched', 'consume', 'latency'],
    phaseDeadlineMs: 180_000,
    // Best of 5: the first round runs on a cold server, and a neighbour can slow any one round;
    // with 3 the 1 → 1024 loss swung 4–19 % between runs of the same build.
    topicRounds: 5,
  };
  let cfg;
  if (argv.smoke) {
    cfg = {
      ...base,
      n: 3000,
      warmupN: 0,
      latencyS: 1,
      warmupS: 0.5,
      rate: 2000,
      settleMs: 300,
      topicCounts: [],
      topicsN: 0,
    };
    cfg.phaseDeadlineMs = 20_000;
  } else if (argv.quick) {
    cfg = {
      ...base,
      // 200k: a 50k phase lasted 0.2–0.6 s for the fast targets, short enough for a fresh
      // topic's first requests and the timer resolution to move the figure by 30 %+ (our ASYNC
      // produce: 85–93k msg/s over 50k, 142–149k over 200k–300k on the same build).
      n: 200_000,
      // A fresh broker needs ~200k messages before its CPU per message settles (12.9 µs over
      // the first 55k, 4.4–4.7 after 300k; client and peers warm up too): the warm-up gets
      // 100k, the same for every target.
      warmupN: 100_000,
      latencyS: 5,
      // The consumer runs in a fresh worker thread (a cold JIT): with 1 s of warm-up most
      // samples over p99 fell in the next second, for every target.
      warmupS: 3,
      topicCounts: [1, 64, 256, 1024],
      topicsN: 100_000,
    };
    cfg.phaseDeadlineMs = 60_000;
  } else {
    cfg = {
      ...base,
      n: 500_000,
      warmupN: 100_000,
      latencyS: 10,
      warmupS: 3,
      topicCounts: [1, 64, 256, 1024],
      topicsN: 100_000,
    };
  }
  if (argv.n) cfg.n = Number(argv.n);
  if (argv.rate) cfg.rate = Number(argv.rate);
  if (argv.topics) cfg.topicCounts = argv.topics.split(',').map(Number);
  if (argv['no-topics']) cfg.topicCounts = [];
  if (argv.phases) cfg.phases = argv.phases.split(',');
  if (argv.latdump) {
    cfg.latDumpDir = path.resolve(argv.latdump);
    mkdirSync(cfg.latDumpDir, { recursive: true });
  }
  return cfg;
}

function selectTargets() {
  const all = Object.keys(TARGET_SPECS);
  if (argv['topics-only']) return [];
  const names = argv.targets
    ? argv.targets.split(',').flatMap((t) => (t === 'rocketmq' ? ['rocketmq-async', 'rocketmq-sync'] : [t.trim()]))
    : argv.smoke
      ? ['rocketmq-async']
      : all;
  for (const n of names) if (!TARGET_SPECS[n]) throw new Error(`unknown target ${n}; choose from ${all.join(', ')}`);
  return names;
}

/** The peers' client libraries live in bench/compare/node_modules, installed from its own lock file. */
function ensurePeerClients() {
  if (['ioredis', 'nats', 'amqplib'].every((m) => existsSync(path.join(HERE, 'node_modules', m)))) return true;
  console.log('# installing peer client libraries: npm ci --prefix bench/compare');
  const r = spawnSync('npm', ['ci', '--prefix', HERE, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  return r.status === 0;
}

const servers = new Set();
async function stopAll() {
  for (const s of servers) await s.stop().catch(() => {});
  servers.clear();
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    console.log(`# ${sig}: stopping servers`);
    stopAll().finally(() => process.exit(130));
  });
}

async function runTarget(name, cfg, root, cpuProfDir) {
  const base = TARGET_SPECS[name];
  const row = { target: base.label, kind: base.kind, flush: base.flush, rate: cfg.rate };
  console.log(`## ${base.label}`);
  let server = null;
  let target = null;
  try {
    server = await startServer(base, root, { cpuProfDir, readBatch: cfg.batch });
    servers.add(server);
    const spec = { ...base, options: server.options };
    target = await createTarget(spec);
    Object.assign(row, await measure(target, spec, server, cfg), { target: base.label });
    if (target.clientKind) row.client = target.clientKind;
  } catch (e) {
    row.error = e.message;
    console.log(`  FAILED: ${e.message}`);
    if (server?.logFile) console.log(readLog(server.logFile, 15));
  } finally {
    if (target) await target.close().catch(() => {});
    if (server) {
      await server.stop();
      servers.delete(server);
    }
  }
  return row;
}

async function main() {
  const started = Date.now();
  const cfg = config();
  const names = selectTargets();
  const mode = argv.smoke ? '--smoke' : argv.quick ? '--quick' : 'full';
  const mach = machine();
  const ticks0 = cpuTicks();
  const notes = [];
  console.log(`# bench:compare ${mode}: ${names.join(', ')}; ${mach.cpu}, ${mach.cores} cores, node ${mach.node}`);

  let peers = [...new Set(names.map((n) => TARGET_SPECS[n].kind).filter((k) => k !== 'rocketmq'))];
  if (peers.length > 0) {
    const usable = ensurePeers(peers);
    for (const p of peers.filter((x) => !usable.includes(x)))
      notes.push(`${p} skipped: its Debian package could not be installed.`);
    if (!ensurePeerClients()) {
      console.log('# SKIP all peers: npm ci --prefix bench/compare failed');
      notes.push('peers skipped: their client libraries could not be installed.');
      peers = [];
    } else peers = usable;
  }
  const selected = names.filter((n) => TARGET_SPECS[n].kind === 'rocketmq' || peers.includes(TARGET_SPECS[n].kind));
  const oursRun = cfg.topicCounts.length > 0 || selected.some((n) => TARGET_SPECS[n].kind === 'rocketmq');
  const client = oursRun ? await clientKind() : null;
  if (client === 'raw') {
    const why = process.env.BENCH_CLIENT === 'raw' ? 'BENCH_CLIENT=raw was set' : '@rocketmq-ts/client was not usable';
    const msg = `rocketmq-ts was driven by a minimal raw-remoting client (bench/compare/raw-client.mjs on @rocketmq-ts/remoting + @rocketmq-ts/protocol), not the SDK: ${why}.`;
    console.log(`# NOTE ${msg}`);
    notes.push(msg);
  } else if (client === 'sdk') {
    console.log('# rocketmq-ts is driven by our SDK, @rocketmq-ts/client');
    notes.push('rocketmq-ts was driven by our SDK, @rocketmq-ts/client (Producer, PushConsumer, MQAdmin).');
  }

  const root = mkdtempSync(path.join(os.tmpdir(), 'bench-compare-'));
  const cpuProfDir = argv['cpu-prof'] ? path.join(root, 'profiles') : undefined;
  const rows = [];
  let topicRows = [];
  try {
    for (const name of selected) rows.push(await runTarget(name, cfg, root, cpuProfDir));
    if (cfg.topicCounts.length > 0) {
      console.log('## many topics (rocketmq-ts ASYNC_FLUSH)');
      topicRows = await manyTopics({ ...cfg, cpuProfDir }, root, { onServer: (s) => servers.add(s) });
    }
  } finally {
    await stopAll();
  }

  const checks = argv.smoke ? [] : targetChecks(rows, topicRows);
  const profile = cpuProfDir ? profileLines(cpuProfDir) : [];
  const secs = (Date.now() - started) / 1000;
  notes.push(`whole run took ${fmtNum(secs)} s.`);
  const steal = stealPct(ticks0, cpuTicks());
  // A shared VM: the same build's figures moved by a third between runs when neighbours were busy.
  if (steal !== null) {
    notes.push(`CPU steal during the run: ${steal.toFixed(1)} % of CPU time (vCPUs given to other guests).`);
    console.log(`# ${notes.at(-1)}`);
  }
  console.log('');
  const tables = [mainTable(rows), ratioTable(rows), cpuTable(rows), topicsTable(topicRows), checks];
  for (const l of tables.filter((t) => t.length).flatMap((t) => [...t, ''])) console.log(l);
  if (profile.length) for (const l of ['', ...profile]) console.log(l);

  const when = new Date().toISOString();
  if (!argv.smoke && !argv['no-write']) {
    const out = argv.out ?? path.join(REPO, 'bench', 'results', `${when.slice(0, 10)}.md`);
    mkdirSync(path.dirname(out), { recursive: true });
    const title = `Side-by-side benchmark, ${when.slice(0, 10)}`;
    writeFileSync(out, renderReport({ title, when, mode, cfg, mach, rows, topicRows, checks, notes, profile }));
    console.log(`\n# wrote ${path.relative(process.cwd(), out)}`);
  }
  if (!cpuProfDir) rmSync(root, { recursive: true, force: true });
  else console.log(`# profiles kept in ${cpuProfDir}`);
  const failed = rows.some((r) => r.error && r.kind === 'rocketmq');
  process.exitCode = failed ? 1 : 0;
}

main().then(
  // Lingering client timers or sockets must not keep a finished run alive.
  () => process.exit(process.exitCode ?? 0),
  async (e) => {
    console.error(e);
    await stopAll();
    process.exit(1);
  },
);
