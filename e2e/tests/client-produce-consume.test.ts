import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MessageExt, Producer, PushConsumer, selectMessageQueueByHash } from '@rocketmq-ts/client';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, startCluster, type TestCluster, unique } from './client-support.js';

describe('client: producer → push consumer', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster.shutdown();
  });

  it('delivers sync, oneway, batch, compressed and tagged messages with their properties', async () => {
    const topic = unique('T_basic');
    await createTopic(cluster, topic);
    const got = new Map<string, MessageExt>();
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_basic'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe(topic, 'TagA || TagB');
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs) => {
        for (const m of msgs) got.set(m.body.length > 100 ? 'big' : m.body.toString(), m);
        return 'CONSUME_SUCCESS';
      },
    });
    await consumer.start();
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: unique('P_basic') });
    await producer.start();
    try {
      const r = await producer.send({
        topic,
        body: 'one',
        tags: 'TagA',
        keys: ['k1', 'k2'],
        properties: { color: 'red' },
      });
      assert.equal(r.sendStatus, 'SEND_OK');
      assert.equal(r.msgId.length, 32);
      await producer.sendOneway({ topic, body: 'two', tags: 'TagB' });
      await producer.send({ topic, body: 'filtered-out', tags: 'TagC' });
      const batch = await producer.sendBatch([
        { topic, body: 'b1', tags: 'TagA' },
        { topic, body: 'b2', tags: 'TagA' },
      ]);
      assert.equal(batch.msgId.split(',').length, 2);
      const big = Buffer.alloc(64 * 1024, 'x');
      await producer.send({ topic, body: big, tags: 'TagA' });
      await producer.send(
        { topic, body: 'ordered', tags: 'TagA' },
        { selector: selectMessageQueueByHash, arg: 'order-1' },
      );
      await eventually(() => got.size >= 6, { timeoutMs: 20_000, message: 'all messages' });
      const one = got.get('one')!;
      assert.equal(one.tags, 'TagA');
      assert.deepEqual(one.keys, ['k1', 'k2']);
      assert.equal(one.properties.get('color'), 'red');
      assert.equal(one.msgId, r.msgId);
      assert.equal(got.get('big')!.body.length, 64 * 1024);
      assert.ok(got.get('big')!.sysFlag & 1, 'big body travelled compressed');
      assert.ok(!got.has('filtered-out'));
      assert.ok(got.has('two') && got.has('b1') && got.has('b2') && got.has('ordered'));
    } finally {
      await producer.shutdown();
      await consumer.shutdown();
    }
  });
});
