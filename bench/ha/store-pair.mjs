#!/usr/bin/env node
// Replication cost without the broker around it: a master process (file store + HAService)
// appends messages as fast as `--window` appends in flight allow, a slave process (file store +
// HAClient) follows it; each process reports its own CPU time (process.cpuUsage) over the run.
// Rounds alternate a master with no slave ("none") and with one (ASYNC or SYNC), so the HA cost
// per message is master CPU (with slave) − master CPU (none), on the same machine minutes apart.
//
//   npm run build && node bench/ha/store-pair.mjs [--messages 100000] [--size 1024] [--window 256]
//     [--setups none,async,sync] [--rounds 3] [--batch 32768]
//   HA_PAIR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles both processes.
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const root = resolve(new URL('../..', import.meta.url).pathname);
const self = new URL(import.meta.url).pathname;
const role = process.env.HA_PAIR_ROLE;

if (role) await child(role);
else await main();

async function child(kind) {
  const { createFileStore, HAService, HAClient } = await import(join(root, 'packages/store/dist/src/index.js'));
  const { encodeProperties } = await import(join(root, 'packages/protocol/dist/src/index.js'));
  const cfg = JSON.parse(process.env.HA_PAIR_CONFIG);
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };
  const logger = { ...quiet, child: () => logger };
  const store = createFileStore(
    {
      storePathRootDir: cfg.dir,
      storeHost: '127.0.0.1:10911',
      brokerRole: kind === 'slave' ? 'SLAVE' : cfg.sync ? 'SYNC_MASTER' : 'ASYNC_MASTER',
    },
    { logger },
  );
  await store.start();
  const send = (m) => process.send(m);
  if (kind === 'slave') {
    const client = new HAClient(
      store,
      { haSendHeartbeatInterval: 5000, haHousekeepingInterval: 20_000, haReconnectInterval: 100 },
      logger,
    );
    client.start();
    client.setMasterAddress(cfg.master);
    let cpu0;
    let acks0 = 0;
    process.on('message', async (m) => {
      if (m.cmd === 'mark') {
        cpu0 = process.cpuUsage();
        acks0 = client.acksSent;
        send({ marked: true });
      } else if (m.cmd === 'until') {
        while (store.replicaAckOffset() < m.offset) await new Promise((r) => setTimeout(r, 5));
        const c = process.cpuUsage(cpu0);
        const acks = client.acksSent - acks0;
        client.stop();
        await store.shutdown();
        send({ cpuUs: c.user + c.system, acks });
        process.exit(0);
      }
    });
    send({ ready: true });
    return;
  }
  const service = new HAService(
    store,
    {
      haListenPort: 0,
      host: '127.0.0.1',
      haSendHeartbeatInterval: 5000,
      haHousekeepingInterval: 20_000,
      haTransferBatchSize: cfg.batch,
      slaveTimeout: 3000,
      haMaxGapNotInSync: 256 * 1024 * 1024,
      inSyncReplicas: 1,
    },
    logger,
  );
  await service.start();
  if (cfg.sync) store.setReplicationGate(service.gate);
  send({ port: service.port });
  const body = Buffer.alloc(cfg.size, 7);
  const props = encodeProperties({ UNIQ_KEY: 'AC1100010000000000000000000000', TAGS: 'T' });
  const input = (i) => ({
    topic: 'BenchHa',
    queueId: i % 8,
    flag: 0,
    body,
    properties: props,
    sysFlag: 0,
    bornTimestamp: Date.now(),
    bornHost: '127.0.0.1:5555',
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  });
  const run = async (n) => {
    let next = 0;
    let bad = 0;
    await Promise.all(
      Array.from({ length: cfg.window }, async () => {
        while (next < n) {
          const i = next++;
          const r = await store.putMessage(input(i));
          if (r.status !== 'PUT_OK') bad++;
          // Let socket I/O in (a broker's sends arrive through it): a pure append loop of
          // ASYNC_MASTER would otherwise starve the HA connection until it ends.
          if (i % 64 === 0) await yieldToIo();
        }
      }),
    );
    return bad;
  };
  process.on('message', async (m) => {
    if (m.cmd !== 'go') return;
    if (cfg.slave) await waitFor(() => service.status().connections[0]?.slaveAckOffset >= 0);
    await run(2000); // warm-up
    const frames = () => service.status().connections[0]?.transferredFrames ?? 0;
    const writes = () => service.status().connections[0]?.socketWrites ?? 0;
    const frames0 = frames();
    const writes0 = writes();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const bad = await run(cfg.messages);
    const secs = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(cpu0);
    const end = store.getMaxPhyOffset();
    send({ cpuUs: c.user + c.system, secs, bad, end, frames: frames() - frames0, writes: writes() - writes0 });
    process.on('message', async (m2) => {
      if (m2.cmd === 'stop') {
        await service.stop();
        await store.shutdown();
        process.exit(0);
      }
    });
  });
}

async function waitFor(fn) {
  while (!fn()) await new Promise((r) => setTimeout(r, 5));
}

function spawnChild(kind, cfg) {
  const args = (process.env.HA_PAIR_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const c = fork(self, [], {
    execArgv: args,
    env: { ...process.env, HA_PAIR_ROLE: kind, HA_PAIR_CONFIG: JSON.stringify(cfg) },
  });
  const queue = [];
  const waiting = [];
  c.on('message', (m) => (waiting.length ? waiting.shift()(m) : queue.push(m)));
  return { c, next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiting.push(r))) };
}

async function runOnce(setup, opts) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-ha-pair-'));
  try {
    const base = { ...opts, sync: setup === 'sync', slave: setup !== 'none' };
    const m = spawnChild('master', { ...base, dir: join(dir, 'm') });
    const { port } = await m.next();
    let s;
    if (setup !== 'none') {
      s = spawnChild('slave', { dir: join(dir, 's'), master: `127.0.0.1:${port}` });
      await s.next();
    }
    m.c.send({ cmd: 'go' });
    // The slave's CPU is counted from the master's warm-up on (it is small next to the run).
    if (s) {
      s.c.send({ cmd: 'mark' });
      await s.next();
    }
    const r = await m.next();
    let slave;
    if (s) {
      s.c.send({ cmd: 'until', offset: r.end });
      slave = await s.next();
    }
    m.c.send({ cmd: 'stop' });
    await new Promise((ok) => m.c.once('exit', ok));
    return {
      setup,
      rate: Math.round(opts.messages / r.secs),
      masterUsPerMsg: +(r.cpuUs / opts.messages).toFixed(1),
      slaveUsPerMsg: slave === undefined ? undefined : +(slave.cpuUs / (opts.messages + 2000)).toFixed(1),
      framesPer1k: +((1000 * r.frames) / opts.messages).toFixed(1),
      writesPer1k: +((1000 * r.writes) / opts.messages).toFixed(1),
      acksPer1k: slave === undefined ? undefined : +((1000 * slave.acks) / (opts.messages + 2000)).toFixed(1),
      bad: r.bad,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '100000' },
      size: { type: 'string', default: '1024' },
      window: { type: 'string', default: '256' },
      setups: { type: 'string', default: 'none,async,sync' },
      rounds: { type: 'string', default: '3' },
      batch: { type: 'string', default: String(32 * 1024) },
    },
  });
  const opts = {
    messages: Number(values.messages),
    size: Number(values.size),
    window: Number(values.window),
    batch: Number(values.batch),
  };
  const setups = values.setups.split(',');
  const results = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const setup of round % 2 === 0 ? setups : [...setups].reverse()) {
      const r = { round, ...(await runOnce(setup, opts)) };
      results.push(r);
      console.log(JSON.stringify(r));
    }
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`\n${opts.messages} appends of ${opts.size} B, ${opts.window} in flight; medians:`);
  for (const s of setups) {
    const rs = results.filter((r) => r.setup === s);
    const slave =
      s === 'none'
        ? ''
        : `, slave ${med(rs.map((r) => r.slaveUsPerMsg))} µs/msg; per 1000 msgs ${med(rs.map((r) => r.framesPer1k))} frames in ${med(rs.map((r) => r.writesPer1k))} socket writes, ${med(rs.map((r) => r.acksPer1k))} acks`;
    console.log(
      `  ${s}: ${med(rs.map((r) => r.rate))} msg/s, master ${med(rs.map((r) => r.masterUsPerMsg))} µs/msg${slave}`,
    );
  }
}
