#!/usr/bin/env node
// Store throughput against the raw disk ceiling measured in the same run. Not a test.
// Build first: npx tsc -b packages/store
// usage: node bench/store/store-bench.mjs [asyncMessages=300000] [syncMessages=100000] [manyQueueMessages=50000]
// env STORE_BENCH_WARM=1: the ASYNC_FLUSH store warms (zero-fills, paced) the segment it creates
// ahead, during the timed appends (warmMapedFileEnable), to measure what that costs them.
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeProperties, UniqKeyGenerator } from '../../packages/protocol/dist/src/index.js';
import { createFileStore } from '../../packages/store/dist/src/index.js';

const ASYNC_N = Number(process.argv[2] ?? 300_000);
const SYNC_N = Number(process.argv[3] ?? 100_000);
const MANY_N = Number(process.argv[4] ?? 50_000);
const WARM = process.env.STORE_BENCH_WARM === '1';
const RECORD = 1024;
const QUEUES = 8;
const TOPIC = 'BenchTopic';
const root = await mkdtemp(join(tmpdir(), 'rmq-bench-'));

const uniq = new UniqKeyGenerator('10.0.0.1');
// A pool of distinct messages, cycled: the heap stays small (as in a broker, where request
// objects die young) and generating messages costs nothing inside the timed loops.
function makeMessages(n) {
  const props = encodeProperties({ TAGS: 'TagA', UNIQ_KEY: uniq.next(), WAIT: 'true' });
  // Body sized so the stored record is exactly 1 KiB: 91 + body + topic + properties.
  const body = Buffer.alloc(RECORD - 91 - TOPIC.length - Buffer.byteLength(props), 0x61);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = {
      topic: TOPIC,
      queueId: i % QUEUES,
      flag: 0,
      body,
      properties: encodeProperties({ TAGS: 'TagA', UNIQ_KEY: uniq.next(), WAIT: 'true' }),
      sysFlag: 0,
      bornTimestamp: Date.now(),
      bornHost: '10.0.0.1:50000',
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
    };
  }
  return out;
}

const p = (fn) => new Promise((res, rej) => fn((e, v) => (e ? rej(e) : res(v))));

/** Raw ceiling: the same bytes appended to a fresh 1 GiB sparse file, same flush policy. */
async function rawAppend(n, policy, batchRecords) {
  const path = join(root, `raw-${policy}`);
  const fd = await p((cb) => fs.open(path, 'w+', cb));
  await p((cb) => fs.ftruncate(fd, 1024 * 1024 * 1024, cb));
  const chunk = Buffer.alloc(batchRecords * RECORD, 0x61);
  const t0 = performance.now();
  let lastSync = t0;
  let pos = 0;
  for (let done = 0; done < n; done += batchRecords) {
    let off = 0;
    while (off < chunk.length) off += await p((cb) => fs.write(fd, chunk, off, chunk.length - off, pos + off, cb));
    pos += chunk.length;
    if (policy === 'SYNC') await p((cb) => fs.fdatasync(fd, cb));
    else if (performance.now() - lastSync > 500) {
      fs.fdatasync(fd, () => {});
      lastSync = performance.now();
    }
  }
  const secs = (performance.now() - t0) / 1000;
  await p((cb) => fs.close(fd, cb));
  await rm(path);
  return n / secs;
}

async function openStore(name, flushDiskType, extra = {}) {
  const s = createFileStore({
    storePathRootDir: join(root, name),
    flushDiskType,
    storeHost: '10.0.0.2:10911',
    ...extra,
  });
  await s.start();
  return s;
}

async function asyncAppend(store, msgs) {
  // A producer-side pipeline: up to 4 windows of 256 appends in flight (~1024 outstanding
  // requests, as from many producer connections).
  const t0 = performance.now();
  const WINDOW = 256;
  const inFlight = [];
  for (let i = 0; i < msgs.length; i += WINDOW) {
    const w = [];
    for (let j = i; j < Math.min(msgs.length, i + WINDOW); j++) w.push(store.putMessage(msgs.at(j)));
    inFlight.push(Promise.all(w));
    if (inFlight.length >= 4) {
      const rs = await inFlight.shift();
      if (rs[0].status !== 'PUT_OK') throw new Error(rs[0].status);
    }
  }
  await Promise.all(inFlight);
  return msgs.length / ((performance.now() - t0) / 1000);
}

async function syncAppend(store, msgs, appenders) {
  let next = 0;
  let bad = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      while (next < msgs.length) {
        const r = await store.putMessage(msgs.at(next++));
        if (r.status !== 'PUT_OK') bad++;
      }
    }),
  );
  if (bad) throw new Error(`${bad} sync appends not PUT_OK`);
  return msgs.length / ((performance.now() - t0) / 1000);
}

async function tailRead(store, perQueue) {
  let n = 0;
  const t0 = performance.now();
  for (let q = 0; q < QUEUES; q++) {
    const max = store.getMaxOffsetInQueue(TOPIC, q);
    let off = Math.max(store.getMinOffsetInQueue(TOPIC, q), max - perQueue);
    while (off < max) {
      const r = await store.getMessage(TOPIC, q, off, 32, 256 * 1024);
      n += r.records.length;
      off = r.nextBeginOffset;
    }
  }
  return n / ((performance.now() - t0) / 1000);
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
/** Runs fn and returns [its result, main-thread CPU µs per message] (contention-independent). */
async function cpuPer(n, fn) {
  const c0 = process.cpuUsage();
  const r = await fn();
  const c = process.cpuUsage(c0);
  return [r, (c.user + c.system) / n];
}
const rows = [];
let rssBeforeMany = 0;
try {
  const pool = makeMessages(16_384);
  const asyncMsgs = { length: ASYNC_N, at: (i) => pool[i % pool.length] };
  const [rawAsync, rawAsyncCpu] = await cpuPer(ASYNC_N, () => rawAppend(ASYNC_N, 'ASYNC', 1024));
  const a = await openStore('async', 'ASYNC_FLUSH', { warmMapedFileEnable: WARM });
  const [asyncRate, asyncCpu] = await cpuPer(ASYNC_N, () => asyncAppend(a, asyncMsgs));
  const [readRate, readCpu] = await cpuPer(6000 * QUEUES, () => tailRead(a, 6000));
  await a.shutdown();
  rows.push([
    'ASYNC_FLUSH append (1 KiB)',
    asyncRate,
    rawAsync,
    asyncCpu,
    `raw: 1 MiB writes, fdatasync every 500 ms; raw CPU ${rawAsyncCpu.toFixed(2)} µs/msg${WARM ? '; next segment warming' : ''}`,
  ]);

  const syncMsgs = { length: SYNC_N, at: (i) => pool[i % pool.length] };
  const [rawSync, rawSyncCpu] = await cpuPer(SYNC_N, () => rawAppend(SYNC_N, 'SYNC', 256));
  const s = await openStore('sync', 'SYNC_FLUSH');
  const [syncRate, syncCpu] = await cpuPer(SYNC_N, () => syncAppend(s, syncMsgs, 256));
  await s.shutdown();
  rows.push([
    'SYNC_FLUSH append, 256 appenders',
    syncRate,
    rawSync,
    syncCpu,
    `raw: 256 KiB write + fdatasync loop; raw CPU ${rawSyncCpu.toFixed(2)} µs/msg`,
  ]);
  rows.push([
    'tail read (getMessage 32/pull)',
    readRate,
    undefined,
    readCpu,
    `${6000 * QUEUES} msgs from the write cache`,
  ]);
  rssBeforeMany = process.resourceUsage().maxRSS / 1024;
  // Many queues (1024 topics × 8), SYNC_FLUSH with 256 appenders: ConsumeQueue flush passes
  // every 100 ms share the libuv pool and the disk with the CommitLog's fdatasyncs (the acks).
  // RocketMQ's policy (flush a queue once 2 pages are dirty, all every 60 s) against flushing
  // every dirty queue every pass. Each is run twice, alternating; the first pair warms up.
  const manyPool = pool.map((m, i) => ({ ...m, topic: `T${i % 1024}`, queueId: (i >> 10) % 8 }));
  const manyMsgs = { length: MANY_N, at: (i) => manyPool[i % manyPool.length] };
  const order = [0, 2, 0, 2];
  for (let round = 0; round < order.length; round++) {
    const least = order[round];
    const m = await openStore(`many-${round}`, 'SYNC_FLUSH', {
      flushConsumeQueueLeastPages: least,
      flushIntervalConsumeQueue: 100,
    });
    const t0 = performance.now();
    const [rate, cpu] = await cpuPer(MANY_N, () => syncAppend(m, manyMsgs, 256));
    const info = m.runtimeInfo();
    const secs = (performance.now() - t0) / 1000;
    const s0 = performance.now();
    await m.shutdown();
    const shutdownSecs = (performance.now() - s0) / 1000;
    if (round < 2) continue;
    rows.push([
      `SYNC_FLUSH, 256 appenders, 1024 topics × 8 queues, flushConsumeQueueLeastPages ${least}`,
      rate,
      undefined,
      cpu,
      `${Math.round(Number(info.consumeQueueSyncCalls) / secs)} CQ fdatasync/s (a flush pass every 100 ms); ${info.consumeQueueOpenFiles} CQ files open; shutdown (flushes all 8192) ${shutdownSecs.toFixed(1)} s`,
    ]);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
const rss = process.resourceUsage().maxRSS / 1024;
console.log('| measure | store msg/s | raw ceiling msg/s | store / raw | CPU µs/msg (all threads) | note |');
console.log('| --- | ---: | ---: | ---: | ---: | --- |');
for (const [name, v, raw, cpu, note] of rows) {
  const ratio = raw ? `${Math.round((v / raw) * 100)} %` : '—';
  console.log(`| ${name} | ${fmt(v)} | ${raw ? fmt(raw) : '—'} | ${ratio} | ${cpu.toFixed(2)} | ${note} |`);
}
console.log(
  `| peak RSS | ${rssBeforeMany.toFixed(0)} MiB | | | | process maxRSS after the first three rows; ${rss.toFixed(0)} MiB after all (four stores opened) |`,
);
