#!/usr/bin/env node
// The chaos harness (openchaos style): starts a NameServer, broker groups and (in controller
// mode) controllers as real processes on this machine, runs FIFO producers, probes and two
// consumer groups on the SDK's public API, injects faults on a seeded schedule, heals
// everything, lets the consumers drain, and checks the recorded history (checker.mjs): lost
// acknowledged messages, duplicates, FIFO order, time without a writable master, split brain.
// It prints a table and writes history.json and result.json to --out. Exit code 0 = PASS,
// 1 = the checker found a violation, 2 = the harness itself failed.
//
// Why bench/: long trials of real processes are run by hand, like bench/ha and
// bench/controller, against the built tree (plain .mjs, no build step of its own); a bounded
// run is in the tests (e2e/tests/chaos-run.test.ts) and the checker's own tests feed it
// synthetic histories (e2e/tests/chaos-checker.test.ts). docs/chaos.md has the how-to.
//
//   npm run build && node bench/chaos/run.mjs [--mode classic|controller] [--etcd]
//     [--brokers 2] [--replicas 2] [--faults kill,stop,partition] [--duration 60]
//     [--interval 5] [--fault-duration 5] [--seed 1] [--order random|sequential] [--max-faults N]
//     [--rate 200] [--producers 4] [--keys 4] [--consumers 1] [--body 256] [--consume-delay 0]
//     [--drain-timeout 60] [--slave-drain 20] [--out DIR] [--keep-stores] [--root DIR]
//
// --root: the built tree whose servers and SDK are run (default: this checkout).
//
// --brokers is the number of broker processes; groups = brokers / replicas.
// Faults: kill (kill -9 of a master, restarted after the hold), kill-slave (the same for a
// broker that is not master), stop (SIGSTOP/SIGCONT of a master), partition-ha (the master's HA
// server cut from its slaves), partition-client (the clients cut from the master),
// partition-controller (the controller leader cut from the brokers), kill-controller (kill -9
// of the controller leader: the NameServer process when the controller is embedded), kill-etcd
// (kill -9 of one etcd member); partition = every partition of the mode.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { check, formatReport } from './checker.mjs';
import { startBrokers, startCluster, stopCluster, waitMasters } from './cluster.mjs';
import { faultList, injectors, rng, runSchedule } from './faults.mjs';
import { CONSUMER_GROUPS, History, startWorkload } from './workload.mjs';

const { values: opt } = parseArgs({
  options: {
    root: { type: 'string', default: resolve(new URL('../..', import.meta.url).pathname) },
    mode: { type: 'string', default: 'classic' },
    etcd: { type: 'boolean', default: false },
    brokers: { type: 'string', default: '2' },
    replicas: { type: 'string', default: '2' },
    faults: { type: 'string', default: 'kill,stop,partition' },
    duration: { type: 'string', default: '60' },
    interval: { type: 'string', default: '5' },
    'fault-duration': { type: 'string', default: '5' },
    seed: { type: 'string', default: String(Date.now() % 100000) },
    order: { type: 'string', default: 'random' },
    'max-faults': { type: 'string', default: '1000000' },
    rate: { type: 'string', default: '200' },
    producers: { type: 'string', default: '4' },
    keys: { type: 'string', default: '4' },
    consumers: { type: 'string', default: '1' },
    body: { type: 'string', default: '256' },
    'consume-delay': { type: 'string', default: '0' },
    'drain-timeout': { type: 'string', default: '60' },
    'slave-drain': { type: 'string', default: '20' },
    out: { type: 'string' },
    'keep-stores': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

const root = resolve(opt.root);
const mode = opt.mode;
if (mode !== 'classic' && mode !== 'controller') throw new Error('--mode is classic or controller');
const replicas = Number(opt.replicas);
const groups = Math.max(1, Math.floor(Number(opt.brokers) / replicas));
const seed = Number(opt.seed);
const faults = faultList(opt.faults, mode, opt.etcd);
const dir = opt.out ?? join(tmpdir(), `rocketmq-ts-chaos-${new Date().toISOString().replace(/[:.]/g, '-')}`);
await mkdir(dir, { recursive: true });
const t0 = Date.now();
const log = (s) => {
  if (!opt.quiet) console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${s}`);
};

const dist = (pkg) => import(join(root, 'packages', pkg, 'dist/src/index.js'));
const lib = {
  client: await dist('client'),
  remoting: await dist('remoting'),
  protocol: await dist('protocol'),
  testkit: opt.etcd ? await dist('testkit') : undefined,
};

const topic = 'ChaosTopic';
const history = new History({
  mode,
  etcd: opt.etcd,
  brokers: groups * replicas,
  replicas,
  faults,
  seed,
  duration: Number(opt.duration),
  interval: Number(opt.interval),
  faultDuration: Number(opt['fault-duration']),
  rate: Number(opt.rate),
  startedAt: new Date().toISOString(),
  topic,
  groups: [],
  consumerGroups: CONSUMER_GROUPS,
});

let cluster;
let admin;
let workload;
let exitCode = 2;
// Interrupted (Ctrl-C, a test's timeout): stop the servers before leaving.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    console.error(`${sig}: stopping the cluster`);
    const done = () => process.exit(130);
    if (cluster) stopCluster(cluster).then(done, done);
    else done();
  });
}
try {
  log(
    `mode ${mode}${opt.etcd ? ' on etcd' : ''}, ${groups} group(s) × ${replicas}, faults ${faults.join(',')}, seed ${seed}, dir ${dir}`,
  );
  cluster = await startCluster({ root, dir, mode, groups, replicas, etcd: opt.etcd, lib, log });
  history.meta.groups = cluster.groups.map((g) => g.brokerName);
  admin = new lib.client.MQAdmin({ namesrvAddr: cluster.namesrvAddr });
  await startBrokers(cluster, admin, log);
  await admin.createTopic({ topic, clusterName: cluster.clusterName, readQueueNums: 4, writeQueueNums: 4 });
  // Slaves take topics from their master's periodic metadata sync: wait for it everywhere.
  const masters = await waitMasters(cluster, admin, 60_000);
  const slaves = cluster.brokers.filter((b) => ![...masters.values()].includes(b));
  await until(
    async () => {
      for (const s of slaves) if (!(await admin.topicConfig(s.addr, topic).catch(() => undefined))) return false;
      return true;
    },
    60_000,
    'the topic on every slave',
  );
  log(
    `topic ${topic} on ${cluster.brokers.length} broker(s); masters ${[...masters.values()].map((b) => b.name).join(', ')}`,
  );

  workload = await startWorkload({
    lib,
    cluster,
    topic,
    history,
    producers: Number(opt.producers),
    keysPerProducer: Number(opt.keys),
    rate: Number(opt.rate),
    consumers: Number(opt.consumers),
    bodyBytes: Number(opt.body),
    consumeDelayMs: Number(opt['consume-delay']),
  });
  const random = rng(seed);
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const inject = injectors({
    cluster,
    admin,
    history,
    log,
    pick,
    mode,
    slaveDrainMs: Number(opt['slave-drain']) * 1000,
    workload,
    controllerLeader: () => controllerLeader(cluster, lib),
  });
  const loadStart = Date.now();
  await runSchedule({
    faults,
    order: opt.order,
    maxFaults: Number(opt['max-faults']),
    random,
    intervalMs: Number(opt.interval) * 1000,
    faultMs: Number(opt['fault-duration']) * 1000,
    until: loadStart + Number(opt.duration) * 1000,
    inject,
    history,
    log,
  });
  const rest = loadStart + Number(opt.duration) * 1000 - Date.now();
  if (rest > 0) await new Promise((r) => setTimeout(r, rest));

  // Heal: every proxy open, every process running, every group with a master.
  for (const p of cluster.proxies) p.heal();
  for (const b of cluster.brokers) if (!b.proc.alive) await b.proc.start();
  for (const c of cluster.controllers) if (c.proc && !c.proc.alive) await c.proc.start();
  if (!cluster.namesrv.alive) await cluster.namesrv.start();
  for (const m of cluster.etcd?.members ?? []) if (m.process === undefined) m.start();
  await waitMasters(cluster, admin, 60_000).catch((e) => log(`after healing: ${e.message}`));
  await workload.stopProducing();
  log(
    `load stopped: ${history.acked.length} acknowledged of ${history.events.filter((e) => e.t === 'send').length} sends`,
  );

  // Drain: wait while the groups make progress; give up after --drain-timeout without any.
  const drainMs = Number(opt['drain-timeout']) * 1000;
  const pendingNow = () => CONSUMER_GROUPS.reduce((n, g) => n + history.pending(g.name).length, 0);
  let lastPending = pendingNow();
  let lastProgress = Date.now();
  while (lastPending > 0 && Date.now() - lastProgress < drainMs) {
    await new Promise((r) => setTimeout(r, 500));
    const p = pendingNow();
    if (p < lastPending) lastProgress = Date.now();
    lastPending = p;
  }
  for (const g of CONSUMER_GROUPS) {
    log(`consumer group ${g.name}: ${history.pending(g.name).length} acknowledged not consumed`);
  }
  await workload.stopConsuming();
  workload = undefined;

  history.meta.proxies = cluster.proxies.map((p) => ({ name: p.name, address: p.address, accepted: p.accepted }));
  history.meta.finishedAt = new Date().toISOString();
  const result = check(history.toJSON());
  await writeFile(join(dir, 'history.json'), JSON.stringify(history));
  await writeFile(join(dir, 'result.json'), JSON.stringify(result, null, 2));
  const kinds = faults.filter((f) => f.startsWith('partition-')).map((f) => f.slice('partition-'.length));
  const unused = kinds.filter((k) =>
    history.meta.proxies.filter((p) => p.name.startsWith(`${k}-`)).every((p) => p.accepted === 0),
  );
  console.log(`\n${formatReport(result)}\n`);
  if (unused.length > 0) console.log(`note: no connection went through the ${unused.join(', ')} proxies`);
  console.log(`history: ${join(dir, 'history.json')}\nresult: ${join(dir, 'result.json')}\nlogs: ${join(dir, 'logs')}`);
  exitCode = result.ok ? 0 : 1;
} catch (e) {
  console.error(`chaos harness failed: ${e?.stack ?? e}`);
  await writeFile(join(dir, 'history.json'), JSON.stringify(history)).catch(() => {});
} finally {
  await workload?.stopProducing().catch(() => {});
  await workload?.stopConsuming().catch(() => {});
  await admin?.close().catch(() => {});
  if (cluster) await stopCluster(cluster).catch((e) => console.error(`stopping: ${e}`));
  if (!opt['keep-stores'] && cluster) {
    for (const b of cluster.brokers) await rm(join(dir, b.name, 'store'), { recursive: true, force: true });
  }
}
process.exit(exitCode);

async function until(probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The controller that says it leads (CONTROLLER_GET_METADATA_INFO), else the first alive one. */
async function controllerLeader(cl, l) {
  const { RemotingClient } = l.remoting;
  const { createRequest, RequestCode, GetMetaDataResponseHeader } = l.protocol;
  const client = new RemotingClient({ requestTimeoutMs: 2000 });
  try {
    for (const c of cl.controllers) {
      if (!c.proc?.alive || c.proxy.partitioned) continue;
      const res = await client
        .invoke(c.addr, createRequest(RequestCode.CONTROLLER_GET_METADATA_INFO), 2000)
        .catch(() => undefined);
      const h = res && GetMetaDataResponseHeader.decode(res.extFields);
      if (h?.ok && h.value.isLeader) return c;
    }
  } finally {
    await client.close();
  }
  const alive = cl.controllers.find((c) => c.proc?.alive);
  if (!alive) throw new Error('no controller alive');
  return alive;
}
