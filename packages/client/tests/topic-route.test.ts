import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TopicRouteData } from '@rocketmq-ts/protocol';
import { routeFromTemplate, toPublishInfo, toSubscribeQueues } from '../src/route/topic-route.js';

const route = (): TopicRouteData => ({
  queueDatas: [
    { brokerName: 'b', readQueueNums: 4, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
    { brokerName: 'a', readQueueNums: 8, writeQueueNums: 8, perm: 4, topicSysFlag: 0 },
    { brokerName: 'c', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
  ],
  brokerDatas: [
    { cluster: 'C', brokerName: 'a', brokerAddrs: new Map([[0, '1:1']]), enableActingMaster: false },
    { cluster: 'C', brokerName: 'b', brokerAddrs: new Map([[0, '2:2']]), enableActingMaster: false },
    { cluster: 'C', brokerName: 'c', brokerAddrs: new Map([[1, '3:3']]), enableActingMaster: false },
  ],
  filterServerTable: new Map(),
});

describe('topic route', () => {
  it('publishes only to writable queues of brokers with a master, in broker order (no slave entries: rocketmq-clients#1345)', () => {
    const info = toPublishInfo('T', route());
    assert.deepEqual(
      info.queues.map((q) => `${q.brokerName}${q.queueId}`),
      ['b0', 'b1'],
    );
  });
  it('subscribes to every readable queue', () => {
    assert.equal(toSubscribeQueues('T', route()).length, 4 + 8 + 2);
  });
  it('honours orderTopicConf', () => {
    const info = toPublishInfo('T', { ...route(), orderTopicConf: 'a:2;b:1' });
    assert.ok(info.orderTopic);
    assert.deepEqual(
      info.queues.map((q) => `${q.brokerName}${q.queueId}`),
      ['a0', 'a1', 'b0'],
    );
  });
  it('caps template queues at defaultTopicQueueNums for auto-creation', () => {
    const r = routeFromTemplate(route(), 3);
    assert.deepEqual(
      r.queueDatas.map((q) => q.writeQueueNums),
      [3, 3, 2],
    );
  });
});
