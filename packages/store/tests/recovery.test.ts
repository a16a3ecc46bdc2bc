// Damage tests (STYLE rule 6): write, copy the live directory (what kill -9 leaves), damage the
// copy, reopen it and check the store is consistent: every surviving message reads back, queue
// offsets have no gaps, and appends continue right after the last good record.
import assert from 'node:assert/strict';
import { open, readdir, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import type { FileMessageStore, PutMessageResult } from '../src/index.js';
import { msg, openStore, readQueue, snapshotDir } from './helpers.js';

const N = 300;

describe('file store recovery from a crash image', () => {
  let root: { path: string; cleanup: () => Promise<void> };
  let live: FileMessageStore;
  const results: PutMessageResult[] = [];

  before(async () => {
    root = await tempDir('rmq-rec-');
    // Every pass thorough (all dirty queues and the index), so the checkpoint soon covers everything.
    live = await openStore(join(root.path, 'live'), { flushConsumeQueueThoroughInterval: 0 });
    for (let i = 0; i < N; i++) results.push(await live.putMessage(msg('R', i % 3, i)));
    await eventually(() => Number(live.runtimeInfo().checkpointCoveredOffset) === live.getMaxPhyOffset());
  });
  after(async () => {
    await live.shutdown();
    await root.cleanup();
  });

  async function crashCopy(name: string): Promise<string> {
    const path = join(root.path, name);
    await snapshotDir(join(root.path, 'live'), path);
    return path;
  }

  const last = () => results[N - 1]!.append!;
  async function lastSegment(path: string): Promise<{ file: string; start: number }> {
    const names = (await readdir(join(path, 'commitlog'))).sort();
    const seg = 32 * 1024;
    const start = Math.floor(last().wroteOffset / seg) * seg;
    const file = names.find((n) => Number(n) === start)!;
    return { file: join(path, 'commitlog', file), start };
  }

  async function expectAll(store: FileMessageStore, lost: number): Promise<void> {
    let total = 0;
    for (let q = 0; q < 3; q++) {
      const ms = await readQueue(store, 'R', q);
      for (const m of ms) {
        const i = Number(m.properties.get('KEYS')!.slice(4));
        assert.equal(m.msgId, results[i]!.append!.msgId);
        assert.deepEqual(m.body, msg('R', q, i).body);
      }
      total += ms.length;
    }
    assert.equal(total, N - lost);
    // Appends continue right after the last good record, at the next queue offset.
    const q = (N - 1) % 3;
    const before = store.getMaxOffsetInQueue('R', q);
    const r = await store.putMessage(msg('R', q, 9999));
    assert.equal(r.status, 'PUT_OK');
    assert.equal(r.append!.logicsOffset, before);
    assert.equal((await readQueue(store, 'R', q)).length, before + 1);
  }

  it('recovers an undamaged crash image from the checkpoint, not from the start', async () => {
    const s = await openStore(await crashCopy('plain'));
    assert.ok(s.lastRecovery.scannedFrom > 0);
    await expectAll(s, 0);
    await s.shutdown();
  });

  it('cuts a torn last record (file truncated inside it)', async () => {
    const path = await crashCopy('torn');
    const seg = await lastSegment(path);
    await truncate(seg.file, last().wroteOffset - seg.start + 50);
    const s = await openStore(path);
    assert.equal(s.lastRecovery.logEnd, last().wroteOffset);
    assert.equal(s.lastRecovery.truncated, true);
    await expectAll(s, 1);
    await s.shutdown();
  });

  it('drops a last record whose body has a flipped byte (CRC)', async () => {
    const path = await crashCopy('flip');
    const seg = await lastSegment(path);
    const fh = await open(seg.file, 'r+');
    const at = last().wroteOffset - seg.start + last().wroteBytes - 120; // inside the 200-byte body
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, at);
    b[0] = b[0]! ^ 0xff;
    await fh.write(b, 0, 1, at);
    await fh.close();
    const s = await openStore(path);
    assert.equal(s.lastRecovery.logEnd, last().wroteOffset);
    await expectAll(s, 1);
    await s.shutdown();
  });

  it('rebuilds a deleted consumequeue folder from the CommitLog', async () => {
    const path = await crashCopy('nocq');
    await rm(join(path, 'consumequeue'), { recursive: true });
    const s = await openStore(path);
    assert.equal(s.lastRecovery.scannedFrom, 0);
    assert.equal(s.lastRecovery.records, N);
    await expectAll(s, 0);
    await s.shutdown();
  });

  it('scans everything when the checkpoint is deleted', async () => {
    const path = await crashCopy('nocp');
    await rm(join(path, 'checkpoint'));
    const s = await openStore(path);
    assert.equal(s.lastRecovery.scannedFrom, 0);
    await expectAll(s, 0);
    await s.shutdown();
  });

  it('rebuilds a deleted index folder so key queries work again', async () => {
    const path = await crashCopy('noindex');
    await rm(join(path, 'index'), { recursive: true });
    const s = await openStore(path);
    const r = await s.queryMessage('R', 'key-17', 5, 0, Number.MAX_SAFE_INTEGER);
    assert.equal(r.records.length, 1);
    await expectAll(s, 0);
    await s.shutdown();
  });

  it('heals a hole of zeros in a ConsumeQueue file (torn write) from the CommitLog', async () => {
    const path = await crashCopy('cqhole');
    const fh = await open(join(path, 'consumequeue', 'R', '0', '00000000000000000000'), 'r+');
    await fh.write(Buffer.alloc(20), 0, 20, 5 * 20);
    await fh.close();
    await rm(join(path, 'checkpoint'));
    let s = await openStore(path);
    await expectAll(s, 0);
    await s.shutdown();
    s = await openStore(path);
    assert.equal(s.lastRecovery.records, 0, 'clean restart');
    assert.equal((await readQueue(s, 'R', 0)).length, N / 3);
    await s.shutdown();
  });

  it('ignores a damaged checkpoint and still recovers', async () => {
    const path = await crashCopy('badcp');
    const fh = await open(join(path, 'checkpoint'), 'r+');
    await fh.write(Buffer.from([1, 2, 3]), 0, 3, 50);
    await fh.close();
    const s = await openStore(path);
    assert.equal(s.lastRecovery.scannedFrom, 0);
    await expectAll(s, 0);
    await s.shutdown();
  });
});

describe('file store reads around a lost ConsumeQueue file', () => {
  it('answers OFFSET_FOUND_NULL and skips to the next file instead of getting stuck', async () => {
    const dir = await tempDir('rmq-cqlost-');
    try {
      let s = await openStore(dir.path);
      for (let i = 0; i < 200; i++) await s.putMessage(msg('L', 0, i));
      await s.shutdown();
      // 64 entries per file: lose the second file (entries 64..127) after a clean shutdown.
      await rm(join(dir.path, 'consumequeue', 'L', '0', String(64 * 20).padStart(20, '0')));
      s = await openStore(dir.path);
      const r = await s.getMessage('L', 0, 70, 32, 1 << 20);
      assert.deepEqual([r.status, r.nextBeginOffset], ['OFFSET_FOUND_NULL', 128]);
      const after = await s.getMessage('L', 0, 128, 32, 1 << 20);
      assert.equal(after.status, 'FOUND');
      await s.shutdown();
    } finally {
      await dir.cleanup();
    }
  });
});

describe('recovery scan windows (1 MiB) smaller than records and segment fillers', () => {
  it('accepts records over 1 MiB and a segment-end filler longer than a window', async () => {
    const root = await tempDir('rmq-rec-big-');
    try {
      // 5 MiB segments, 1.9 MiB records: the second record starts where a fresh 1 MiB window
      // is read (its header was not in the previous one), and the third leaves a 1.2 MiB
      // filler at the end of the segment; the fourth goes to the next segment.
      const over = { mappedFileSizeCommitLog: 5 * 1024 * 1024, maxMessageSize: 4 * 1024 * 1024 };
      const path = join(root.path, 's');
      const s = await openStore(path, over);
      const big = 1900 * 1024;
      for (let i = 0; i < 4; i++) assert.equal((await s.putMessage(msg('B', 0, i, big))).status, 'PUT_OK');
      const end = s.getMaxPhyOffset();
      assert.ok(end > 5 * 1024 * 1024);
      await s.shutdown();
      // Without a checkpoint the scan starts at the first segment and verifies every record.
      await rm(join(path, 'checkpoint'));
      const r = await openStore(path, over);
      assert.equal(r.lastRecovery.scannedFrom, 0);
      assert.equal(r.lastRecovery.logEnd, end);
      assert.equal(r.lastRecovery.truncated, false);
      assert.equal((await readQueue(r, 'B', 0)).length, 4);
      await r.shutdown();
    } finally {
      await root.cleanup();
    }
  });
});

describe('a CommitLog segment left short by a crash while it was being created', () => {
  it('is grown to full size at start, so its end-of-segment filler and the segments after it survive a crash scan', async () => {
    const root = await tempDir('rmq-rec-short-');
    try {
      const path = join(root.path, 's');
      const seg = 32 * 1024;
      const segFile = (k: number) => join(path, 'commitlog', String(k * seg).padStart(20, '0'));
      let s = await openStore(path);
      const ids: string[] = [];
      let i = 0;
      const put = async (keep: boolean) => {
        const r = await s.putMessage(msg('S', 0, i++));
        assert.equal(r.status, 'PUT_OK');
        if (keep) ids.push(r.append!.msgId);
        return r.append!.wroteOffset;
      };
      // Fill segment 0 up to its filler; the first record of segment 1 will be lost below.
      while ((await put(true)) < seg);
      ids.pop();
      await s.shutdown();
      // The crash image of a run killed right after it wrote segment 0's filler, while segment 1
      // was being created (open, then ftruncate to full size): segment 1 is an empty file.
      await truncate(segFile(1), 0);
      await rm(join(path, 'checkpoint'));
      s = await openStore(path);
      assert.equal(s.lastRecovery.logEnd, seg);
      assert.equal((await stat(segFile(1))).size, seg, 'segment 1 grown to full size');
      // The next run fills segment 1 to its filler and goes on into segment 2.
      while ((await put(true)) < 2 * seg + 2000);
      // Killed: the index was last flushed at start (offset 32 KiB), so recovery scans from the
      // start of segment 1, through its filler, into segment 2.
      const image = join(root.path, 'image');
      await snapshotDir(path, image);
      await s.shutdown();
      const r = await openStore(image);
      assert.equal(r.lastRecovery.scannedFrom, seg);
      assert.equal(r.lastRecovery.truncated, false);
      const got = await readQueue(r, 'S', 0);
      assert.deepEqual(
        got.map((m) => m.msgId),
        ids,
      );
      await r.shutdown();
    } finally {
      await root.cleanup();
    }
  });
});
