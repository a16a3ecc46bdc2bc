// Controller mode: cutting a running store's CommitLog back to a record boundary (a former
// master rejoining as slave). The cut is durable: a crash image taken right after it recovers
// to the cut, not to the old tail (apache/rocketmq#10666), ConsumeQueues end there too, and
// appends continue at the cut with the next queue offsets.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '@rocketmq-ts/testkit';
import type { FileMessageStore, PutMessageResult } from '../src/index.js';
import { msg, openStore, readQueue, snapshotDir } from './helpers.js';

describe('file store truncateTail (controller mode)', () => {
  let root: { path: string; cleanup: () => Promise<void> };
  let live: FileMessageStore;
  const results: PutMessageResult[] = [];
  const N = 300; // ~80 KB: the cut lands in an earlier 32 KiB segment than the end

  before(async () => {
    root = await tempDir('rmq-cut-');
    live = await openStore(join(root.path, 'live'));
    for (let i = 0; i < N; i++) results.push(await live.putMessage(msg('T', i % 2, i)));
  });
  after(async () => {
    await live.shutdown();
    await root.cleanup();
  });

  it('cuts log and queues, survives a crash image, and appends continue at the cut', async () => {
    const keep = 100;
    const cut = results[keep]!.append!.wroteOffset; // records 0..99 stay
    assert.ok(cut < live.getMaxPhyOffset());
    live.setBrokerRole('SLAVE');
    await live.truncateTail(cut);
    assert.equal(live.getMaxPhyOffset(), cut);
    for (const q of [0, 1]) assert.equal(live.getMaxOffsetInQueue('T', q), keep / 2);

    // kill -9 right after the cut: the copy has an abort marker and the old tail's segments are gone or zeroed.
    const image = join(root.path, 'image');
    await snapshotDir(join(root.path, 'live'), image);
    const reopened = await openStore(image);
    try {
      assert.equal(reopened.getMaxPhyOffset(), cut, 'recovery ends at the cut, not at the old tail');
      for (const q of [0, 1]) {
        const ms = await readQueue(reopened, 'T', q);
        assert.equal(ms.length, keep / 2);
        assert.deepEqual(
          ms.map((m) => m.msgId),
          results.filter((_, i) => i < keep && i % 2 === q).map((r) => r.append!.msgId),
        );
      }
    } finally {
      await reopened.shutdown();
    }

    // As master again: the next append starts at the cut, with the next queue offset.
    live.setBrokerRole('SYNC_MASTER');
    const r = await live.putMessage(msg('T', 0, 5000));
    assert.equal(r.status, 'PUT_OK');
    assert.equal(r.append!.wroteOffset, cut);
    assert.equal(r.append!.logicsOffset, keep / 2);
    assert.equal((await readQueue(live, 'T', 0)).length, keep / 2 + 1);
  });
});
