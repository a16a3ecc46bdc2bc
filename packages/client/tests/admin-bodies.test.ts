import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseConsumerConnection,
  parseConsumerRunningInfo,
  parseConsumeStats,
  parseKVTable,
  parseOffsetTable,
  parseTopicStats,
} from '../src/admin/admin-bodies.js';
import { parseConsumeTimestamp } from '../src/consumer/rebalance.js';

const b = (s: string) => Buffer.from(s, 'utf8');

// Bodies as Java's fastjson writes them: MessageQueue map keys are objects.
describe('admin bodies', () => {
  it('reads ConsumeStats with object keys', () => {
    const s = parseConsumeStats(
      b(
        '{"consumeTps":1.5,"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:{"brokerOffset":10,"consumerOffset":4,"lastTimestamp":5},{"brokerName":"b","queueId":0,"topic":"T"}:{"brokerOffset":3,"consumerOffset":1,"inflight":2,"lastTimestamp":0,"pullOffset":3}}}',
      ),
    );
    assert.equal(s.consumeTps, 1.5);
    assert.deepEqual(s.queues[0], {
      mq: { topic: 'T', brokerName: 'b', queueId: 1 },
      brokerOffset: 10,
      consumerOffset: 4,
      lastTimestamp: 5,
      inflight: 0,
    });
    assert.equal(s.queues.length, 2);
    assert.equal(s.queues[1]!.inflight, 2, 'a pop group: handed out, not acked');
  });
  it('reads TopicStatsTable and ResetOffsetBody', () => {
    const t = parseTopicStats(
      b(
        '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"lastUpdateTimestamp":9,"maxOffset":7,"minOffset":2}}}',
      ),
    );
    assert.deepEqual(t, [
      { mq: { topic: 'T', brokerName: 'b', queueId: 0 }, minOffset: 2, maxOffset: 7, lastUpdateTimestamp: 9 },
    ]);
    const r = parseOffsetTable(b('{"offsetTable":{{"brokerName":"b","queueId":3,"topic":"T"}:42}}'), Number);
    assert.deepEqual([...r], [['T@b@3', 42]]);
  });
  it('reads ConsumerConnection, KVTable and ConsumerRunningInfo', () => {
    const c = parseConsumerConnection(
      b(
        '{"connectionSet":[{"clientAddr":"1.2.3.4:5","clientId":"1.2.3.4@1","language":"JAVA","version":479}],"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","subscriptionTable":{"T":{"subString":"A || B","topic":"T"}}}',
      ),
    );
    assert.equal(c.connections[0]?.clientId, '1.2.3.4@1');
    assert.deepEqual(c.subscriptions, [{ topic: 'T', subString: 'A || B' }]);
    assert.equal(c.messageModel, 'CLUSTERING');
    assert.deepEqual(parseKVTable(b('{"table":{"putTps":"1.0 2.0","msgPutTotalTodayNow":"7"}}')), {
      putTps: '1.0 2.0',
      msgPutTotalTodayNow: '7',
    });
    const info = parseConsumerRunningInfo(
      b(
        '{"mqTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"cachedMsgCount":3,"commitOffset":8,"locked":true}},"properties":{"PROP_CONSUME_TYPE":"CONSUME_PASSIVELY"},"subscriptionSet":[{"subString":"*","topic":"T"}]}',
      ),
    );
    assert.equal(info.queues[0]?.cachedMsgCount, 3);
    assert.equal(info.queues[0]?.locked, true);
    assert.equal(info.properties.PROP_CONSUME_TYPE, 'CONSUME_PASSIVELY');
  });
  it('parses consumeTimestamp in Java form or ms', () => {
    assert.equal(parseConsumeTimestamp(1234), 1234);
    assert.equal(parseConsumeTimestamp('20240102030405'), new Date(2024, 0, 2, 3, 4, 5).getTime());
    assert.equal(parseConsumeTimestamp(undefined, 10_000_000), 10_000_000 - 1_800_000);
  });
});
