// Controller mode's two store hooks (docs/controller.md): the write fence refuses an append at
// admission (nothing placed in the log), and the read bound hides records past the confirm
// offset from getMessage (apache/rocketmq#6662). Without them (classic mode) nothing changes.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir } from '@rocketmq-ts/testkit';
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
    assert.equal(a.maxOffset, 4);
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
});
