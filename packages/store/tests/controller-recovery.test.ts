// Restart recovery of a controller-mode master killed with records beyond its confirm offset
// (ha-and-controller.md §4 scenarios 2 and 8): apache/rocketmq#6609 built ConsumeQueue entries
// past the confirm offset at recovery, #6703 left the confirm offset past the last valid record
// after an async-flush crash lost the tail, and #7689 gave new messages the queue offsets of
// records past the confirm offset (RocketMQ stops dispatch there; two messages then shared an
// offset). Here the ConsumeQueue covers every valid record and the read bound decides what is
// visible: a crash image with a torn tail, reopened.
import assert from 'node:assert/strict';
import { readdir, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { msg, openStore, readQueue, snapshotDir } from './helpers.js';

describe('controller-mode restart recovery (#6609, #6703, #7689)', () => {
  const dirs: { cleanup: () => Promise<void> }[] = [];
  after(async () => {
    for (const d of dirs) await d.cleanup();
  });

  it('#6609 #6703 #7689: a torn tail past the confirm offset is cut, hidden until a role, and never shares a queue offset', async () => {
    const root = await tempDir('rmq-ctl-rec-');
    dirs.push(root);
    const live = await openStore(join(root.path, 'live'), { flushConsumeQueueThoroughInterval: 0 });
    const ends: number[] = [];
    const starts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const a = (await live.putMessage(msg('R', 0, i))).append!;
      starts.push(a.wroteOffset);
      ends.push(a.wroteOffset + a.wroteBytes);
    }
    // The SyncStateSet confirmed m0..m2; m3..m5 were appended while a member lagged.
    const confirm = ends[2]!;
    await eventually(() => Number(live.runtimeInfo().checkpointCoveredOffset) === live.getMaxPhyOffset());
    const image = join(root.path, 'image');
    await snapshotDir(join(root.path, 'live'), image);
    await live.shutdown();
    // kill -9 with async flush: the last record reached the disk only in part.
    const [seg] = (await readdir(join(image, 'commitlog'))).sort();
    await truncate(join(image, 'commitlog', seg!), starts[5]! + 40);

    const s = await openStore(image);
    try {
      // #6703: the log (and so any confirm offset clamped to it) ends at the last valid record.
      assert.equal(s.getMaxPhyOffset(), ends[4]);
      assert.ok(Math.min(confirm, s.getMaxPhyOffset()) <= s.getMaxPhyOffset());
      // Fenced (no role yet): nothing is readable, not even what was confirmed before.
      s.setReadBound(() => -1);
      assert.equal(s.getMaxOffsetInQueue('R', 0), 0);
      assert.equal((await s.getMessage('R', 0, 0, 32, 1 << 20)).records.length, 0);
      // #6609: as a slave of a master whose confirm offset is the old one, reads stop there.
      s.setReadBound(() => Math.min(confirm, s.getMaxPhyOffset()));
      const r = await s.getMessage('R', 0, 0, 32, 1 << 20);
      assert.equal(r.records.length, 3);
      assert.equal(r.nextBeginOffset, 3);
      assert.equal((await s.getMessage('R', 0, 3, 32, 1 << 20)).status, 'OFFSET_OVERFLOW_ONE');
      // (The answered max offset is bounded only over ConsumeQueue entries still in memory; after
      // a restart the tail is on disk and counts as visible: docs/controller.md.)
      // #7689: re-elected master (set of one: confirm = its log end). A new message takes the
      // queue offset after m4, the last surviving record past the old confirm offset.
      s.setReadBound(() => s.getMaxPhyOffset());
      const put = await s.putMessage(msg('R', 0, 100));
      assert.equal(put.status, 'PUT_OK');
      assert.equal(put.append!.logicsOffset, 5);
      const all = await readQueue(s, 'R', 0);
      assert.deepEqual(
        all.map((m) => m.properties.get('KEYS')),
        ['key-0', 'key-1', 'key-2', 'key-3', 'key-4', 'key-100'],
      );
      assert.equal(new Set(all.map((m) => m.queueOffset)).size, all.length, 'no queue offset holds two messages');
    } finally {
      await s.shutdown();
    }
  });
});
