import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AckMessageRequestHeader,
  bitSetBytes,
  bitSetPositions,
  buildExtraInfo,
  ChangeInvisibleTimeResponseHeader,
  decodeBatchAckBody,
  encodeBatchAckBody,
  msgOffsetEntry,
  NotificationRequestHeader,
  orderCountEntry,
  PopMessageRequestHeader,
  parseExtraInfo,
  parseMsgOffsetInfo,
  parseOrderCountInfo,
  parseStartOffsetInfo,
  popRealTopic,
  popRetryFlagOf,
  queueOrderCountEntry,
  reviveTopic,
  startOffsetEntry,
} from '../src/index.js';

// Pop wire strings (reference §1.2-1.4), written from the field tables.

describe('extraInfo (POP_CK / receipt handle)', () => {
  const eight = '17 1700000000000 60000 3 1 broker-a 0 19';
  it('parses the eight fields and re-encodes them exactly', () => {
    const r = parseExtraInfo(eight);
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      ckQueueOffset: 17,
      popTime: 1700000000000,
      invisibleTime: 60000,
      reviveQid: 3,
      retryFlag: 1,
      brokerName: 'broker-a',
      queueId: 0,
      queueOffset: 19,
    });
    assert.equal(buildExtraInfo(r.value), eight);
  });
  it('takes the proxy ninth field (CommitLog offset)', () => {
    const r = parseExtraInfo(`${eight} 123456`);
    assert.ok(r.ok);
    assert.equal(r.value.commitLogOffset, 123456);
    assert.equal(buildExtraInfo(r.value), `${eight} 123456`);
  });
  it('returns an error value for every malformed handle, never throws', () => {
    for (const bad of [
      '',
      '1 2 3 4 5 6 7',
      '1 2 3 4 5 6 7 8 9 10',
      'a 2 3 4 0 b 0 0',
      '1 2 3 4 3 b 0 0',
      '1 2 3 4 0  0 0',
      '1 2 3 4 0 b 0 x',
      '99999999999999999999 2 3 4 0 b 0 0',
    ]) {
      const r = parseExtraInfo(bad);
      assert.equal(r.ok, false, bad);
    }
  });
});

describe('pop names and offset-info strings', () => {
  it('names retry topics v1/v2 and derives the flag from the topic', () => {
    assert.equal(popRealTopic(0, 'g', 't'), 't');
    assert.equal(popRealTopic(1, 'g', 't'), '%RETRY%g_t');
    assert.equal(popRealTopic(2, 'g', 't'), '%RETRY%g+t');
    assert.equal(popRetryFlagOf('%RETRY%g_t'), 1);
    assert.equal(popRetryFlagOf('%RETRY%g+t'), 2);
    assert.equal(popRetryFlagOf('t'), 0);
    assert.equal(reviveTopic('DefaultCluster'), 'rmq_sys_REVIVE_LOG_DefaultCluster');
  });
  it('builds and reads startOffsetInfo, msgOffsetInfo and orderCountInfo', () => {
    const start = [startOffsetEntry(0, 1, 5), startOffsetEntry(1, 0, 9)].join(';');
    assert.equal(start, '0 1 5;1 0 9');
    assert.deepEqual(
      [...parseStartOffsetInfo(start)],
      [
        ['0@1', 5],
        ['1@0', 9],
      ],
    );
    const msg = [msgOffsetEntry(0, 1, [5, 7]), msgOffsetEntry(1, 0, [9])].join(';');
    assert.equal(msg, '0 1 5,7;1 0 9');
    assert.deepEqual(
      [...parseMsgOffsetInfo(msg)],
      [
        ['0@1', [5, 7]],
        ['1@0', [9]],
      ],
    );
    const order = [orderCountEntry(0, 2, 4, 1), orderCountEntry(0, 2, 5, 0), queueOrderCountEntry(0, 2, 0)].join(';');
    assert.equal(order, '0 qo2%4 1;0 qo2%5 0;0 2 0');
    assert.deepEqual(
      [...parseOrderCountInfo(order)],
      [
        ['0@qo2%4', 1],
        ['0@qo2%5', 0],
        ['0@2', 0],
      ],
    );
  });
});

describe('BATCH_ACK_MESSAGE body', () => {
  it('reads a Java BitSet.toByteArray image: bit i of byte i>>3, low bit first', () => {
    // Positions 0, 2, 9: byte0 = 0b101 = 5, byte1 = 0b10 = 2.
    assert.deepEqual([...bitSetBytes([0, 2, 9])], [5, 2]);
    assert.deepEqual(bitSetPositions(Buffer.from([5, 2])), [0, 2, 9]);
    assert.deepEqual([...bitSetBytes([])], []);
  });
  it('decodes short and long key names; re-encodes with short keys', () => {
    const short = Buffer.from(
      '{"brokerName":"b","acks":[{"c":"g","t":"t","r":"1","so":10,"q":0,"rq":2,"pt":1700,"it":60000,"b":"BQI="}]}',
    );
    const r = decodeBatchAckBody(short);
    assert.ok(r.ok);
    assert.deepEqual(r.value.acks[0], {
      consumerGroup: 'g',
      topic: 't',
      retryFlag: 1,
      startOffset: 10,
      queueId: 0,
      reviveQueueId: 2,
      popTime: 1700,
      invisibleTime: 60000,
      offsets: [10, 12, 19],
    });
    assert.deepEqual(decodeBatchAckBody(encodeBatchAckBody(r.value)), r);
    const long = Buffer.from(
      '{"brokerName":"b","acks":[{"consumerGroup":"g","topic":"t","retry":"0","startOffset":1,"queueId":3,"reviveQueueId":0,"popTime":5,"invisibleTime":6,"bitSet":"AQ=="}]}',
    );
    const l = decodeBatchAckBody(long);
    assert.ok(l.ok);
    assert.deepEqual(l.value.acks[0]!.offsets, [1]);
  });
  it('returns errors for bodies it cannot read', () => {
    for (const bad of ['', '{', '[]', '{"acks":{}}', '{"acks":[{"c":"g"}]}', '{"acks":[{"c":"g","t":"t","r":"7"}]}']) {
      assert.equal(decodeBatchAckBody(Buffer.from(bad)).ok, false, bad);
    }
  });
});

describe('pop header schemas', () => {
  it('keeps RocketMQ field names', () => {
    assert.deepEqual(
      Object.keys(
        PopMessageRequestHeader.encode({
          consumerGroup: 'g',
          topic: 't',
          queueId: -1,
          maxMsgNums: 32,
          invisibleTime: 60000,
          pollTime: 0,
          bornTime: 0,
          initMode: 0,
          expType: 'TAG',
          exp: '*',
          order: true,
          attemptId: 'a',
        }),
      ).sort(),
      [
        'attemptId',
        'bornTime',
        'consumerGroup',
        'exp',
        'expType',
        'initMode',
        'invisibleTime',
        'maxMsgNums',
        'order',
        'pollTime',
        'queueId',
        'topic',
      ],
    );
    const ack = AckMessageRequestHeader.decode({
      consumerGroup: 'g',
      topic: 't',
      queueId: '1',
      extraInfo: 'x',
      offset: '9',
    });
    assert.ok(ack.ok);
    assert.equal(ChangeInvisibleTimeResponseHeader.decode({ popTime: '1', invisibleTime: '2' }).ok, false);
    const n = NotificationRequestHeader.decode({
      consumerGroup: 'g',
      topic: 't',
      queueId: '-1',
      pollTime: '5',
      bornTime: '0',
    });
    assert.ok(n.ok);
  });
});
