import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { createFileStore, type FileMessageStore } from '../src/index.js';
import { msg, readQueue, smallConfig } from './helpers.js';

const flushed = (s: FileMessageStore) =>
  eventually(() => Number(s.runtimeInfo().commitLogFlushedOffset) === s.getMaxPhyOffset(), { message: 'flush' });

describe('file store retention', () => {
  const dirs: { cleanup: () => Promise<void> }[] = [];
  after(async () => {
    for (const d of dirs) await d.cleanup();
  });

  it('deletes expired segments at deleteWhen and moves ConsumeQueue min offsets', async () => {
    const dir = await tempDir('rmq-ret-');
    dirs.push(dir);
    const clock = new ManualClock(Date.now());
    // Four calendar days later at the same local wall-clock time: 96 h, or 95/97 h across a DST
    // change (adding 96 h would then land an hour off deleteWhen). deleteWhen lists both hours
    // in case the wall-clock time does not exist on the later day.
    const later = new Date(clock.now());
    later.setDate(later.getDate() + 4);
    const hours = [new Date(clock.now()).getHours(), later.getHours()].map((h) => String(h).padStart(2, '0'));
    const store = createFileStore(
      { ...smallConfig, storePathRootDir: dir.path, deleteWhen: [...new Set(hours)].join(';') },
      { clock, diskUsage: async () => 10 },
    );
    await store.start();
    for (let i = 0; i < 400; i++) await store.putMessage(msg('Ret', 0, i));
    await flushed(store);
    const segsBefore = (await readdir(join(dir.path, 'commitlog'))).length;
    assert.equal(await store.retention.runOnce(), 0, 'nothing is older than 72 h yet');
    clock.set(later.getTime()); // a deleteWhen hour again, past 72 h
    const deleted = await store.retention.runOnce();
    assert.ok(deleted > 0 && deleted <= 10);
    assert.equal((await readdir(join(dir.path, 'commitlog'))).length, segsBefore - deleted);
    const minPhy = store.getMinPhyOffset();
    assert.equal(minPhy, deleted * 32 * 1024);
    const min = store.getMinOffsetInQueue('Ret', 0);
    assert.ok(min > 0);
    const tooSmall = await store.getMessage('Ret', 0, 0, 32, 1 << 20);
    assert.deepEqual([tooSmall.status, tooSmall.nextBeginOffset], ['OFFSET_TOO_SMALL', min]);
    const rest = await readQueue(store, 'Ret', 0);
    assert.equal(rest.length, 400 - min);
    assert.ok(rest[0]!.physicalOffset >= minPhy);
    assert.equal(await store.lookMessageByOffset(0), undefined);
    await store.shutdown();
    // Reopened, the min offsets are found again from the files.
    const again = createFileStore({ ...smallConfig, storePathRootDir: dir.path }, { clock });
    await again.start();
    assert.equal(again.getMinOffsetInQueue('Ret', 0), min);
    await again.shutdown();
  });

  it('deletes the oldest segments regardless of age over diskMaxUsedSpaceRatio, and refuses appends on a full disk', async () => {
    const dir = await tempDir('rmq-ret-');
    dirs.push(dir);
    let usage = 50;
    const clock = new ManualClock(Date.now());
    const store = createFileStore(
      { ...smallConfig, storePathRootDir: dir.path, deleteWhen: '99' },
      { clock, diskUsage: async () => usage },
    );
    await store.start();
    for (let i = 0; i < 200; i++) await store.putMessage(msg('Full', 0, i));
    await flushed(store);
    assert.equal(await store.retention.runOnce(), 0);
    usage = 80;
    assert.ok((await store.retention.runOnce()) > 0, 'forced deletion above 75 %');
    usage = 95;
    await store.retention.runOnce();
    assert.equal((await store.putMessage(msg('Full', 0, 1))).status, 'SERVICE_NOT_AVAILABLE');
    usage = 50;
    await store.retention.runOnce();
    assert.equal((await store.putMessage(msg('Full', 0, 2))).status, 'PUT_OK');
    await store.shutdown();
  });
});
