#!/usr/bin/env node
// Controller mode with real broker processes, by hand (the bounded form is
// e2e/tests/controller-failover.test.ts): one NameServer with the embedded controller and
// 2–3 `mqbroker` processes in controller mode; repeated trials of kill -9 (or SIGSTOP) of the
// master under load through the SDK producer. Per trial: failover time from the fault to the
// first SEND_OK stored by another member, acknowledged messages missing afterwards (must be 0),
// and the bytes the old master cut when it came back. Then, in the same run, the produce cost of
// controller mode against classic SYNC_MASTER + SLAVE (same machine, same producer settings).
//
//   npm run build && node bench/controller/failover-trials.mjs [--trials 20] [--brokers 3]
//     [--fault kill|stop] [--heartbeat-timeout 3000] [--scan 500] [--produce 10000] [--window 64]
//
// --produce 0 skips the produce comparison; --trials 0 skips the trials.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(new URL('../..', import.meta.url).pathname);
const { MQAdmin, Producer } = await import(join(root, 'packages/client/dist/src/index.js'));
const { decodeStoredRecord } = await import(join(root, 'packages/protocol/dist/src/index.js'));
const support = await import(join(root, 'e2e/dist/tests/controller-mode-support.js'));

const { values: opt } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    brokers: { type: 'string', default: '3' },
    fault: { type: 'string', default: 'kill' },
    'heartbeat-timeout': { type: 'string', default: '3000' },
    scan: { type: 'string', default: '500' },
    produce: { type: 'string', default: '10000' },
    window: { type: 'string', default: '64' },
    size: { type: 'string', default: '1024' },
  },
});

const pct = (xs, q) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};

async function controllerGroup(dir, brokers, extra = {}) {
  const ns = await support.spawnNamesrvWithController(join(dir, 'ns'), Number(opt.scan));
  const admin = new MQAdmin({ namesrvAddr: ns.namesrvAddr });
  const props = {
    namesrvAddr: ns.namesrvAddr,
    controllerAddr: ns.controllerAddr,
    controllerHeartBeatTimeoutMills: Number(opt['heartbeat-timeout']),
    ...extra,
  };
  const members = [await support.spawnMember(join(dir, 'b0'), 'b0', props)];
  await support.waitSettled(admin, members);
  for (let i = 1; i < brokers; i++) members.push(await support.spawnMember(join(dir, `b${i}`), `b${i}`, props));
  const master = await support.waitSettled(admin, members);
  return { ns, admin, members, master };
}

async function stopAll(g) {
  await g.admin.close();
  for (const m of g.members) await support.stopProc(m.proc);
  await support.stopProc(g.ns.proc);
}

async function waitTopicOnSlaves(g, created) {
  const end = Date.now() + 20_000;
  for (;;) {
    let ok = true;
    for (const m of g.members) {
      if (m === g.master || !m.proc) continue;
      const i = await support.info(g.admin, m).catch(() => ({}));
      if (!(Number(i.slaveSyncTimestamp) > created)) ok = false;
    }
    if (ok) return;
    if (Date.now() > end) throw new Error('topic not synced to the slaves');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function trials() {
  const dir = await mkdtemp(join(tmpdir(), 'bench-ctl-trials-'));
  const g = await controllerGroup(dir, Number(opt.brokers));
  const topic = 'CtlTrials';
  await g.admin.createTopic({ topic, brokerAddr: g.master.addr, readQueueNums: 4, writeQueueNums: 4 });
  await waitTopicOnSlaves(g, Date.now() - 1);
  const producer = new Producer({
    namesrvAddr: g.ns.namesrvAddr,
    producerGroup: 'bench_ctl_trials',
    pollNameServerIntervalMs: 300,
    sendMsgTimeoutMs: 3000,
  });
  await producer.start();
  const send = async (body) => {
    const r = await producer.send({ topic, body });
    return r.sendStatus === 'SEND_OK' ? r : undefined;
  };
  const uniqKeyAt = (log, pos) => decodeStoredRecord(log, pos)?.properties.get('UNIQ_KEY');
  const times = [];
  let lost = 0;
  let acked = 0;
  let cut = 0;
  try {
    for (let t = 1; t <= Number(opt.trials); t++) {
      const r = await support.failoverTrial({
        admin: g.admin,
        members: g.members,
        send,
        uniqKeyAt,
        workers: 8,
        before: 300,
        after: 150,
        fault: opt.fault,
      });
      times.push(r.failoverMs);
      lost += r.lost.length;
      acked += r.ackedBefore + r.ackedAfter;
      cut += r.truncatedBytes > 0 ? 1 : 0;
      console.log(
        JSON.stringify({ trial: t, failoverMs: r.failoverMs, lost: r.lost.length, truncatedBytes: r.truncatedBytes }),
      );
    }
  } finally {
    await producer.shutdown();
    await stopAll(g);
    await rm(dir, { recursive: true, force: true });
  }
  return {
    trials: times.length,
    fault: opt.fault,
    brokers: Number(opt.brokers),
    failoverP50: pct(times, 0.5),
    failoverP99: pct(times, 0.99),
    failoverMax: Math.max(...times),
    acked,
    lost,
    trialsWithTruncation: cut,
  };
}

async function produce(namesrvAddr, topic) {
  const producer = new Producer({
    namesrvAddr,
    producerGroup: `bench_ctl_${topic}`,
    compressMsgBodyOverHowmuch: 1 << 30,
  });
  await producer.start();
  const body = Buffer.alloc(Number(opt.size), 7);
  const run = async (n) => {
    let sent = 0;
    let failed = 0;
    const lat = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: Number(opt.window) }, async () => {
        while (sent < n) {
          sent++;
          const s = performance.now();
          const r = await producer.send({ topic, body }).catch(() => undefined);
          if (r?.sendStatus !== 'SEND_OK') failed++;
          lat.push(performance.now() - s);
        }
      }),
    );
    return { rate: n / ((performance.now() - t0) / 1000), p50: pct(lat, 0.5), p99: pct(lat, 0.99), failed };
  };
  await run(Math.min(2000, Number(opt.produce)));
  const r = await run(Number(opt.produce));
  await producer.shutdown();
  return r;
}

async function produceCompare() {
  const out = {};
  // Controller mode: master + one slave, allAckInSyncStateSet=true.
  {
    const dir = await mkdtemp(join(tmpdir(), 'bench-ctl-produce-'));
    const g = await controllerGroup(dir, 2);
    try {
      await g.admin.createTopic({
        topic: 'CtlProduce',
        brokerAddr: g.master.addr,
        readQueueNums: 8,
        writeQueueNums: 8,
      });
      out.controller = await produce(g.ns.namesrvAddr, 'CtlProduce');
    } finally {
      await stopAll(g);
      await rm(dir, { recursive: true, force: true });
    }
  }
  // Classic SYNC_MASTER + SLAVE.
  {
    const dir = await mkdtemp(join(tmpdir(), 'bench-sync-produce-'));
    const nsConf = join(dir, 'ns.conf');
    await writeFile(nsConf, 'listenPort=0\nbindAddress=127.0.0.1\n');
    const procs = [];
    const spawnUntil = (bin, args, re) =>
      new Promise((ok, fail) => {
        const child = spawn(process.execPath, [join(root, 'packages/distribution/bin', `${bin}.js`), ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, ROCKETMQ_LOG_LEVEL: 'warn' },
        });
        procs.push(child);
        let s = '';
        child.stdout.on('data', (d) => {
          s += d;
          const m = re.exec(s);
          if (m) ok(m[1]);
        });
        child.once('exit', (c) => fail(new Error(`${bin} exited ${c}: ${s}`)));
      });
    try {
      const ns = await spawnUntil('mqnamesrv', ['-c', nsConf], /boot success.*address (\S+:\d+)/);
      const broker = async (name, props) => {
        const conf = join(dir, `${name}.conf`);
        const lines = {
          brokerClusterName: 'SyncBench',
          brokerName: 'sync-a',
          listenPort: 0,
          haListenPort: 0,
          listenHost: '127.0.0.1',
          brokerIP1: '127.0.0.1',
          storePathRootDir: join(dir, name),
          mappedFileSizeCommitLog: 4 * 1024 * 1024,
          namesrvAddr: ns,
          ...props,
        };
        await writeFile(
          conf,
          Object.entries(lines)
            .map(([k, v]) => `${k}=${v}`)
            .join('\n'),
        );
        return spawnUntil('mqbroker', ['-c', conf], /The broker\[[^,]+, (\S+:\d+)\] boot success/);
      };
      const master = await broker('m', { brokerRole: 'SYNC_MASTER' });
      await broker('s', { brokerRole: 'SLAVE', brokerId: 1 });
      const admin = new MQAdmin({ namesrvAddr: ns });
      const end = Date.now() + 30_000;
      while ((await admin.haStatus(master).catch(() => ({}))).haConnectionInfo?.length !== 1) {
        if (Date.now() > end) throw new Error('slave did not connect');
        await new Promise((r) => setTimeout(r, 100));
      }
      await admin.createTopic({ topic: 'SyncProduce', brokerAddr: master, readQueueNums: 8, writeQueueNums: 8 });
      await admin.close();
      out.syncMaster = await produce(ns, 'SyncProduce');
    } finally {
      for (const c of procs.reverse()) {
        if (c.exitCode === null) {
          const done = new Promise((r) => c.once('exit', r));
          c.kill('SIGTERM');
          await done;
        }
      }
      await rm(dir, { recursive: true, force: true });
    }
  }
  out.controllerVsSyncMaster = out.controller.rate / out.syncMaster.rate;
  return out;
}

if (Number(opt.trials) > 0) console.log(JSON.stringify({ summary: await trials() }));
if (Number(opt.produce) > 0) console.log(JSON.stringify({ produce: await produceCompare() }));
