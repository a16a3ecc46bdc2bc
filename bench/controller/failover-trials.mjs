#!/usr/bin/env node
// Controller mode with real broker processes, by hand (the bounded form, 50 trials, is
// e2e/tests/controller-failover.test.ts): one NameServer with the embedded controller and
// 2–3 `mqbroker` processes in controller mode; repeated failover trials under load through the
// SDK producer — kill -9 of the master, SIGSTOP/SIGCONT, or a mix. Only the old master is
// restarted per trial. Per trial: failover time from the fault to the first SEND_OK stored by
// another member, acknowledged messages missing afterwards (must be 0), split brain and queue
// offsets holding two messages (bench/chaos/checker.mjs), and the bytes the old master cut when it
// came back. --timeline also times, per trial, when another member reports itself master and
// when the NameServer's route names it (where a failover's time goes).
// Then, in the same run, the produce cost of controller mode against classic SYNC_MASTER + SLAVE:
// both groups up at once, rounds alternated (controller first in odd rounds), msg/s, send p50/p99
// and the CPU the broker processes used per message (user + system, from /proc).
//
//   npm run build && node bench/controller/failover-trials.mjs [--trials 20] [--brokers 3]
//     [--fault kill|stop|mix] [--stop-every 8] [--timeline]
//     [--heartbeat-timeout 2000] [--heartbeat-interval 300] [--scan 200]
//     [--send-timeout 3000] [--poll 300]
//     [--produce 10000] [--rounds 3] [--window 64] [--size 1024]
//
// The timer defaults are the lowered ones of docs/controller.md ("Failover time"); RocketMQ's
// defaults are --heartbeat-timeout 10000 --heartbeat-interval 1000 --scan 5000 --poll 30000.
// --produce 0 skips the produce comparison; --trials 0 skips the trials.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(new URL('../..', import.meta.url).pathname);
const { MQAdmin, Producer } = await import(join(root, 'packages/client/dist/src/index.js'));
const { decodeStoredRecord } = await import(join(root, 'packages/protocol/dist/src/index.js'));
const support = await import(join(root, 'e2e/dist/tests/controller-mode-support.js'));
const { check } = await import(join(root, 'bench/chaos/checker.mjs'));

const { values: opt } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    brokers: { type: 'string', default: '3' },
    fault: { type: 'string', default: 'kill' },
    'stop-every': { type: 'string', default: '8' },
    timeline: { type: 'boolean', default: false },
    'heartbeat-timeout': { type: 'string', default: '2000' },
    'heartbeat-interval': { type: 'string', default: '300' },
    scan: { type: 'string', default: '200' },
    'send-timeout': { type: 'string', default: '3000' },
    poll: { type: 'string', default: '300' },
    produce: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
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
    brokerHeartbeatInterval: Number(opt['heartbeat-interval']),
    ...extra,
  };
  const members = [await support.spawnMember(join(dir, 'b0'), 'b0', props)];
  await support.waitSettled(admin, members, 60_000);
  for (let i = 1; i < brokers; i++) members.push(await support.spawnMember(join(dir, `b${i}`), `b${i}`, props));
  const master = await support.waitSettled(admin, members, 60_000);
  return { ns, admin, members, master };
}

async function stopAll(g) {
  await g.admin.close();
  for (const m of g.members) {
    m.proc?.child.kill('SIGCONT');
    await support.stopProc(m.proc);
  }
  await support.stopProc(g.ns.proc);
}

async function waitTopicOnSlaves(g, created) {
  const end = Date.now() + 30_000;
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

const faultOf = (t) => {
  if (opt.fault !== 'mix') return opt.fault;
  const every = Number(opt['stop-every']);
  return every > 0 && t % every === 0 ? 'stop' : 'kill';
};

const summarize = (xs) => ({
  n: xs.length,
  p50: pct(xs, 0.5),
  p99: pct(xs, 0.99),
  max: xs.length ? Math.max(...xs) : NaN,
});

async function trials() {
  const dir = await mkdtemp(join(tmpdir(), 'bench-ctl-trials-'));
  const g = await controllerGroup(dir, Number(opt.brokers));
  const topic = 'CtlTrials';
  const created = Date.now();
  await g.admin.createTopic({ topic, brokerAddr: g.master.addr, readQueueNums: 4, writeQueueNums: 4 });
  await waitTopicOnSlaves(g, created);
  const producer = new Producer({
    namesrvAddr: g.ns.namesrvAddr,
    producerGroup: 'bench_ctl_trials',
    pollNameServerIntervalMs: Number(opt.poll),
    sendMsgTimeoutMs: Number(opt['send-timeout']),
  });
  await producer.start();
  const send = (body) => producer.send({ topic, body });
  const uniqKeyAt = (log, pos) => decodeStoredRecord(log, pos)?.properties.get('UNIQ_KEY');
  const times = { kill: [], stop: [] };
  const steps = { role: [], route: [] };
  const history = [];
  let lost = 0;
  let acked = 0;
  let cut = 0;
  let splitBrain = 0;
  let offsetReuse = 0;
  const started = Date.now();
  try {
    for (let t = 1; t <= Number(opt.trials); t++) {
      const fault = faultOf(t);
      const r = await support.failoverTrial({
        admin: g.admin,
        members: g.members,
        send,
        uniqKeyAt,
        workers: 8,
        before: 300,
        after: 150,
        fault,
        stepTimeoutMs: 120_000,
        ...(opt.timeline ? { probeTopic: topic } : {}),
      });
      const v = check({ meta: { groups: ['broker-a'] }, events: r.sends });
      history.push(...r.sends);
      times[fault].push(r.failoverMs);
      if (r.timeline?.roleMs !== undefined) steps.role.push(r.timeline.roleMs);
      if (r.timeline?.routeMs !== undefined) steps.route.push(r.timeline.routeMs);
      lost += r.lost.length;
      acked += r.ackedBefore + r.ackedAfter;
      cut += r.truncatedBytes > 0 ? 1 : 0;
      splitBrain += v.splitBrain.length;
      offsetReuse += v.offsetReuse.count;
      console.log(
        JSON.stringify({
          trial: t,
          fault,
          failoverMs: r.failoverMs,
          ...(r.timeline ? { roleMs: r.timeline.roleMs, routeMs: r.timeline.routeMs } : {}),
          lost: r.lost.length,
          splitBrain: v.splitBrain.length,
          truncatedBytes: r.truncatedBytes,
        }),
      );
    }
  } finally {
    await producer.shutdown();
    await stopAll(g);
    await rm(dir, { recursive: true, force: true });
  }
  const all = check({ meta: { groups: ['broker-a'] }, events: history });
  return {
    trials: Number(opt.trials),
    seconds: Math.round((Date.now() - started) / 1000),
    brokers: Number(opt.brokers),
    timers: {
      controllerHeartBeatTimeoutMills: Number(opt['heartbeat-timeout']),
      brokerHeartbeatInterval: Number(opt['heartbeat-interval']),
      scanNotActiveBrokerInterval: Number(opt.scan),
      sendMsgTimeoutMs: Number(opt['send-timeout']),
      pollNameServerIntervalMs: Number(opt.poll),
    },
    failoverKill: summarize(times.kill),
    failoverStop: summarize(times.stop),
    ...(opt.timeline ? { newMasterRole: summarize(steps.role), routeOnNameServer: summarize(steps.route) } : {}),
    acked,
    lost,
    splitBrain: splitBrain + all.splitBrain.length,
    offsetReuse: offsetReuse + all.offsetReuse.count,
    trialsWithTruncation: cut,
  };
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
const cpuOf = async (pids) => (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);

/** One produce round of n messages through `producer`; CPU of `pids` (the group's brokers) per message. */
async function produceRound(producer, topic, n, pids) {
  const body = Buffer.alloc(Number(opt.size), 7);
  let sent = 0;
  let failed = 0;
  const lat = [];
  const cpu0 = await cpuOf(pids);
  const self0 = process.cpuUsage();
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
  const secs = (performance.now() - t0) / 1000;
  const cpu = (await cpuOf(pids)) - cpu0;
  const self = process.cpuUsage(self0);
  return {
    rate: Math.round(n / secs),
    p50: Number(pct(lat, 0.5).toFixed(2)),
    p99: Number(pct(lat, 0.99).toFixed(2)),
    failed,
    brokerCpuUsPerMsg: Number(((cpu * 1e6) / n).toFixed(1)),
    producerCpuUsPerMsg: Number(((self.user + self.system) / n).toFixed(1)),
  };
}

/** Classic SYNC_MASTER + SLAVE under a plain NameServer. */
async function classicGroup(dir) {
  await mkdir(dir, { recursive: true });
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
      child.stderr.on('data', () => {});
      child.once('exit', (c) => fail(new Error(`${bin} exited ${c}: ${s}`)));
    });
  const stop = async () => {
    for (const c of procs.reverse()) {
      if (c.exitCode === null && c.signalCode === null) {
        const done = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await done;
      }
    }
  };
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
        mappedFileSizeCommitLog: 64 * 1024 * 1024,
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
    return { namesrvAddr: ns, pids: procs.slice(1).map((c) => c.pid), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function produceCompare() {
  const dir = await mkdtemp(join(tmpdir(), 'bench-ctl-produce-'));
  const producers = [];
  let ctl;
  let classic;
  try {
    // Controller mode: master + one slave, allAckInSyncStateSet=true (the safe default).
    ctl = await controllerGroup(join(dir, 'ctl'), 2, { mappedFileSizeCommitLog: 64 * 1024 * 1024 });
    await ctl.admin.createTopic({
      topic: 'CtlProduce',
      brokerAddr: ctl.master.addr,
      readQueueNums: 8,
      writeQueueNums: 8,
    });
    classic = await classicGroup(join(dir, 'classic'));
    const mk = async (namesrvAddr, group) => {
      const p = new Producer({ namesrvAddr, producerGroup: group, compressMsgBodyOverHowmuch: 1 << 30 });
      await p.start();
      producers.push(p);
      return p;
    };
    const setups = {
      controller: {
        producer: await mk(ctl.ns.namesrvAddr, 'bench_ctl_produce'),
        topic: 'CtlProduce',
        pids: ctl.members.map((m) => m.proc.child.pid),
      },
      syncMaster: {
        producer: await mk(classic.namesrvAddr, 'bench_sync_produce'),
        topic: 'SyncProduce',
        pids: classic.pids,
      },
    };
    const n = Number(opt.produce);
    // Warm-up of both (JIT, first segment, routes), not reported.
    for (const s of Object.values(setups)) await produceRound(s.producer, s.topic, Math.min(2000, n), s.pids);
    const rounds = { controller: [], syncMaster: [] };
    for (let r = 0; r < Number(opt.rounds); r++) {
      const order = r % 2 === 0 ? ['controller', 'syncMaster'] : ['syncMaster', 'controller'];
      for (const k of order) {
        const res = await produceRound(setups[k].producer, setups[k].topic, n, setups[k].pids);
        rounds[k].push(res);
        console.log(JSON.stringify({ round: r + 1, setup: k, ...res }));
      }
    }
    const med = (k, f) =>
      pct(
        rounds[k].map((x) => x[f]),
        0.5,
      );
    return {
      messages: n,
      size: Number(opt.size),
      window: Number(opt.window),
      rounds: Number(opt.rounds),
      median: Object.fromEntries(
        Object.keys(rounds).map((k) => [
          k,
          { rate: med(k, 'rate'), p99: med(k, 'p99'), brokerCpuUsPerMsg: med(k, 'brokerCpuUsPerMsg') },
        ]),
      ),
      rateControllerVsSyncMaster: Number((med('controller', 'rate') / med('syncMaster', 'rate')).toFixed(3)),
      cpuControllerVsSyncMaster: Number(
        (med('controller', 'brokerCpuUsPerMsg') / med('syncMaster', 'brokerCpuUsPerMsg')).toFixed(3),
      ),
    };
  } finally {
    for (const p of producers) await p.shutdown();
    if (ctl) await stopAll(ctl);
    if (classic) await classic.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (Number(opt.trials) > 0) console.log(JSON.stringify({ summary: await trials() }));
if (Number(opt.produce) > 0) console.log(JSON.stringify({ produce: await produceCompare() }));
