import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '@rocketmq-ts/testkit';
import { msg, openStore, readQueue } from './helpers.js';

// Regression: shutdown() reused a periodic checkpoint that was already running. That run had
// taken its covered offset before the last appends were dispatched, so their ConsumeQueue
// entries were never written while the abort marker was removed as after a clean stop.
describe('file store: shutdown while a periodic checkpoint runs', () => {
  it('writes every ConsumeQueue entry before marking a clean shutdown', async () => {
    const dir = await tempDir('rmq-shutdown-cp-');
    try {
      for (let round = 0; round < 5; round++) {
        // A 1 ms checkpoint interval keeps one in flight almost all the time.
        const store = await openStore(dir.path, { flushIntervalConsumeQueue: 1 });
        const base = round * 150;
        await Promise.all(Array.from({ length: 150 }, (_, i) => store.putMessage(msg('T', 0, base + i))));
        await store.shutdown();
        const cqBytes = await cqFileBytes(join(dir.path, 'consumequeue', 'T', '0'), (round + 1) * 150);
        assert.equal(cqBytes, (round + 1) * 150 * 20, `round ${round}: every entry on disk`);
        const again = await openStore(dir.path);
        assert.equal(again.lastRecovery.records, 0, 'clean shutdown needs no rescan');
        assert.equal((await readQueue(again, 'T', 0)).length, (round + 1) * 150);
        await again.shutdown();
      }
    } finally {
      await dir.cleanup();
    }
  });
});

/** Bytes of ConsumeQueue entries present in the queue's files (they are not preallocated here). */
async function cqFileBytes(queueDir: string, entries: number): Promise<number> {
  let total = 0;
  for (const f of await readdir(queueDir)) total += (await stat(join(queueDir, f))).size;
  return Math.min(total, entries * 20);
}
