// Test helper (not a test file): the encoded route of a topic served by one broker `b` at 127.0.0.1:10911.
import { encodeTopicRouteData } from '@rocketmq-ts/protocol';

export const oneBrokerRoute = (queues = 1): Buffer =>
  encodeTopicRouteData(
    {
      queueDatas: [{ brokerName: 'b', readQueueNums: queues, writeQueueNums: queues, perm: 6, topicSysFlag: 0 }],
      brokerDatas: [
        { cluster: 'C', brokerName: 'b', brokerAddrs: new Map([[0, '127.0.0.1:10911']]), enableActingMaster: false },
      ],
      filterServerTable: new Map(),
    },
    'standard',
  );
