import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '@rocketmq-ts/common';
import { type MessageQueue, mqKey } from '@rocketmq-ts/protocol';
import { tempDir } from '@rocketmq-ts/testkit';
import { LocalFileOffsetStore, RemoteBrokerOffsetStore } from '../src/consumer/offset-store.js';

const q0: MessageQueue = { topic: 'T', brokerName: 'b', queueId: 0 };
const q1: MessageQueue = { topic: 'T', brokerName: 'b', queueId: 1 };

describe('RemoteBrokerOffsetStore', () => {
  it('reads the broker once, then memory; pushes only changed offsets', async () => {
    const remote = new Map<string, number>([[mqKey(q0), 5]]);
    const updates: [string, number][] = [];
    let queries = 0;
    const store = new RemoteBrokerOffsetStore(
      {
        query: async (mq) => {
          queries++;
          return remote.get(mqKey(mq)) ?? -1;
        },
        update: async (mq, o) => {
          updates.push([mqKey(mq), o]);
        },
      },
      silentLogger,
    );
    assert.equal(await store.readOffset(q0, 'memory-then-store'), 5);
    assert.equal(await store.readOffset(q0, 'memory-then-store'), 5);
    assert.equal(queries, 1);
    assert.equal(await store.readOffset(q1, 'store'), -1);
    await store.persistAll([q0, q1]);
    assert.deepEqual(updates, [], 'unchanged offsets are not re-sent');
    store.updateOffset(q0, 9, true);
    store.updateOffset(q0, 7, true);
    assert.equal(await store.readOffset(q0, 'memory'), 9, 'increaseOnly keeps the higher value');
    await store.persistAll([q0, q1]);
    assert.deepEqual(updates, [[mqKey(q0), 9]]);
    store.removeOffset(q0);
    assert.equal(await store.readOffset(q0, 'memory'), -1);
  });
  it('keeps going when one queue fails to persist, and retries that queue next time', async () => {
    const updates: [string, number][] = [];
    let down = true;
    const store = new RemoteBrokerOffsetStore(
      {
        query: async () => -1,
        update: async (mq, o) => {
          if (mq.queueId === 0 && down) throw new Error('down');
          updates.push([mqKey(mq), o]);
        },
      },
      silentLogger,
    );
    store.updateOffset(q0, 1, false);
    store.updateOffset(q1, 2, false);
    await store.persistAll([q0, q1]);
    assert.deepEqual(updates, [[mqKey(q1), 2]], 'the healthy queue reached the broker');
    down = false;
    await store.persistAll([q0, q1]);
    assert.deepEqual(
      updates,
      [
        [mqKey(q1), 2],
        [mqKey(q0), 1],
      ],
      'the failed queue is sent again, the persisted one is not',
    );
  });
});

describe('LocalFileOffsetStore', () => {
  it('survives a reload and falls back to the backup file when the main one is damaged', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'c', 'g', 'offsets.json');
      const a = new LocalFileOffsetStore(path, silentLogger);
      await a.load();
      a.updateOffset(q0, 10, false);
      await a.persistAll([]);
      a.updateOffset(q1, 20, false);
      await a.persistAll([]);
      const b = new LocalFileOffsetStore(path, silentLogger);
      await b.load();
      assert.equal(await b.readOffset(q0, 'store'), 10);
      assert.equal(await b.readOffset(q1, 'store'), 20);
      JSON.parse(await readFile(path, 'utf8'));
      await writeFile(path, '{"offsetTable":');
      const c = new LocalFileOffsetStore(path, silentLogger);
      await c.load();
      assert.equal(await c.readOffset(q0, 'store'), 10, 'restored from .bak');
    } finally {
      await dir.cleanup();
    }
  });
});
