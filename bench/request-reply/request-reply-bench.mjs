#!/usr/bin/env node
// Request-reply round trips on one spawned broker (bench/compare's starter, `rocketmq-ts start`,
// ASYNC_FLUSH): a replier (PushConsumer answering each request with createReplyMessage through
// its own Producer) and a requester (Producer.request) in this process. For each concurrency,
// N requests are kept C in flight; the table gives requests/s and the round-trip latency
// p50/p99 (request() called → reply resolved), with the broker's CPU µs per request.
//
//   npx tsc -b && node bench/request-reply/request-reply-bench.mjs [--requests 5000] [--concurrency 1,16,64]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { procStats } from '../compare/harness.mjs';
import { startServer } from '../compare/servers.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '1,16,64' },
    'body-size': { type: 'string', default: '256' },
  },
});
const N = Number(values.requests);
const levels = values.concurrency.split(',').map(Number);
const { createReplyMessage, MQAdmin, Producer, PushConsumer } = await import('@rocketmq-ts/client');
const root = mkdtempSync(path.join(os.tmpdir(), 'rr-bench-'));
const server = await startServer({ kind: 'rocketmq', label: 'async', flush: 'ASYNC_FLUSH' }, root);
const { namesrv, broker } = server.options;
const topic = `rr_bench_${process.pid}`;
const payload = Buffer.alloc(Number(values['body-size']), 7);
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

const admin = new MQAdmin({ namesrvAddr: namesrv });
for (let attempt = 0; ; attempt++) {
  try {
    await admin.createTopic({ topic, brokerAddr: broker, readQueueNums: 4, writeQueueNums: 4 });
    break;
  } catch (e) {
    // The broker answers SERVICE_NOT_AVAILABLE until it has loaded its store.
    if (attempt > 100) throw e;
    await new Promise((r) => setTimeout(r, 200));
  }
}
const replyProducer = new Producer({ namesrvAddr: namesrv, producerGroup: 'rr_bench_replier' });
await replyProducer.start();
const consumer = new PushConsumer({
  namesrvAddr: namesrv,
  consumerGroup: `rr_bench_${process.pid}`,
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
});
consumer.subscribe(topic);
consumer.registerMessageListener({
  type: 'concurrently',
  consume: (msgs) => Promise.all(msgs.map((m) => replyProducer.send(createReplyMessage(m, m.body)))),
});
await consumer.start();
const requester = new Producer({ namesrvAddr: namesrv, producerGroup: 'rr_bench_requester' });
await requester.start();
// Warm-up: the consumer owns its queues and the first request's route and heartbeat are done.
for (let i = 0; i < 50; i++) await requester.request({ topic, body: payload }, 30_000);

const rows = [];
for (const c of levels) {
  const lat = [];
  let next = 0;
  const cpu0 = procStats(server.pid)?.cpuS ?? Number.NaN;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < N) {
        next++;
        const s = performance.now();
        await requester.request({ topic, body: payload }, 30_000);
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu1 = procStats(server.pid)?.cpuS ?? Number.NaN;
  lat.sort((a, b) => a - b);
  rows.push({
    concurrency: c,
    'req/s': Math.round(N / secs),
    'p50 ms': pct(lat, 0.5).toFixed(2),
    'p99 ms': pct(lat, 0.99).toFixed(2),
    'broker CPU µs/req': Math.round(((cpu1 - cpu0) * 1e6) / N),
  });
}
console.log(`request-reply, ${N} requests per row, ${payload.length} B bodies, ${os.cpus().length} CPUs`);
console.table(rows);
await requester.shutdown();
await consumer.shutdown();
await replyProducer.shutdown();
await admin.close();
await server.stop();
rmSync(root, { recursive: true, force: true });
