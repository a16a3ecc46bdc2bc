import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeProperties, encodeStoredRecord, parseHost } from '@rocketmq-ts/protocol';
import { ackTarget, changedHandle, decodePopMessages, type PopHeader } from '../src/consumer/pop-message.js';
import { ClientErrorCode, MQClientError } from '../src/errors.js';

const rec = (topic: string, queueId: number, queueOffset: number, props: Record<string, string>, reconsume = 0) =>
  encodeStoredRecord({
    topic,
    queueId,
    flag: 0,
    body: Buffer.from(`m${queueOffset}`),
    properties: encodeProperties(props),
    sysFlag: 0,
    bornTimestamp: 1000,
    bornHost: parseHost('10.0.0.1:5000')!,
    storeTimestamp: 2000,
    storeHost: parseHost('10.0.0.2:10911')!,
    reconsumeTimes: reconsume,
    preparedTransactionOffset: 0,
    queueOffset,
    physicalOffset: 100 + queueOffset,
  });

const header = (over: Partial<PopHeader> = {}): PopHeader => ({
  popTime: 1_700_000_000_000,
  invisibleTime: 60_000,
  reviveQid: 3,
  restNum: 0,
  ...over,
});

describe('decodePopMessages', () => {
  it('builds each receipt handle from the header and the start offset of its (retry flag, queue)', () => {
    const body = Buffer.concat([
      rec('T', 1, 40, { UNIQ_KEY: 'U40' }),
      rec('T', 1, 42, { UNIQ_KEY: 'U42' }),
      rec('T', 2, 7, { UNIQ_KEY: 'U7' }),
      // A v1 retry record the broker sent under its stored name: flag 1, retry queue 0.
      rec('%RETRY%g_T', 0, 5, { UNIQ_KEY: 'R5', RETRY_TOPIC: 'T' }, 1),
    ]);
    const h = header({
      startOffsetInfo: '0 1 40;0 2 7;1 0 5',
      msgOffsetInfo: '0 1 40,42;0 2 7;1 0 5',
    });
    const msgs = decodePopMessages(body, h, 'broker-a', 'T', false);
    assert.deepEqual(
      msgs.map((m) => m.receiptHandle),
      [
        '40 1700000000000 60000 3 0 broker-a 1 40',
        '40 1700000000000 60000 3 0 broker-a 1 42',
        '7 1700000000000 60000 3 0 broker-a 2 7',
        '5 1700000000000 60000 3 1 broker-a 0 5',
      ],
    );
    assert.ok(
      msgs.every((m) => m.topic === 'T'),
      'every message shows the popped topic',
    );
    assert.deepEqual(
      msgs.map((m) => m.deliveryAttempt),
      [1, 1, 1, 2],
    );
    assert.equal(msgs[0]!.msgId, 'U40');
    assert.equal(msgs[0]!.properties.get('POP_CK'), msgs[0]!.receiptHandle);
    assert.equal(msgs[0]!.properties.get('1ST_POP_TIME'), '1700000000000');
  });

  it('keeps a handle the broker already put in POP_CK (a revived message re-encoded under its original topic)', () => {
    const ck = '9 1699999990000 30000 5 1 broker-b 0 9';
    const body = rec('T', 0, 9, { POP_CK: ck, '1ST_POP_TIME': '1699999000000' }, 3);
    const [m] = decodePopMessages(body, header({ startOffsetInfo: '0 1 40' }), 'broker-a', 'T', false);
    assert.equal(m!.receiptHandle, ck);
    assert.equal(m!.properties.get('1ST_POP_TIME'), '1699999000000', 'the first pop time is not reset');
    assert.equal(m!.reconsumeTimes, 3);
  });

  it('finds POP_CK only as a property key, and groups the messages of one (flag, queue) for a batch ack', () => {
    const body = Buffer.concat([
      // Another property's value mentions POP_CK: still no handle of its own.
      rec('T', 1, 40, { note: 'POP_CK', KEYS: 'xPOP_CK' }),
      rec('T', 1, 41, {}),
      rec('T', 2, 7, { POP_CK: '7 1699999990000 30000 5 0 broker-b 2 7' }),
    ]);
    const msgs = decodePopMessages(body, header({ startOffsetInfo: '0 1 40;0 2 7' }), 'broker-a', 'T', false);
    assert.deepEqual(
      msgs.map((m) => m.receiptHandle),
      [
        '40 1700000000000 60000 3 0 broker-a 1 40',
        '40 1700000000000 60000 3 0 broker-a 1 41',
        '7 1699999990000 30000 5 0 broker-b 2 7',
      ],
    );
    const [a, b, c] = msgs.map((m) => ackTarget('g', m, 1_700_000_000_000).batchKey);
    assert.ok(a !== undefined && a === b, 'one key for a response batch');
    assert.equal(c, undefined, 'a handle from elsewhere is grouped by its text');
  });

  it('takes reconsumeTimes from orderCountInfo in FIFO mode, per message before per queue', () => {
    const body = Buffer.concat([rec('T', 1, 40, {}), rec('T', 1, 41, {}), rec('T', 2, 3, {})]);
    const h = header({
      reviveQid: 999,
      startOffsetInfo: '0 1 40;0 2 3',
      msgOffsetInfo: '0 1 40,41;0 2 3',
      orderCountInfo: '0 qo1%40 2;0 qo1%41 0;0 1 0;0 2 4',
    });
    const msgs = decodePopMessages(body, h, 'b', 'T', true);
    assert.deepEqual(
      msgs.map((m) => m.reconsumeTimes),
      [2, 0, 4],
    );
    assert.equal(decodePopMessages(body, h, 'b', 'T', false)[0]!.reconsumeTimes, 0, 'counts only apply to FIFO pops');
  });

  it('returns nothing for an empty or truncated body', () => {
    assert.deepEqual(decodePopMessages(Buffer.alloc(0), header(), 'b', 'T', false), []);
    const one = rec('T', 1, 1, {});
    assert.equal(decodePopMessages(one.subarray(0, one.length - 3), header(), 'b', 'T', false).length, 0);
  });
});

describe('ackTarget', () => {
  const now = 1_700_000_010_000;
  it('reads the broker, queue and offset from the handle, and the real topic from its retry flag', () => {
    const t = ackTarget('g', { topic: 'T', receiptHandle: '5 1700000000000 60000 3 1 broker-a 0 6' }, now);
    assert.equal(t.realTopic, '%RETRY%g_T');
    assert.equal(t.handle.brokerName, 'broker-a');
    assert.equal(t.handle.queueId, 0);
    assert.equal(t.handle.queueOffset, 6);
    assert.equal(
      ackTarget('g', { topic: 'T', receiptHandle: '5 1700000000000 60000 3 2 b 0 6' }, now).realTopic,
      '%RETRY%g+T',
    );
    assert.equal(ackTarget('g', { topic: 'T', receiptHandle: '5 1700000000000 60000 3 0 b 0 6' }, now).realTopic, 'T');
  });

  it('rejects an expired handle with INVALID_RECEIPT_HANDLE and a malformed one with ILLEGAL_ARGUMENT', () => {
    const expired = { topic: 'T', receiptHandle: '5 1700000000000 10000 3 0 b 0 6' };
    assert.throws(
      () => ackTarget('g', expired, now),
      (e: unknown) => e instanceof MQClientError && e.code === ClientErrorCode.INVALID_RECEIPT_HANDLE,
    );
    for (const bad of ['', '1 2 3', '5 x 10000 3 0 b 0 6', '5 1700000000000 60000 3 7 b 0 6']) {
      assert.throws(
        () => ackTarget('g', { topic: 'T', receiptHandle: bad }, now),
        (e: unknown) => e instanceof MQClientError && e.code === ClientErrorCode.ILLEGAL_ARGUMENT,
        bad,
      );
    }
  });
});

describe('changedHandle', () => {
  it('points the new handle at a one-message checkpoint at the message offset', () => {
    const t = ackTarget(
      'g',
      { topic: 'T', receiptHandle: '40 1700000000000 60000 3 0 broker-a 1 42' },
      1_700_000_000_001,
    );
    assert.equal(changedHandle(t.handle, 1_700_000_005_000, 2000, 3), '42 1700000005000 2000 3 0 broker-a 1 42');
  });
});
