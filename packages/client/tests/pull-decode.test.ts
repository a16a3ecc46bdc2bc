import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { encodeProperties, encodeStoredRecord, MessageSysFlag, parseHost } from '@rocketmq-ts/protocol';
import { decodeMessages } from '../src/consumer/pull-decode.js';

const record = (queueOffset: number, body: Buffer, props: Record<string, string>, sysFlag = 0) =>
  encodeStoredRecord({
    topic: 'T',
    queueId: 1,
    flag: 3,
    body,
    properties: encodeProperties(props),
    sysFlag,
    bornTimestamp: 1000,
    bornHost: parseHost('10.0.0.1:5000')!,
    storeTimestamp: 2000,
    storeHost: parseHost('10.0.0.2:10911')!,
    reconsumeTimes: 2,
    preparedTransactionOffset: 0,
    queueOffset,
    physicalOffset: 100 + queueOffset * 1000,
  });

describe('decodeMessages', () => {
  it('decodes concatenated records, inflates compressed bodies and re-checks tags', () => {
    const big = Buffer.alloc(10_000, 'q');
    const body = Buffer.concat([
      record(0, Buffer.from('a'), { TAGS: 'TagA', KEYS: 'k1 k2', UNIQ_KEY: 'U0' }),
      record(1, Buffer.from('b'), { TAGS: 'TagB' }),
      record(2, deflateSync(big), { TAGS: 'TagA' }, MessageSysFlag.COMPRESSED_FLAG),
    ]);
    const all = decodeMessages(body, 'broker-a');
    assert.equal(all.length, 3);
    const [a, b, c] = all as [(typeof all)[0], (typeof all)[0], (typeof all)[0]];
    assert.equal(a.msgId, 'U0', 'UNIQ_KEY is the msgId');
    assert.equal(a.offsetMsgId, '0A00000200002A9F0000000000000064');
    assert.deepEqual(a.keys, ['k1', 'k2']);
    assert.equal(a.brokerName, 'broker-a');
    assert.equal(a.reconsumeTimes, 2);
    assert.equal(a.bornHost, '10.0.0.1:5000');
    assert.equal(b.msgId, b.offsetMsgId, 'without UNIQ_KEY the offset id stands in');
    assert.deepEqual(c.body, big);
    const onlyA = decodeMessages(body, 'broker-a', (t) => t === 'TagA');
    assert.deepEqual(
      onlyA.map((m) => m.queueOffset),
      [0, 2],
    );
  });
  it('stops at a truncated tail instead of throwing', () => {
    const body = Buffer.concat([record(0, Buffer.from('a'), {}), record(1, Buffer.from('b'), {})]);
    assert.equal(decodeMessages(body.subarray(0, body.length - 5), 'b').length, 1);
  });
});
