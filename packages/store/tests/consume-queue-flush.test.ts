// ConsumeQueue flushing as RocketMQ does it: a queue is written and fdatasync'd only once
// flushConsumeQueueLeastPages 4 KiB pages of it are dirty, everything every
// flushConsumeQueueThoroughInterval and at shutdown; files stay open under a cap. The
// checkpoint must never count entries that are only in memory, and a crash must rebuild them.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { msg, openStore, readQueue, snapshotDir } from './helpers.js';

const cqFile = (root: string, topic: string, q: number) => join(root, 'consumequeue', topic, String(q), '0'.repeat(20));
const entries = async (path: string): Promise<number> => {
  const b = await readFile(path).catch(() => Buffer.alloc(0));
  let n = 0;
  while (n * 20 + 20 <= b.length && b.readInt32BE(n * 20 + 8) > 0) n++;
  return n;
};

describe('file store: ConsumeQueue flushing', () => {
  it('flushes only queues with two dirty pages; the checkpoint stops at the first entry in memory; a crash rebuilds the rest', async () => {
    const dir = await tempDir('rmq-cqflush-');
    try {
      const live = join(dir.path, 'live');
      // 64 Ki-entry files: one file per queue here, so page counting is easy to see.
      const config = { mappedFileSizeConsumeQueue: 20 * 65536, flushIntervalConsumeQueue: 20 };
      const s = await openStore(live, config);
      const writes0 = Number(s.runtimeInfo().checkpointCoveredOffset);
      // Queue 0 gets 450 entries (9000 bytes: pages 0..2), so a pass flushes it once it has
      // reached 410 (two page boundaries crossed); queues 1..3 get 5 each and stay in memory.
      for (let i = 0; i < 450; i++) await s.putMessage(msg('F', 0, i, 16));
      await eventually(async () => (await entries(cqFile(live, 'F', 0))) >= 410);
      const quiet: number[] = [];
      for (let q = 1; q < 4; q++)
        for (let i = 0; i < 5; i++) {
          const r = await s.putMessage(msg('F', q, 1000 + q * 10 + i, 16));
          if (i === 0) quiet.push(r.append!.wroteOffset);
        }
      // Two more passes (the second one began after the writes): the quiet queues stay in memory.
      const passes = Number(s.runtimeInfo().checkpointPasses);
      await eventually(() => Number(s.runtimeInfo().checkpointPasses) >= passes + 2, { message: 'two passes' });
      for (let q = 1; q < 4; q++) assert.equal(await entries(cqFile(live, 'F', q)), 0, `queue ${q} not flushed`);
      const covered = Number(s.runtimeInfo().checkpointCoveredOffset);
      assert.ok(covered >= writes0);
      assert.ok(covered <= Math.min(...quiet), `checkpoint ${covered} must stop at ${Math.min(...quiet)}`);

      // kill -9 image: the quiet queues' entries exist only in the CommitLog.
      await snapshotDir(live, join(dir.path, 'crash'));
      const r = await openStore(join(dir.path, 'crash'), config);
      assert.ok(r.lastRecovery.scannedFrom <= Math.min(...quiet));
      assert.equal((await readQueue(r, 'F', 0)).length, 450);
      for (let q = 1; q < 4; q++) assert.equal((await readQueue(r, 'F', q)).length, 5);
      await r.shutdown();

      // Shutdown flushes everything.
      await s.shutdown();
      for (let q = 1; q < 4; q++) assert.equal(await entries(cqFile(live, 'F', q)), 5);
    } finally {
      await dir.cleanup();
    }
  });

  it('flushes every dirty queue after flushConsumeQueueThoroughInterval', async () => {
    const dir = await tempDir('rmq-cqthorough-');
    try {
      const s = await openStore(dir.path, { flushIntervalConsumeQueue: 20, flushConsumeQueueThoroughInterval: 200 });
      for (let q = 0; q < 3; q++) await s.putMessage(msg('T', q, q));
      await eventually(() => Number(s.runtimeInfo().checkpointCoveredOffset) === s.getMaxPhyOffset());
      for (let q = 0; q < 3; q++) assert.equal(await entries(cqFile(dir.path, 'T', q)), 1);
      await s.shutdown();
    } finally {
      await dir.cleanup();
    }
  });

  it('keeps at most maxOpenConsumeQueueFiles files open and still reads every queue', async () => {
    const dir = await tempDir('rmq-cqfds-');
    try {
      const s = await openStore(dir.path, {
        maxOpenConsumeQueueFiles: 4,
        flushConsumeQueueLeastPages: 0,
        flushIntervalConsumeQueue: 20,
        writeCacheBytes: 4 * 1024,
      });
      // 20 queues × 3 files each (64 entries per file in the small config).
      for (let i = 0; i < 20 * 150; i++) await s.putMessage(msg('D', i % 20, i, 16));
      await eventually(() => Number(s.runtimeInfo().checkpointCoveredOffset) === s.getMaxPhyOffset());
      assert.ok(Number(s.runtimeInfo().consumeQueueOpenFiles) <= 4);
      // Old entries come from the files (the write cache is tiny), reopening them as needed.
      for (let q = 0; q < 20; q++) assert.equal((await readQueue(s, 'D', q)).length, 150);
      assert.ok(Number(s.runtimeInfo().consumeQueueOpenFiles) <= 4);
      await s.shutdown();
    } finally {
      await dir.cleanup();
    }
  });
});
