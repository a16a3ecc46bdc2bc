// One behavioural suite for every MessageStore implementation (STYLE rule 5). Each
// implementation's *.test.ts calls runConformance with a factory for fresh stores.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ManualClock } from '@rocketmq-ts/common';
import {
  decodeStoredRecord,
  decodeStoredRecords,
  encodeProperties,
  MessageSysFlag,
  tagsHashCode,
} from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import type { MessageInput, MessageStore, MessageStoreConfig } from '../src/index.js';

export interface StoreHarness {
  store: MessageStore;
  clock: ManualClock;
  close(): Promise<void>;
}
export type StoreFactory = (config: Partial<MessageStoreConfig>) => Promise<StoreHarness>;

export function message(over: Partial<MessageInput> & { tags?: string; keys?: string } = {}): MessageInput {
  const props: Record<string, string> = {};
  if (over.tags !== undefined) props.TAGS = over.tags;
  if (over.keys !== undefined) props.KEYS = over.keys;
  const { tags: _t, keys: _k, ...rest } = over;
  return {
    topic: 'TopicTest',
    queueId: 0,
    flag: 0,
    body: Buffer.from('hello'),
    properties: encodeProperties(props),
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000,
    bornHost: '192.168.0.9:40000',
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    ...rest,
  };
}

const baseConfig: Partial<MessageStoreConfig> = {
  storeHost: '10.0.0.2:10911',
  mappedFileSizeCommitLog: 64 * 1024,
  mappedFileSizeConsumeQueue: 20 * 50,
  maxMessageSize: 16 * 1024,
  flushDiskType: 'ASYNC_FLUSH',
};

export function runConformance(name: string, factory: StoreFactory): void {
  describe(`MessageStore conformance: ${name}`, () => {
    let h: StoreHarness;
    let store: MessageStore;
    before(async () => {
      h = await factory(baseConfig);
      store = h.store;
      h.clock.set(1_700_000_100_000);
    });
    after(async () => h.close());

    it('reports the pull statuses of an unknown or empty queue', async () => {
      const r = await store.getMessage('Nope', 0, 0, 32, 1 << 20);
      assert.equal(r.status, 'NO_MATCHED_LOGIC_QUEUE');
      assert.equal(r.nextBeginOffset, 0);
      assert.equal(store.getMaxOffsetInQueue('Nope', 0), 0);
      assert.equal(store.getMinOffsetInQueue('Nope', 0), 0);
      assert.equal(await store.getEarliestMessageTime('Nope', 0), -1);
      assert.equal(await store.getMessageStoreTimestamp('Nope', 0, 0), -1);
    });

    it('appends and returns offsets, an offset msgId and the exact record', async () => {
      const r = await store.putMessage(message({ topic: 'A', tags: 'TagA', keys: 'k1 k2' }));
      assert.equal(r.status, 'PUT_OK');
      const a = r.append!;
      assert.equal(a.logicsOffset, 0);
      assert.equal(a.msgNum, 1);
      assert.equal(a.storeTimestamp, 1_700_000_100_000);
      const got = await store.getMessage('A', 0, 0, 32, 1 << 20);
      assert.equal(got.status, 'FOUND');
      assert.equal(got.records.length, 1);
      assert.equal(got.nextBeginOffset, 1);
      assert.equal(got.maxOffset, 1);
      assert.equal(got.totalSize, a.wroteBytes);
      const m = decodeStoredRecord(got.records[0]!)!;
      assert.equal(m.topic, 'A');
      assert.equal(m.queueOffset, 0);
      assert.equal(m.physicalOffset, a.wroteOffset);
      assert.equal(m.msgId, a.msgId);
      assert.equal(m.storeHost, '10.0.0.2:10911');
      assert.equal(m.bornHost, '192.168.0.9:40000');
      assert.equal(m.properties.get('TAGS'), 'TagA');
      assert.equal(m.body.toString(), 'hello');
      assert.deepEqual(await store.lookMessageByOffset(a.wroteOffset), got.records[0]);
      assert.equal(await store.lookMessageByOffset(a.wroteOffset + 1), undefined);
      assert.equal(store.getMaxPhyOffset(), a.wroteOffset + a.wroteBytes);
    });

    it('maps offsets to the statuses of docs/store.md', async () => {
      for (let i = 0; i < 4; i++) assert.equal((await store.putMessage(message({ topic: 'S' }))).status, 'PUT_OK');
      const one = await store.getMessage('S', 0, 4, 32, 1 << 20);
      assert.deepEqual([one.status, one.nextBeginOffset, one.maxOffset], ['OFFSET_OVERFLOW_ONE', 4, 4]);
      const bad = await store.getMessage('S', 0, 9, 32, 1 << 20);
      assert.deepEqual([bad.status, bad.nextBeginOffset], ['OFFSET_OVERFLOW_BADLY', 4]);
      const some = await store.getMessage('S', 0, 1, 2, 1 << 20);
      assert.deepEqual([some.status, some.nextBeginOffset, some.records.length], ['FOUND', 3, 2]);
      const bytes = await store.getMessage('S', 0, 0, 32, 10);
      assert.equal(bytes.records.length, 1, 'the first record is returned even over maxBytes');
      // A queue of a known topic that never got a message is as unknown as an unknown topic's.
      const empty = await store.getMessage('S', 1, 0, 32, 1 << 20);
      assert.deepEqual([empty.status, empty.nextBeginOffset, empty.maxOffset], ['NO_MATCHED_LOGIC_QUEUE', 0, 0]);
    });

    it('filters on the ConsumeQueue tag hash and reports NO_MATCHED_MESSAGE', async () => {
      for (const tags of ['TagA', 'TagB', 'TagA', 'TagC']) await store.putMessage(message({ topic: 'F', tags }));
      const wantB = tagsHashCode('TagB');
      const r = await store.getMessage('F', 0, 0, 32, 1 << 20, (c) => c === wantB);
      assert.equal(r.status, 'FOUND');
      assert.equal(r.records.length, 1);
      assert.equal(r.nextBeginOffset, 4);
      const none = await store.getMessage('F', 0, 2, 32, 1 << 20, (c) => c === wantB);
      assert.deepEqual([none.status, none.nextBeginOffset], ['NO_MATCHED_MESSAGE', 4]);
    });

    it('gives a batch consecutive queue offsets and comma-joined msgIds', async () => {
      await store.putMessage(message({ topic: 'B', queueId: 2 }));
      const batch = [0, 1, 2].map((i) => message({ topic: 'B', queueId: 2, body: Buffer.from(`m${i}`) }));
      const r = await store.putMessages(batch);
      assert.equal(r.status, 'PUT_OK');
      assert.equal(r.append!.logicsOffset, 1);
      assert.equal(r.append!.msgNum, 3);
      const ids = r.append!.msgId.split(',');
      assert.equal(ids.length, 3);
      const got = await store.getMessage('B', 2, 1, 32, 1 << 20);
      const ms = decodeStoredRecords(Buffer.concat(got.records));
      assert.deepEqual(
        ms.map((m) => [m.queueOffset, m.body.toString(), m.msgId]),
        [
          [1, 'm0', ids[0]],
          [2, 'm1', ids[1]],
          [3, 'm2', ids[2]],
        ],
      );
      assert.equal(
        (await store.putMessages([message({ topic: 'B' }), message({ topic: 'C' })])).status,
        'MESSAGE_ILLEGAL',
      );
    });

    it('puts records of several topics and queues together, each in its own queue', async () => {
      await store.putMessage(message({ topic: 'TogetherP', queueId: 1 }));
      const r = await store.putTogether([
        message({ topic: 'TogetherP', queueId: 1, body: Buffer.from('p1') }),
        message({ topic: 'TogetherQ', queueId: 3, body: Buffer.from('q0') }),
        message({ topic: 'TogetherP', queueId: 1, body: Buffer.from('p2') }),
      ]);
      assert.equal(r.status, 'PUT_OK');
      assert.equal(r.append!.msgNum, 3);
      const p = await store.getMessage('TogetherP', 1, 1, 32, 1 << 20);
      assert.deepEqual(
        decodeStoredRecords(Buffer.concat(p.records)).map((m) => [m.queueOffset, m.body.toString()]),
        [
          [1, 'p1'],
          [2, 'p2'],
        ],
      );
      await eventually(async () => {
        const q = await store.getMessage('TogetherQ', 3, 0, 32, 1 << 20);
        assert.deepEqual(
          decodeStoredRecords(Buffer.concat(q.records)).map((m) => [m.topic, m.queueOffset, m.body.toString()]),
          [['TogetherQ', 0, 'q0']],
        );
        return true;
      });
      // One CommitLog run: the three records are adjacent.
      const [a, b, c] = r.append!.msgId.split(',');
      assert.ok(a && b && c && a < b && b < c);
    });

    it('refuses oversized bodies and properties with a status, not an exception', async () => {
      const big = await store.putMessage(message({ body: Buffer.alloc(16 * 1024 + 1) }));
      assert.equal(big.status, 'MESSAGE_ILLEGAL');
      assert.equal(big.append, undefined);
      const props = await store.putMessage(message({ properties: `A\u0001${'x'.repeat(40_000)}\u0002` }));
      assert.equal(props.status, 'PROPERTIES_SIZE_EXCEEDED');
      const host = await store.putMessage(message({ bornHost: 'not-a-host' }));
      assert.equal(host.status, 'MESSAGE_ILLEGAL');
    });

    it('stores long topics as V2 records', async () => {
      const topic = 'L'.repeat(130);
      assert.equal((await store.putMessage(message({ topic }))).status, 'PUT_OK');
      const got = await store.getMessage(topic, 0, 0, 1, 1 << 20);
      assert.equal(decodeStoredRecord(got.records[0]!)!.topic, topic);
    });

    it('keeps prepared transaction records out of the ConsumeQueue', async () => {
      const r = await store.putMessage(message({ topic: 'T', sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE }));
      assert.equal(r.status, 'PUT_OK');
      assert.equal(r.append!.logicsOffset, 0);
      assert.equal(store.getMaxOffsetInQueue('T', 0), 0);
      assert.ok(await store.lookMessageByOffset(r.append!.wroteOffset));
      const c = await store.putMessage(message({ topic: 'T', sysFlag: MessageSysFlag.TRANSACTION_COMMIT_TYPE }));
      assert.equal(c.append!.logicsOffset, 0);
      assert.equal(store.getMaxOffsetInQueue('T', 0), 1);
    });

    it('finds queue offsets by store time', async () => {
      for (let i = 0; i < 5; i++) {
        h.clock.set(1_700_000_200_000 + i * 1000);
        await store.putMessage(message({ topic: 'Time' }));
      }
      assert.equal(await store.getOffsetInQueueByTime('Time', 0, 1_700_000_202_000), 2);
      assert.equal(await store.getOffsetInQueueByTime('Time', 0, 1_700_000_202_500, 'lower'), 3);
      assert.equal(await store.getOffsetInQueueByTime('Time', 0, 1_700_000_202_500, 'upper'), 2);
      assert.equal(await store.getOffsetInQueueByTime('Time', 0, 1, 'lower'), 0);
      assert.equal(await store.getOffsetInQueueByTime('Time', 0, 2_000_000_000_000, 'lower'), 5);
      assert.equal(await store.getEarliestMessageTime('Time', 0), 1_700_000_200_000);
      assert.equal(await store.getMessageStoreTimestamp('Time', 0, 4), 1_700_000_204_000);
      assert.equal(await store.getMessageStoreTimestamp('Time', 0, 5), -1);
    });

    it('indexes KEYS and UNIQ_KEY and queries them within a time range', async () => {
      h.clock.set(1_700_000_300_000);
      const props = encodeProperties({ KEYS: 'order-1 order-2', UNIQ_KEY: 'ABCDEF' });
      const r = await store.putMessage(message({ topic: 'Q', properties: props }));
      await store.putMessage(message({ topic: 'Q', keys: 'order-2' }));
      const q = await eventually(async () => {
        const res = await store.queryMessage('Q', 'order-2', 32, 0, Number.MAX_SAFE_INTEGER);
        return res.records.length === 2 ? res : undefined;
      });
      assert.ok(q.indexLastUpdatePhyoffset >= r.append!.wroteOffset);
      const one = await store.queryMessage('Q', 'order-2', 1, 0, Number.MAX_SAFE_INTEGER);
      assert.equal(one.records.length, 1);
      const uniq = await store.queryMessage('Q', 'ABCDEF', 32, 0, Number.MAX_SAFE_INTEGER);
      assert.equal(decodeStoredRecord(uniq.records[0]!)!.physicalOffset, r.append!.wroteOffset);
      assert.equal((await store.queryMessage('Q', 'order-1', 32, 0, 1_700_000_299_999)).records.length, 0);
      assert.equal((await store.queryMessage('Other', 'order-1', 32, 0, Number.MAX_SAFE_INTEGER)).records.length, 0);
    });

    it('tells arrival listeners the new max offset and tag hash', async () => {
      const seen: [string, number, number, number][] = [];
      store.onMessageArrived((t, q, max, tags) => {
        if (t === 'Arr') seen.push([t, q, max, tags]);
      });
      await store.putMessage(message({ topic: 'Arr', queueId: 1, tags: 'TagA' }));
      await store.putMessage(message({ topic: 'Arr', queueId: 1 }));
      await eventually(() => seen.length === 2);
      assert.deepEqual(seen, [
        ['Arr', 1, 1, tagsHashCode('TagA')],
        ['Arr', 1, 2, 0],
      ]);
    });

    it('lists queues, deletes topics and reports runtime figures', async () => {
      await store.putMessage(message({ topic: 'Del', queueId: 3 }));
      await store.putMessage(message({ topic: 'Del', queueId: 1 }));
      assert.deepEqual(store.queues().get('Del'), [1, 3]);
      await store.deleteTopics(['Del']);
      assert.equal(store.queues().has('Del'), false);
      assert.equal(store.getMaxOffsetInQueue('Del', 3), 0);
      const info = store.runtimeInfo();
      assert.equal(info.commitLogMaxOffset, String(store.getMaxPhyOffset()));
      assert.ok(store.getMinPhyOffset() <= store.getMaxPhyOffset());
    });

    it('places records across segment boundaries without losing any', async () => {
      const body = Buffer.alloc(3000, 7);
      const offsets: number[] = [];
      for (let i = 0; i < 60; i++) {
        const r = await store.putMessage(message({ topic: 'Seg', body }));
        assert.equal(r.status, 'PUT_OK');
        offsets.push(r.append!.wroteOffset);
      }
      let offset = 0;
      const got: number[] = [];
      while (offset < 60) {
        const r = await store.getMessage('Seg', 0, offset, 32, 1 << 20);
        assert.equal(r.status, 'FOUND');
        for (const rec of r.records) got.push(decodeStoredRecord(rec)!.physicalOffset);
        offset = r.nextBeginOffset;
      }
      assert.deepEqual(got, offsets);
      for (const o of offsets) assert.ok(await store.lookMessageByOffset(o));
    });
  });
}
