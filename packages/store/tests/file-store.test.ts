import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import { bodyCrc, decodeStoredRecord } from '@rocketmq-ts/protocol';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { createFileStore } from '../src/index.js';
import { msg, openStore, readQueue, smallConfig } from './helpers.js';

describe('file store: layout and restart', () => {
  const dirs: { cleanup: () => Promise<void> }[] = [];
  after(async () => {
    for (const d of dirs) await d.cleanup();
  });

  it('writes 20-digit segments, ConsumeQueue and index files, and reopens without a scan', async () => {
    const dir = await tempDir('rmq-fs-');
    dirs.push(dir);
    let store = await openStore(dir.path);
    const ids: string[] = [];
    for (let i = 0; i < 400; i++) {
      const r = await store.putMessage(msg('Topic', i % 2, i));
      assert.equal(r.status, 'PUT_OK');
      ids.push(r.append!.msgId);
    }
    await store.shutdown();
    const segs = await readdir(join(dir.path, 'commitlog'));
    assert.ok(segs.length > 2, 'several 32 KiB segments');
    assert.deepEqual(segs[0], '00000000000000000000');
    assert.equal(segs[1], String(32 * 1024).padStart(20, '0'));
    const cq = await readdir(join(dir.path, 'consumequeue', 'Topic', '0'));
    assert.deepEqual(cq.slice(0, 4), [
      '00000000000000000000',
      '00000000000000001280',
      '00000000000000002560',
      '00000000000000003840',
    ]);
    assert.ok((await readdir(join(dir.path, 'index'))).length >= 2, 'index rolled past 200 entries');
    assert.deepEqual((await readdir(dir.path)).sort(), ['checkpoint', 'commitlog', 'consumequeue', 'index']);

    store = await openStore(dir.path);
    assert.equal(store.lastRecovery.records, 0, 'clean shutdown: nothing rescanned');
    const q0 = await readQueue(store, 'Topic', 0);
    const q1 = await readQueue(store, 'Topic', 1);
    assert.equal(q0.length, 200);
    assert.equal(q1.length, 200);
    assert.deepEqual(
      q0.map((m) => m.msgId),
      ids.filter((_, i) => i % 2 === 0),
    );
    const next = await store.putMessage(msg('Topic', 0, 400));
    assert.equal(next.append!.logicsOffset, 200);
    const q = await store.queryMessage('Topic', 'key-7', 10, 0, Number.MAX_SAFE_INTEGER);
    assert.equal(q.records.length, 1);
    assert.equal(decodeStoredRecord(q.records[0]!)!.properties.get('KEYS'), 'key-7');
    const u = await store.queryMessage('Topic', 'U00000399', 10, 0, Number.MAX_SAFE_INTEGER);
    assert.equal(u.records.length, 1);
    await store.shutdown();
  });

  it('reads old records from disk once they left the write cache', async () => {
    const dir = await tempDir('rmq-fs-');
    dirs.push(dir);
    const store = await openStore(dir.path, { writeCacheBytes: 8 * 1024 });
    for (let i = 0; i < 300; i++) await store.putMessage(msg('Old', 0, i, 500));
    const all = await readQueue(store, 'Old', 0);
    assert.equal(all.length, 300);
    for (const [i, m] of all.entries()) assert.deepEqual(m.body, msg('Old', 0, i, 500).body);
    assert.ok(await store.lookMessageByOffset(all[0]!.physicalOffset));
    assert.equal(store.checkInMemByConsumeOffset('Old', 0, 299), true);
    await store.shutdown();
  });

  it('fills in every body CRC when one loop turn appends more than a write carries', async () => {
    const dir = await tempDir('rmq-fs-');
    dirs.push(dir);
    const store = await openStore(dir.path, {
      mappedFileSizeCommitLog: 64 * 1024 * 1024,
      writeCacheBytes: 1024 * 1024,
    });
    // 3 MiB in one turn: several eager writes, none starting inside a record.
    await Promise.all(Array.from({ length: 3000 }, (_, i) => store.putMessage(msg('Crc', i % 2, i, 1000))));
    for (let q = 0; q < 2; q++) {
      const all = await readQueue(store, 'Crc', q);
      assert.equal(all.length, 1500);
      for (const m of all) assert.equal(m.bodyCrc, bodyCrc(m.body), `record at ${m.physicalOffset}`);
    }
    await store.shutdown();
  });

  it('never lets the warm-up zero fill of a segment erase records written into it (warmMapedFileEnable)', async () => {
    const dir = await tempDir('rmq-fs-');
    dirs.push(dir);
    // 256 KiB segments, zero-filled in 1 MiB steps: the log reaches each one while (or before) it fills.
    const over = { warmMapedFileEnable: true, mappedFileSizeCommitLog: 256 * 1024, writeCacheBytes: 8 * 1024 };
    let store = await openStore(dir.path, over);
    for (let i = 0; i < 1500; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, k) => store.putMessage(msg('Warm', (i + k) % 2, i + k, 600))));
    }
    await store.shutdown();
    store = await openStore(dir.path, over);
    for (let q = 0; q < 2; q++) {
      const all = await readQueue(store, 'Warm', q);
      assert.equal(all.length, 750);
      for (const [k, m] of all.entries()) assert.deepEqual(m.body, msg('Warm', q, 2 * k + q, 600).body);
    }
    await store.shutdown();
  });

  it('acknowledges 256 concurrent SYNC_FLUSH appends with shared fdatasyncs', async () => {
    const dir = await tempDir('rmq-fs-');
    dirs.push(dir);
    const store = await openStore(dir.path, { flushDiskType: 'SYNC_FLUSH', mappedFileSizeCommitLog: 1024 * 1024 });
    const rs = await Promise.all(Array.from({ length: 256 }, (_, i) => store.putMessage(msg('Sync', i % 4, i))));
    assert.ok(rs.every((r) => r.status === 'PUT_OK'));
    const offs = new Set(rs.map((r) => r.append!.wroteOffset));
    assert.equal(offs.size, 256);
    assert.equal(Number(store.runtimeInfo().commitLogFlushedOffset), store.getMaxPhyOffset());
    await store.shutdown();
  });
});

describe('file store: SYNC_FLUSH on a slow disk', () => {
  it('starts a second fdatasync for a large backlog and acks what it covers while the first still runs', async () => {
    const dir = await tempDir('rmq-fs-');
    let calls = 0;
    let releaseFirst: (() => void) | undefined;
    const store = createFileStore(
      {
        ...smallConfig,
        storePathRootDir: dir.path,
        flushDiskType: 'SYNC_FLUSH',
        syncFlushTimeout: 5_000,
        mappedFileSizeCommitLog: 1 << 20,
        maxMessageSize: 256 * 1024,
      },
      {
        clock: new ManualClock(1_700_000_000_000),
        beforeSync: () =>
          ++calls === 1
            ? new Promise<void>((r) => {
                releaseFirst = r;
              })
            : Promise.resolve(),
      },
    );
    await store.start();
    try {
      const a = store.putMessage(msg('Two', 0, 1));
      await eventually(() => calls === 1, { message: 'the first fdatasync is held' });
      // How many fdatasyncs had started when `small` was acked: a small backlog waits for the
      // first sync (held) and is acked only by the second one, which `big` starts.
      let syncsWhenSmallAcked = -1;
      const small = store.putMessage(msg('Two', 0, 2)).then((r) => {
        syncsWhenSmallAcked = calls;
        return r;
      });
      // Written and dispatched: the write's completion has asked for a sync, and the decision
      // (same turn) was to wait for the first one.
      await eventually(() => store.getMaxOffsetInQueue('Two', 0) === 2, { message: 'small written' });
      assert.equal(calls, 1, 'a small backlog starts no second fdatasync');
      const big = await store.putMessage(msg('Two', 0, 3, 70_000));
      assert.equal(big.status, 'PUT_OK', 'acked by a second fdatasync');
      assert.equal(calls, 2, 'exactly one more fdatasync: the small backlog started none');
      assert.equal((await small).status, 'PUT_OK');
      assert.equal(syncsWhenSmallAcked, 2, 'the small backlog was acked by the second sync');
      assert.equal((await a).status, 'PUT_OK', 'the earlier records too: the second sync covers them');
      assert.ok(releaseFirst, 'the first is still running');
      assert.equal(Number(store.runtimeInfo().commitLogFlushedOffset), store.getMaxPhyOffset());
      releaseFirst();
      const c = await store.putMessage(msg('Two', 0, 4));
      assert.equal(c.status, 'PUT_OK');
      assert.equal(Number(store.runtimeInfo().commitLogFlushedOffset), store.getMaxPhyOffset());
    } finally {
      releaseFirst?.();
      await store.shutdown();
      await dir.cleanup();
    }
  });

  it('answers FLUSH_DISK_TIMEOUT after syncFlushTimeout, keeps the record, and acks later appends once the disk recovers', async () => {
    const dir = await tempDir('rmq-fs-');
    let slow = true;
    const held: (() => void)[] = [];
    const store = createFileStore(
      { ...smallConfig, storePathRootDir: dir.path, flushDiskType: 'SYNC_FLUSH', syncFlushTimeout: 200 },
      {
        clock: new ManualClock(1_700_000_000_000),
        beforeSync: () => (slow ? new Promise<void>((r) => held.push(r)) : Promise.resolve()),
      },
    );
    await store.start();
    try {
      const r = await store.putMessage(msg('Slow', 0, 1));
      assert.equal(r.status, 'FLUSH_DISK_TIMEOUT');
      assert.equal(r.append!.logicsOffset, 0);
      const got = await store.getMessage('Slow', 0, 0, 1, 1 << 20);
      assert.equal(got.status, 'FOUND', 'the record stays in the log');
      slow = false;
      for (const r of held) r();
      const ok = await store.putMessage(msg('Slow', 0, 2));
      assert.equal(ok.status, 'PUT_OK');
      assert.equal(ok.append!.logicsOffset, 1);
    } finally {
      await store.shutdown();
      await dir.cleanup();
    }
  });
});
