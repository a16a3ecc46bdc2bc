import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import {
  decodeStoredRecords,
  encodeProperties,
  encodeStoredRecord,
  MAX_INFLATED_MESSAGE_BYTES,
  MessageSysFlag,
  parseHost,
} from '@rocketmq-ts/protocol';
import { zeroBomb } from '@rocketmq-ts/testkit';
import { decodeMessages } from '../src/consumer/pull-decode.js';
import { record } from './stored-records.js';

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
  it('leaves a body that inflates past MAX_INFLATED_MESSAGE_BYTES as stored (issue 18, finding 3)', () => {
    const bomb = zeroBomb(1024);
    const body = Buffer.concat([
      record(0, bomb, { TAGS: 'TagA' }, MessageSysFlag.COMPRESSED_FLAG),
      record(1, Buffer.from('next'), {}),
    ]);
    const before = process.memoryUsage().arrayBuffers;
    const [m, next] = decodeMessages(body, 'b');
    assert.ok(process.memoryUsage().arrayBuffers - before < 2 * MAX_INFLATED_MESSAGE_BYTES);
    assert.equal(m?.body.length, bomb.length);
    assert.equal(next?.body.toString(), 'next');
  });
  it('stops at a truncated tail instead of throwing', () => {
    const body = Buffer.concat([record(0, Buffer.from('a'), {}), record(1, Buffer.from('b'), {})]);
    assert.equal(decodeMessages(body.subarray(0, body.length - 5), 'b').length, 1);
  });
  it('reads lazily what the eager record decoder reads, field for field', () => {
    const v6 = encodeStoredRecord({
      topic: 'T',
      queueId: 5,
      flag: 0,
      body: Buffer.from('six'),
      properties: encodeProperties({ TAGS: 'X', KEYS: ' a  b ', UNIQ_KEY: 'U6', extra: 'é' }),
      sysFlag: 0,
      bornTimestamp: 2 ** 40 + 7,
      bornHost: parseHost('[::1]:7000')!,
      storeTimestamp: 2 ** 41 + 9,
      storeHost: parseHost('[fe80::2]:10911')!,
      reconsumeTimes: 0,
      preparedTransactionOffset: 2 ** 33,
      queueOffset: 2 ** 35,
      physicalOffset: 2 ** 36 + 3,
    });
    const body = Buffer.concat([record(0, Buffer.from('a'), { TAGS: 'TagA', KEYS: 'k1' }), v6]);
    const eager = decodeStoredRecords(body);
    for (const topicHint of [undefined, 'T', 'other']) {
      const lazy = decodeMessages(body, 'b', undefined, topicHint);
      assert.equal(lazy.length, eager.length);
      for (let i = 0; i < eager.length; i++) {
        const e = eager[i]!;
        const m = lazy[i]!;
        assert.equal(m.topic, e.topic);
        assert.deepEqual(m.body, e.body);
        assert.equal(m.queueId, e.queueId);
        assert.equal(m.flag, e.flag);
        assert.equal(m.queueOffset, e.queueOffset);
        assert.equal(m.commitLogOffset, e.physicalOffset);
        assert.equal(m.sysFlag, e.sysFlag);
        assert.equal(m.bornTimestamp, e.bornTimestamp);
        assert.equal(m.bornHost, e.bornHost);
        assert.equal(m.storeTimestamp, e.storeTimestamp);
        assert.equal(m.storeHost, e.storeHost);
        assert.equal(m.reconsumeTimes, e.reconsumeTimes);
        assert.equal(m.preparedTransactionOffset, e.preparedTransactionOffset);
        assert.equal(m.offsetMsgId, e.msgId);
        assert.deepEqual(m.properties, e.properties);
        assert.equal(m.tags, e.properties.get('TAGS'));
      }
    }
    const m = decodeMessages(body, 'b')[1]!;
    assert.deepEqual(m.keys, ['a', 'b']);
    assert.equal(m.msgId, 'U6');
    assert.equal(JSON.parse(JSON.stringify(m)).storeHost, m.storeHost, 'JSON sees the lazy fields');
  });
  it('adds the pull-time and consume-start properties after the stored ones, before or after the Map is built', () => {
    const body = record(0, Buffer.from('a'), { TAGS: 'A' });
    const [before] = decodeMessages(body, 'b');
    before!.setQueueRange(0, 10);
    before!.setConsumeStart(123);
    const [after] = decodeMessages(body, 'b');
    assert.equal(after!.properties.size, 1);
    after!.setQueueRange(0, 10);
    after!.setConsumeStart(123);
    for (const m of [before!, after!]) {
      assert.deepEqual(
        [...m.properties],
        [
          ['TAGS', 'A'],
          ['MIN_OFFSET', '0'],
          ['MAX_OFFSET', '10'],
          ['CONSUME_START_TIME', '123'],
        ],
      );
    }
    before!.topic = 'renamed';
    before!.keys = ['k'];
    assert.equal(before!.topic, 'renamed');
    assert.deepEqual(before!.keys, ['k']);
  });
});
