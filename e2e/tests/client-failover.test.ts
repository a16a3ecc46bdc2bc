import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Broker, defaultBrokerConfig, startBroker } from '@rocketmq-ts/broker';
import { MQAdmin, Producer } from '@rocketmq-ts/client';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { startCluster, type TestCluster, unique } from './client-support.js';

describe('client with two brokers', () => {
  let cluster: TestCluster;
  let brokerB: Broker;
  let dirB: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    cluster = await startCluster();
    dirB = await tempDir('rmq-broker-b-');
    brokerB = await startBroker({
      config: {
        ...defaultBrokerConfig(),
        brokerName: 'broker-b',
        brokerClusterName: cluster.clusterName,
        listenPort: 0,
        listenHost: '127.0.0.1',
        brokerIP1: '127.0.0.1',
        fastRemotingEnable: false,
        namesrvAddr: cluster.namesrvAddr,
        storePathRootDir: dirB.path,
      },
    });
  });
  after(async () => {
    await brokerB.shutdown();
    await dirB.cleanup();
    await cluster.shutdown();
  });

  it('creates topics on every master and keeps sending when one broker dies', async () => {
    const topic = unique('T_failover');
    const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
    try {
      await eventually(async () => (await admin.masterAddrs(cluster.clusterName)).length === 2, {
        message: 'two masters',
      });
      const created = await admin.createTopic({
        topic,
        clusterName: cluster.clusterName,
        readQueueNums: 2,
        writeQueueNums: 2,
      });
      assert.equal(created.length, 2);
      await eventually(async () => (await admin.topicRoute(topic).catch(() => undefined))?.queueDatas.length === 2, {
        message: 'route on both brokers',
      });
    } finally {
      await admin.close();
    }
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, sendMsgTimeoutMs: 5000 });
    await producer.start();
    try {
      const before = new Set<string>();
      for (let i = 0; i < 20; i++) before.add((await producer.send({ topic, body: `x${i}` })).messageQueue.brokerName);
      assert.deepEqual([...before].sort(), ['broker-a', 'broker-b']);
      // broker-b disappears; the NameServer keeps advertising it until its lease expires.
      await brokerB.shutdown();
      const after = new Map<string, number>();
      for (let i = 0; i < 30; i++) {
        const r = await producer.send({ topic, body: `y${i}` });
        assert.equal(r.sendStatus, 'SEND_OK');
        after.set(r.messageQueue.brokerName, (after.get(r.messageQueue.brokerName) ?? 0) + 1);
      }
      assert.deepEqual([...after.keys()], ['broker-a']);
    } finally {
      await producer.shutdown();
    }
  });
});
