#!/usr/bin/env node
// Reads from disk through the store alone: 200k messages of 1 KiB in 8 queues are written, the
// store is reopened (nothing in its write cache), then 8 readers (one per queue, 32 messages per
// getMessage, as a consumer's pulls) read everything. Prints wall time, msg/s and the process's
// CPU per message (event loop and libuv pool). Alternate with another checkout's build:
//
//   npm run build && node bench/store/cold-read.mjs [--root /path/to/other/checkout] [--rounds 3]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { root: { type: 'string' }, rounds: { type: 'string', default: '3' } } });
const root = resolve(values.root ?? join(fileURLToPath(import.meta.url), '../../..'));
const { createFileStore } = await import(join(root, 'packages/store/dist/src/index.js'));
const { encodeProperties } = await import(join(root, 'packages/protocol/dist/src/index.js'));
const QUEUES = 8;
const MESSAGES = 200_000;
const dir = await mkdtemp(join(tmpdir(), 'rmq-cold-read-'));
const config = { storePathRootDir: dir, storeHost: '127.0.0.1:10911' };
try {
  const writer = createFileStore(config);
  await writer.start();
  const body = Buffer.alloc(1024, 7);
  const properties = encodeProperties({ TAGS: 'a' });
  for (let i = 0; i < MESSAGES; i += 256) {
    const puts = [];
    for (let k = 0; k < 256; k++) {
      const queueId = (i + k) % QUEUES;
      puts.push(
        writer.putMessage({
          topic: 'Cold',
          queueId,
          flag: 0,
          body,
          properties,
          sysFlag: 0,
          bornTimestamp: Date.now(),
          bornHost: '10.1.2.3:5555',
          reconsumeTimes: 0,
          preparedTransactionOffset: 0,
        }),
      );
    }
    await Promise.all(puts);
  }
  await writer.shutdown();
  for (let round = 1; round <= Number(values.rounds); round++) {
    const store = createFileStore(config);
    await store.start();
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    let n = 0;
    await Promise.all(
      Array.from({ length: QUEUES }, async (_, q) => {
        const max = store.getMaxOffsetInQueue('Cold', q);
        for (let offset = 0; offset < max; ) {
          const r = await store.getMessage('Cold', q, offset, 32, 1 << 20);
          n += r.records.length;
          offset = r.nextBeginOffset;
        }
      }),
    );
    const ms = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    console.log(
      `round ${round}: ${n} messages in ${ms.toFixed(0)} ms, ${Math.round((n / ms) * 1000)} msg/s, CPU ${cpuMs.toFixed(0)} ms (${((cpuMs * 1000) / n).toFixed(2)} µs/msg)`,
    );
    await store.shutdown();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
