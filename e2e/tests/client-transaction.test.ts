import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LocalTransactionState, type MessageExt, MQAdmin, Producer, PushConsumer } from '@rocketmq-ts/client';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, startCluster, type TestCluster, unique } from './client-support.js';

describe('client transactions', () => {
  let cluster: TestCluster;
  before(async () => {
    // Checks start 1 s after a half message is stored instead of 6 s.
    cluster = await startCluster({ transactionTimeOut: 1000, transactionCheckInterval: 1000 });
  });
  after(async () => {
    await cluster.shutdown();
  });

  it('commits, rolls back, and resolves an UNKNOW verdict through the broker check', async () => {
    const topic = unique('T_tx');
    await createTopic(cluster, topic, 2);
    const got = new Map<string, MessageExt>();
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_tx'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe(topic);
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs) => {
        for (const m of msgs) got.set(m.body.toString(), m);
      },
    });
    await consumer.start();
    const checked: MessageExt[] = [];
    const producer = new Producer({
      namesrvAddr: cluster.namesrvAddr,
      producerGroup: unique('P_tx'),
      transactionListener: {
        executeLocalTransaction: (_msg, arg) => arg as LocalTransactionState,
        checkLocalTransaction: (msg) => {
          checked.push(msg);
          return 'COMMIT_MESSAGE';
        },
      },
    });
    await producer.start();
    try {
      const c = await producer.sendMessageInTransaction({ topic, body: 'commit-me', tags: 'T' }, 'COMMIT_MESSAGE');
      assert.equal(c.localTransactionState, 'COMMIT_MESSAGE');
      await producer.sendMessageInTransaction({ topic, body: 'rollback-me' }, 'ROLLBACK_MESSAGE');
      const u = await producer.sendMessageInTransaction({ topic, body: 'check-me', keys: 'ck' }, 'UNKNOW');
      await eventually(() => got.has('commit-me') && got.has('check-me'), {
        timeoutMs: 20_000,
        message: 'committed messages',
      });
      assert.ok(
        checked.some((m) => m.msgId === u.msgId && m.body.toString() === 'check-me'),
        'check carried the half message',
      );
      assert.equal(got.get('commit-me')!.msgId, c.msgId);
      assert.equal(got.get('commit-me')!.tags, 'T');
      assert.equal(got.get('check-me')!.properties.get('TRAN_MSG'), undefined);
      // What reached the topic is exactly the two committed messages: the rolled-back one was
      // never stored there, so it can never be delivered. (Its end-transaction request was
      // answered before check-me was even sent.)
      const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
      try {
        const stats = await admin.topicStats(topic);
        assert.equal(
          stats.reduce((s, q) => s + q.maxOffset, 0),
          2,
          'only the committed messages are in the topic',
        );
      } finally {
        await admin.close();
      }
      assert.ok(!got.has('rollback-me'), 'rolled-back message was delivered');
      // Checks go out in half-queue order on one connection: commit-me's would have come before
      // check-me's, which has been answered.
      assert.equal(checked.filter((m) => m.body.toString() === 'commit-me').length, 0, 'a decided message was checked');
    } finally {
      await producer.shutdown();
      await consumer.shutdown();
    }
  });
});
