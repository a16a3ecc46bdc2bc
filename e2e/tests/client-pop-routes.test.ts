import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MessageExt, MQAdmin, Producer, PushConsumer, SimpleConsumer } from '@rocketmq-ts/client';
import { eventually } from '@rocketmq-ts/testkit';
import { startCluster, type TestCluster, testLogger, unique } from './client-support.js';

// rocketmq-clients#1093 / #866: the Node SDK kept only the queues numbered 0, so a topic with
// more read queues than write queues (queue 0 read-only in the proxy's numbering) had "no
// writable message queue" and consumed only queue 0. Our SDK against the same topic: the
// producer writes only to the writable queues, and SimpleConsumer and the Pop-mode
// PushConsumer drain every readable queue, including those no longer writable.

describe('client Pop on a topic with more read than write queues (rocketmq-clients#1093, #866)', () => {
  let cluster: TestCluster;
  let admin: MQAdmin;
  const open: { shutdown(): Promise<void> }[] = [];
  before(async () => {
    cluster = await startCluster();
    admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
  });
  after(async () => {
    for (const c of open) await c.shutdown().catch(() => undefined);
    await admin.close();
    await cluster.shutdown();
  });

  async function producer(): Promise<Producer> {
    const p = new Producer({ namesrvAddr: cluster.namesrvAddr });
    await p.start();
    open.push(p);
    return p;
  }

  /** 8 messages over 4 writable queues, then the topic shrunk to 1 writable queue and 4 more. */
  async function shrunkTopic(topic: string): Promise<string[]> {
    const create = (writeQueueNums: number) =>
      admin.createTopic({ topic, clusterName: cluster.clusterName, readQueueNums: 4, writeQueueNums });
    await create(4);
    await eventually(async () => (await admin.topicRoute(topic).catch(() => undefined))?.queueDatas.length === 1);
    const before = await producer();
    const bodies: string[] = [];
    const queues = new Set<number>();
    for (let i = 0; i < 8; i++) {
      const r = await before.send({ topic, body: `${topic}-a${i}` });
      queues.add(r.messageQueue.queueId);
      bodies.push(`${topic}-a${i}`);
    }
    assert.deepEqual([...queues].sort(), [0, 1, 2, 3]);
    await create(1);
    await eventually(async () => (await admin.topicRoute(topic)).queueDatas[0]?.writeQueueNums === 1);
    const after = await producer();
    for (let i = 0; i < 4; i++) {
      const r = await after.send({ topic, body: `${topic}-b${i}` });
      assert.equal(r.messageQueue.queueId, 0, 'sent only to the writable queue');
      bodies.push(`${topic}-b${i}`);
    }
    return bodies.sort();
  }

  it('SimpleConsumer receives from every readable queue', async () => {
    const topic = unique('T_pop_rw');
    const want = await shrunkTopic(topic);
    const c = new SimpleConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_pop_rw'),
      subscriptions: { [topic]: '*' },
      awaitDuration: 1000,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      logger: testLogger('simple-rw'),
    });
    await c.start();
    open.push(c);
    const got = new Map<string, number>();
    await eventually(
      async () => {
        for (const m of await c.receive(32, 30_000)) {
          got.set(m.body.toString(), m.queueId);
          await c.ack(m);
        }
        return got.size >= want.length;
      },
      { timeoutMs: 30_000, intervalMs: 0, message: 'every message received' },
    );
    assert.deepEqual([...got.keys()].sort(), want);
    assert.deepEqual([...new Set(got.values())].sort(), [0, 1, 2, 3]);
  });

  it('PushConsumer in Pop mode consumes every readable queue', async () => {
    const topic = unique('T_pop_rw_push');
    const want = await shrunkTopic(topic);
    const got = new Map<string, MessageExt>();
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_pop_rw_push'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      clientRebalance: false,
      brokerSuspendMaxTimeMillis: 1000,
      logger: testLogger('push-pop-rw'),
    });
    consumer.subscribe(topic);
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs) => {
        for (const m of msgs) got.set(m.body.toString(), m);
        return 'CONSUME_SUCCESS';
      },
    });
    await consumer.start();
    open.push(consumer);
    await eventually(() => got.size >= want.length, { timeoutMs: 30_000, message: 'every message consumed' });
    assert.deepEqual([...got.keys()].sort(), want);
    assert.deepEqual([...new Set([...got.values()].map((m) => m.queueId))].sort(), [0, 1, 2, 3]);
  });
});
