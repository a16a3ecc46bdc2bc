#!/usr/bin/env node
// The SDK's PushConsumer draining one topic, repeated: what the consume phase of bench/compare
// measures, split into start (route, heartbeat, rebalance), drain (first → last message) and
// shutdown, with client and server CPU µs per message for each drain. Runs the server with
// bench/compare's starter (spawned `rocketmq-ts start`, ASYNC_FLUSH).
//
//   npx tsc -b && node [--cpu-prof --cpu-prof-dir=/tmp/prof] bench/broker/push-consume.mjs \
//     [--messages 50000] [--rounds 3] [--pull-batch 32] [--listener-batch 32] [--server-cpu-prof DIR]
//
// Each round uses a fresh consumer group on the same topic, so every round reads all messages
// from the first offset (after round 1 they are all in the broker's read cache, as in bench/compare).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { procStats } from '../compare/harness.mjs';
import { rocketmqTarget } from '../compare/rocketmq.mjs';
import { startServer } from '../compare/servers.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '3' },
    'pull-batch': { type: 'string', default: '32' },
    'listener-batch': { type: 'string', default: '32' },
    'server-cpu-prof': { type: 'string' },
  },
});
const N = Number(values.messages);
const sdk = await import('@rocketmq-ts/client');
const root = mkdtempSync(path.join(os.tmpdir(), 'push-consume-'));
const server = await startServer({ kind: 'rocketmq', label: 'async', flush: 'ASYNC_FLUSH' }, root, {
  cpuProfDir: values['server-cpu-prof'],
});
const { namesrv } = server.options;
const payload = Buffer.alloc(1024, 7);
const topic = 'push_consume_bench';
const target = await rocketmqTarget({ namesrv, flush: 'ASYNC_FLUSH' });
const monoOffsetUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
try {
  await target.prepare(topic);
  await target.produce(N, { topic, inflight: 128, payload: () => payload });
  for (let round = 1; round <= Number(values.rounds); round++) {
    let got = 0;
    let first = 0;
    let last = 0;
    let c1 = 0;
    let sys1 = 0;
    let s1 = 0;
    let finish;
    const done = new Promise((r) => {
      finish = r;
    });
    const consumer = new sdk.PushConsumer({
      namesrvAddr: namesrv,
      consumerGroup: `push_consume_cg_${round}`,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      pullBatchSize: Number(values['pull-batch']),
      consumeMessageBatchMaxSize: Number(values['listener-batch']),
    });
    consumer.subscribe(topic, '*');
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs) => {
        if (got === 0) {
          first = performance.now();
          c1 = cpu();
          sys1 = process.cpuUsage().system;
          s1 = procStats(server.pid).cpuS;
        }
        got += msgs.length;
        if (got >= N && last === 0) {
          last = performance.now();
          finish();
        }
        return 'CONSUME_SUCCESS';
      },
    });
    const t0 = performance.now();
    const c0 = cpu();
    const s0 = procStats(server.pid).cpuS;
    await consumer.start();
    const started = performance.now();
    await done;
    const c2 = cpu();
    const sys2 = process.cpuUsage().system;
    const s2 = procStats(server.pid).cpuS;
    await consumer.shutdown();
    const t3 = performance.now();
    const drainS = (last - first) / 1000;
    const out = {
      round,
      startMs: +(started - t0).toFixed(1),
      firstMsgMs: +(first - t0).toFixed(1),
      drainMs: +(drainS * 1000).toFixed(1),
      shutdownMs: +(t3 - last).toFixed(1),
      totalMs: +(t3 - t0).toFixed(1),
      drainMsgPerS: Math.round(N / drainS),
      totalMsgPerS: Math.round(N / ((t3 - t0) / 1000)),
      clientUsPerMsgDrain: +(((c2 - c1) / N) * 1e6).toFixed(2),
      clientSysUsPerMsgDrain: +((sys2 - sys1) / N).toFixed(2),
      serverUsPerMsgDrain: +(((s2 - s1) / N) * 1e6).toFixed(2),
      clientCpuStartS: +(c1 - c0).toFixed(3),
      // CLOCK_MONOTONIC µs, the clock of --cpu-prof timestamps: to cut a profile to the drain.
      drainMonoUs: [Math.round(first * 1000 + monoOffsetUs), Math.round(last * 1000 + monoOffsetUs)],
      serverCpuStartS: +(s1 - s0).toFixed(3),
    };
    console.log(JSON.stringify(out));
  }
} finally {
  await target.close();
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
