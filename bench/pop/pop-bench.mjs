#!/usr/bin/env node
// Pop consumption beside pull consumption, on one spawned broker (bench/compare's starter,
// `rocketmq-ts start`, ASYNC_FLUSH) in one run: the same N messages are drained by a fresh
// group each time with
//   pull    PushConsumer (pull, client-side rebalance), 1 member
//   pop     SimpleConsumers, each running `--receives` receive(32) loops at once (default 8, one
//           per queue of the topic, as Java's Pop push consumer keeps a pop per queue in flight;
//           receive() may be called concurrently) and acking every message, at 1 and 16 consumers
//           (acks of up to 4 batches a loop in flight while the next receive waits); `CxL`: C
//           consumers with L receive loops each (`1x1`: one receive at a time)
//   push-pop PushConsumer with clientRebalance: false (Pop), 1 member
// and a table of msg/s (first message to last ack) and, for Pop, the latency of each ACK_MESSAGE.
//
//   npx tsc -b && node bench/pop/pop-bench.mjs [--messages 20000] [--consumers 1,16] [--receives 8] [--rounds 1]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { procStats } from '../compare/harness.mjs';
import { rocketmqTarget } from '../compare/rocketmq.mjs';
import { startServer } from '../compare/servers.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    consumers: { type: 'string', default: '1,16' },
    receives: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '1' },
    'body-size': { type: 'string', default: '1024' },
  },
});
const N = Number(values.messages);
// `C` = C SimpleConsumers with --receives receive loops each; `CxL` = C consumers with L loops each.
const consumerCounts = values.consumers.split(',').map((spec) => {
  const [c, l] = spec.split('x').map(Number);
  return { consumers: c, loops: l ?? Number(values.receives) };
});
const sdk = await import('@rocketmq-ts/client');
const root = mkdtempSync(path.join(os.tmpdir(), 'pop-bench-'));
const server = await startServer({ kind: 'rocketmq', label: 'async', flush: 'ASYNC_FLUSH' }, root);
const { namesrv } = server.options;
const payload = Buffer.alloc(Number(values['body-size']), 7);
const topic = 'pop_bench';
const target = await rocketmqTarget({ namesrv, flush: 'ASYNC_FLUSH' });
let groupSeq = 0;
const group = (kind) => `pop_bench_${kind}_${process.pid}_${++groupSeq}`;

const pct = (sorted, p) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/** Resolves once `count()` reaches N; rejects after `ms` (a stalled mode must not hang the run). */
function until(count, ms) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const t = setInterval(() => {
      if (count() >= N) {
        clearInterval(t);
        resolve();
      } else if (Date.now() > deadline) {
        clearInterval(t);
        reject(new Error(`stalled at ${count()} of ${N}`));
      }
    }, 5);
  });
}

/** A PushConsumer draining the topic: pull (client-side rebalance) or, with `extra`, Pop mode. */
async function push(mode, extra) {
  let got = 0;
  let first = 0;
  const consumer = new sdk.PushConsumer({
    namesrvAddr: namesrv,
    consumerGroup: group(mode === 'pull' ? 'pull' : 'pushpop'),
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    pullBatchSize: 32,
    consumeMessageBatchMaxSize: 32,
    ...extra,
  });
  consumer.subscribe(topic, '*');
  consumer.registerMessageListener({
    type: 'concurrently',
    consume: (msgs) => {
      if (got === 0) first = performance.now();
      got += msgs.length;
      return 'CONSUME_SUCCESS';
    },
  });
  await consumer.start();
  await until(() => got, 180_000);
  const ms = performance.now() - first;
  await consumer.shutdown();
  return { mode, consumers: 1, msgs: got, ms };
}

async function pop({ consumers, loops: loopsPer }) {
  const g = group('pop');
  const acks = [];
  let acked = 0;
  let received = 0;
  let receives = 0;
  let first = 0;
  let stop = false;
  const list = [];
  for (let i = 0; i < consumers; i++) {
    const c = new sdk.SimpleConsumer({
      namesrvAddr: namesrv,
      consumerGroup: g,
      subscriptions: new Map([[topic, '*']]),
      awaitDuration: 1000,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    await c.start();
    list.push(c);
  }
  // Each consumer receives again as soon as a batch is in; its acks go out meanwhile (at most
  // 4 batches of them unanswered), as an application acking after processing would.
  const loops = list
    .flatMap((c) => Array.from({ length: loopsPer }, () => c))
    .map(async (c) => {
      const inflight = new Set();
      while (!stop) {
        const msgs = await c.receive(32, 60_000);
        receives++;
        if (msgs.length === 0) continue;
        if (first === 0) first = performance.now();
        received += msgs.length;
        const batch = Promise.all(
          msgs.map(async (m) => {
            const t0 = performance.now();
            await c.ack(m);
            acks.push(performance.now() - t0);
            acked++;
          }),
        );
        inflight.add(batch);
        void batch.finally(() => inflight.delete(batch));
        if (inflight.size >= 4) await Promise.race(inflight);
      }
      await Promise.all(inflight);
    });
  try {
    await Promise.race([until(() => acked, 180_000), Promise.all(loops)]);
  } finally {
    stop = true;
  }
  const ms = performance.now() - first;
  await Promise.allSettled(loops);
  for (const c of list) await c.shutdown();
  acks.sort((a, b) => a - b);
  return {
    mode: `pop (SimpleConsumer, ${loopsPer} receive${loopsPer > 1 ? 's' : ''} in flight each)`,
    consumers,
    msgs: acked,
    received,
    msgsPerReceive: +(received / receives).toFixed(1),
    ms,
    ackP50: pct(acks, 0.5),
    ackP99: pct(acks, 0.99),
  };
}

const rows = [];
try {
  await target.prepare(topic);
  await target.produce(N, { topic, inflight: 128, payload: () => payload });
  // One unreported pull drain first, so that every measured step reads from the broker's cache
  // (otherwise the first step of round 1 alone pays for the cold read).
  await push('pull', {});
  for (let round = 1; round <= Number(values.rounds); round++) {
    const runs = [
      ['pull', () => push('pull', {})],
      ...consumerCounts.map((c) => [`pop ${c.consumers}x${c.loops}`, () => pop(c)]),
      ['push (Pop mode)', () => push('push (Pop mode)', { clientRebalance: false, brokerSuspendMaxTimeMillis: 1000 })],
    ];
    for (const [name, run] of runs) {
      try {
        const c0 = process.cpuUsage();
        const s0 = procStats(server.pid)?.cpuS ?? Number.NaN;
        // CLOCK_MONOTONIC in µs, the clock of the server's --cpu-prof samples: a profile can be
        // cut to one step (BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=…').
        const m0 = Number(process.hrtime.bigint() / 1000n);
        const r = await run();
        const m1 = Number(process.hrtime.bigint() / 1000n);
        const c1 = process.cpuUsage(c0);
        const s1 = procStats(server.pid)?.cpuS ?? Number.NaN;
        rows.push({
          round,
          ...r,
          msgPerS: Math.round((r.msgs / r.ms) * 1000),
          clientUs: (c1.user + c1.system) / r.msgs,
          serverUs: ((s1 - s0) * 1e6) / r.msgs,
          monoUs: [m0, m1],
        });
      } catch (e) {
        rows.push({ round, mode: name, error: e.message });
      }
      console.error(JSON.stringify(rows.at(-1)));
    }
  }
} finally {
  await target.close();
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}

const f = (x, d = 2) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
console.log(
  `\nmessages ${N} of ${payload.length} B, ASYNC_FLUSH broker, loopback; msg/s = first message to last ack; CPU = whole step (start to shutdown) per message\n`,
);
console.log(
  '| round | mode | consumers | msg/s | % of pull | ack p50 ms | ack p99 ms | client CPU µs/msg | server CPU µs/msg |',
);
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const pullRow = rows.find((x) => x.round === r.round && x.mode === 'pull');
  const share = pullRow?.msgPerS && r.msgPerS ? `${((r.msgPerS / pullRow.msgPerS) * 100).toFixed(0)} %` : '-';
  if (r.error) console.log(`| ${r.round} | ${r.mode} | | error: ${r.error} | | | | | |`);
  else
    console.log(
      `| ${r.round} | ${r.mode} | ${r.consumers} | ${r.msgPerS} | ${share} | ${f(r.ackP50)} | ${f(r.ackP99)} | ${f(r.clientUs, 1)} | ${f(r.serverUs, 1)} |`,
    );
}
