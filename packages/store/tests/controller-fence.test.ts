// Controller mode's two store hooks (docs/controller.md): the write fence refuses an append at
// admission (nothing placed in the log), and the read bound hides records past the confirm
// offset from getMessage (apache/rocketmq#6662). Without them (classic mode) nothing changes.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { msg, openStore } from './helpers.js';

describe('file store: controller-mode write fence and read bound', () => {
  const dirs: { cleanup: () => Promise<void> }[] = [];
  after(async () => {
    for (const d of dirs) await d.cleanup();
  });

  it('a closed fence refuses single and batch appends before they reach the log', async () => {
    const dir = await tempDir('rmq-fence-');
    dirs.push(dir);
    const store = await openStore(dir.path);
    assert.equal((await store.putMessage(msg('T', 0, 0))).status, 'PUT_OK');
    const end = store.getMaxPhyOffset();
    let open = false;
    store.setWriteFence(() => open);
    assert.equal((await store.putMessage(msg('T', 0, 1))).status, 'SERVICE_NOT_AVAILABLE');
    assert.equal((await store.putMessages([msg('T', 0, 2), msg('T', 0, 3)])).status, 'SERVICE_NOT_AVAILABLE');
    assert.equal(store.getMaxPhyOffset(), end);
    assert.equal(store.getMaxOffsetInQueue('T', 0), 1);
    open = true;
    const r = await store.putMessage(msg('T', 0, 4));
    assert.equal(r.status, 'PUT_OK');
    assert.equal(r.append!.logicsOffset, 1);
    await store.shutdown();
  });

  it('getMessage stops before the first record ending past the bound', async () => {
    const dir = await tempDir('rmq-bound-');
    dirs.push(dir);
    const store = await openStore(dir.path);
    const ends: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await store.putMessage(msg('T', 0, i));
      ends.push(r.append!.wroteOffset + r.append!.wroteBytes);
    }
    let bound = ends[1]!;
    store.setReadBound(() => bound);
    const a = await store.getMessage('T', 0, 0, 32, 1 << 20);
    assert.equal(a.status, 'FOUND');
    assert.equal(a.records.length, 2);
    assert.equal(a.nextBeginOffset, 2);
    assert.equal(a.maxOffset, 2, 'the answered max offset is the visible one');
    const b = await store.getMessage('T', 0, 2, 32, 1 << 20);
    assert.equal(b.status, 'OFFSET_OVERFLOW_ONE');
    assert.equal(b.nextBeginOffset, 2);
    assert.equal(b.records.length, 0);
    bound = ends[3]! - 1;
    assert.equal((await store.getMessage('T', 0, 2, 32, 1 << 20)).records.length, 1);
    store.setReadBound(undefined);
    assert.equal((await store.getMessage('T', 0, 0, 32, 1 << 20)).records.length, 4);
    await store.shutdown();
  });

  it('a fence answering a status refuses with it: IN_SYNC_REPLICAS_NOT_ENOUGH appends nothing', async () => {
    const dir = await tempDir('rmq-fence-isr-');
    dirs.push(dir);
    const store = await openStore(dir.path);
    assert.equal((await store.putMessage(msg('T', 0, 0))).status, 'PUT_OK');
    const end = store.getMaxPhyOffset();
    store.setWriteFence(() => 'IN_SYNC_REPLICAS_NOT_ENOUGH');
    assert.equal((await store.putMessage(msg('T', 0, 1))).status, 'IN_SYNC_REPLICAS_NOT_ENOUGH');
    assert.equal((await store.putMessages([msg('T', 0, 2), msg('T', 0, 3)])).status, 'IN_SYNC_REPLICAS_NOT_ENOUGH');
    assert.equal(store.getMaxPhyOffset(), end);
    assert.equal(store.getMaxOffsetInQueue('T', 0), 1);
    await store.shutdown();
  });

  it('#6662: lookups by key and by offset id and the queue max offset stop at the bound too', async () => {
    const dir = await tempDir('rmq-bound-query-');
    dirs.push(dir);
    const store = await openStore(dir.path);
    const r: { phy: number; end: number }[] = [];
    for (let i = 0; i < 6; i++) {
      const a = (await store.putMessage(msg('T', 0, i))).append!;
      r.push({ phy: a.wroteOffset, end: a.wroteOffset + a.wroteBytes });
    }
    await eventually(
      async () => (await store.queryMessage('T', 'key-5', 32, 0, Number.MAX_SAFE_INTEGER)).records.length === 1,
    );
    let bound = r[2]!.end;
    store.setReadBound(() => bound);
    // Queue max: what a consumer may read (GET_MAX_OFFSET, consumer progress, pull answers).
    assert.equal(store.getMaxOffsetInQueue('T', 0), 3);
    assert.equal(store.getMaxOffsetInQueue('nothing', 0), 0);
    // By id (VIEW_MESSAGE_BY_ID: the offset message id carries the physical offset).
    assert.ok(await store.lookMessageByOffset(r[2]!.phy));
    assert.equal(await store.lookMessageByOffset(r[3]!.phy), undefined);
    // By key (QUERY_MESSAGE).
    const q = (key: string) => store.queryMessage('T', key, 32, 0, Number.MAX_SAFE_INTEGER);
    assert.equal((await q('key-1')).records.length, 1);
    assert.equal((await q('key-4')).records.length, 0);
    assert.equal((await q('U00000004')).records.length, 0, 'unique-key lookups are bounded as well');
    // The bound moves: everything up to it becomes visible.
    bound = r[4]!.end;
    assert.equal(store.getMaxOffsetInQueue('T', 0), 5);
    assert.equal((await q('key-4')).records.length, 1);
    assert.ok(await store.lookMessageByOffset(r[4]!.phy));
    assert.equal(await store.lookMessageByOffset(r[5]!.phy), undefined);
    // Classic mode: no bound.
    store.setReadBound(undefined);
    assert.equal(store.getMaxOffsetInQueue('T', 0), 6);
    assert.ok(await store.lookMessageByOffset(r[5]!.phy));
    assert.equal((await q('key-5')).records.length, 1);
    await store.shutdown();
  });
});
