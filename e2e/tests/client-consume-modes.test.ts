import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import {
  dlqTopic,
  LitePullConsumer,
  type MessageExt,
  MQAdmin,
  Producer,
  PushConsumer,
  retryTopic,
  selectMessageQueueByHash,
} from '@rocketmq-ts/client';
import { type Logger, silentLogger } from '@rocketmq-ts/common';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, startCluster, type TestCluster, testLogger, unique } from './client-support.js';

describe('client consumption modes', () => {
  let cluster: TestCluster;
  let producer: Producer;
  before(async () => {
    cluster = await startCluster();
    producer = new Producer({ namesrvAddr: cluster.namesrvAddr });
    await producer.start();
  });
  after(async () => {
    await producer.shutdown();
    await cluster.shutdown();
  });

  it('orderly: keeps per-queue order through handler failures', async () => {
    const topic = unique('T_order');
    await createTopic(cluster, topic, 2);
    const seen = new Map<string, number[]>();
    const failedOnce = new Set<string>();
    let failures = 0;
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_order'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe(topic);
    consumer.registerMessageListener({
      type: 'orderly',
      consume: (msgs, ctx) => {
        ctx.suspendCurrentQueueTimeMillis = 50;
        const m = msgs[0]!;
        const [order, seq] = m.body.toString().split(':') as [string, string];
        // Every 7th message fails on its first delivery.
        if (Number(seq) % 7 === 3 && !failedOnce.has(m.body.toString())) {
          failedOnce.add(m.body.toString());
          failures++;
          throw new Error('transient');
        }
        const list = seen.get(order) ?? [];
        list.push(Number(seq));
        seen.set(order, list);
        return 'SUCCESS';
      },
    });
    await consumer.start();
    try {
      const orders = ['o1', 'o2', 'o3', 'o4'];
      for (let seq = 0; seq < 25; seq++) {
        for (const o of orders)
          await producer.send({ topic, body: `${o}:${seq}` }, { selector: selectMessageQueueByHash, arg: o });
      }
      await eventually(() => [...seen.values()].reduce((s, l) => s + l.length, 0) >= 100, {
        timeoutMs: 30_000,
        message: '100 ordered messages',
      });
      assert.ok(failures >= 4);
      for (const o of orders) assert.deepEqual(seen.get(o), [...Array(25).keys()], `order ${o}`);
    } finally {
      await consumer.shutdown();
    }
  });

  it('broadcasting: every member receives every message, offsets kept in a local file', async () => {
    const topic = unique('T_bcast');
    await createTopic(cluster, topic, 2);
    const group = unique('G_bcast');
    const got = [new Set<string>(), new Set<string>()];
    const consumers = got.map((set) => {
      const c = new PushConsumer({
        namesrvAddr: cluster.namesrvAddr,
        consumerGroup: group,
        messageModel: 'BROADCASTING',
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        offsetStoreDir: `${tmpdir()}/rmq-bcast-${process.pid}`,
      });
      c.subscribe(topic);
      c.registerMessageListener({
        type: 'concurrently',
        consume: (msgs) => {
          for (const m of msgs) set.add(m.body.toString());
        },
      });
      return c;
    });
    for (const c of consumers) await c.start();
    try {
      for (let i = 0; i < 20; i++) await producer.send({ topic, body: `b${i}` });
      await eventually(() => got.every((s) => s.size === 20), {
        timeoutMs: 20_000,
        message: 'both members got all 20',
      });
      for (const c of consumers) assert.equal(c.assignedQueues().length, 2);
    } finally {
      for (const c of consumers) await c.shutdown();
    }
  });

  it('retries failed messages and moves them to the DLQ after maxReconsumeTimes', async () => {
    const topic = unique('T_dlq');
    await createTopic(cluster, topic, 1);
    const group = unique('G_dlq');
    const deliveries: MessageExt[] = [];
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      maxReconsumeTimes: 2,
      persistConsumerOffsetIntervalMs: 200,
    });
    consumer.subscribe(topic);
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs) => {
        deliveries.push(...msgs);
        return 'RECONSUME_LATER';
      },
    });
    await consumer.start();
    const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
    try {
      const sent = await producer.send({ topic, body: 'poison', keys: 'poison-key' });
      await eventually(() => deliveries.length >= 3, { timeoutMs: 30_000, message: '3 deliveries' });
      assert.deepEqual(
        deliveries.slice(0, 3).map((m) => m.reconsumeTimes),
        [0, 1, 2],
      );
      for (const m of deliveries) {
        assert.equal(m.topic, topic, 'retries show the original topic');
        assert.equal(m.msgId, sent.msgId);
      }
      const dlq = await eventually(
        async () => {
          const stats = await admin.topicStats(dlqTopic(group)).catch(() => []);
          return stats.reduce((s, q) => s + q.maxOffset, 0) >= 1 ? stats : undefined;
        },
        { timeoutMs: 20_000, message: 'message in the DLQ' },
      );
      assert.ok(dlq.length >= 1);
      // Once every queue of the group (the topic and its %RETRY% topic) is consumed and the
      // offsets are committed, nothing is left that could be delivered again.
      await eventually(
        async () => {
          const p = await admin.consumeStats(group).catch(() => undefined);
          const retry = p?.queues.filter((q) => q.mq.topic === retryTopic(group)) ?? [];
          return (
            retry.reduce((s, q) => s + q.brokerOffset, 0) >= 2 &&
            p!.queues.every((q) => q.consumerOffset === q.brokerOffset)
          );
        },
        { timeoutMs: 20_000, message: 'every queue of the group consumed and committed' },
      );
      assert.equal(deliveries.length, 3, 'no delivery after the DLQ');
    } finally {
      await admin.close();
      await consumer.shutdown();
    }
  });

  it('lite pull: assign, poll, commitSync, seek', async () => {
    const topic = unique('T_lite');
    await createTopic(cluster, topic, 2);
    const mq = { topic, brokerName: 'broker-a', queueId: 0 };
    for (let i = 0; i < 10; i++) await producer.send({ topic, body: `l${i}` }, { queue: mq });
    const group = unique('G_lite');
    const lite = new LitePullConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      autoCommit: false,
    });
    lite.assign([mq]);
    await lite.start();
    try {
      const got: MessageExt[] = [];
      while (got.length < 10) {
        const batch = await lite.poll(5000);
        assert.ok(batch.length > 0, 'poll returned messages');
        got.push(...batch);
      }
      assert.deepEqual(
        got.map((m) => m.queueOffset),
        [...Array(10).keys()],
      );
      await lite.commitSync();
      assert.equal(await lite.committed(mq), 10);
      await lite.seek(mq, 3);
      const again = await lite.poll(5000);
      assert.equal(again[0]?.queueOffset, 3);
      assert.equal(again[0]?.body.toString(), 'l3');
    } finally {
      await lite.shutdown();
    }
    // A new consumer of the group resumes from the committed offset.
    const lite2 = new LitePullConsumer({ namesrvAddr: cluster.namesrvAddr, consumerGroup: group });
    lite2.subscribe(topic);
    await lite2.start();
    try {
      await producer.send({ topic, body: 'after' }, { queue: mq });
      const batch = await eventually(
        async () => {
          const b = await lite2.poll(1000);
          return b.length > 0 ? b : undefined;
        },
        // Shorter than one periodic rebalance (20 s): the replacement must get its queues
        // from its start-up rebalance, not from the next periodic one.
        { timeoutMs: 15_000, message: 'lite2 poll' },
      );
      assert.ok(batch[0]!.queueOffset >= 3, `resumed at ${batch[0]!.queueOffset}`);
    } finally {
      await lite2.shutdown();
    }
  });

  it('resetOffsetByTime rewinds a running consumer', async () => {
    const topic = unique('T_reset');
    await createTopic(cluster, topic, 2);
    const group = unique('G_reset');
    const counts = new Map<string, number>();
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe(topic);
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs) => {
        for (const m of msgs) counts.set(m.body.toString(), (counts.get(m.body.toString()) ?? 0) + 1);
      },
    });
    await consumer.start();
    const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
    try {
      for (let i = 0; i < 10; i++) await producer.send({ topic, body: `r${i}` });
      await eventually(() => counts.size === 10, { timeoutMs: 15_000, message: 'first pass' });
      const reset = await admin.resetOffsetByTime(group, topic, 0);
      assert.equal(reset.length, 2);
      await eventually(() => [...counts.values()].every((n) => n >= 2), {
        timeoutMs: 20_000,
        message: 'consumed again after the reset',
      });
    } finally {
      await admin.close();
      await consumer.shutdown();
    }
  });

  it('delivers a delayed message only after its delay level', async () => {
    const topic = unique('T_delay');
    await createTopic(cluster, topic, 1);
    const arrivals: { body: string; at: number }[] = [];
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_delay'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe(topic);
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs) => {
        for (const m of msgs) arrivals.push({ body: m.body.toString(), at: Date.now() });
      },
    });
    await consumer.start();
    try {
      const sentAt = Date.now();
      await producer.send({ topic, body: 'later', delayTimeLevel: 1 });
      await producer.send({ topic, body: 'now' });
      await eventually(() => arrivals.length === 2, { timeoutMs: 15_000, message: 'both messages' });
      assert.deepEqual(
        arrivals.map((a) => a.body),
        ['now', 'later'],
      );
      // Level 1 is 1 s in the test cluster's messageDelayLevel.
      assert.ok(arrivals[1]!.at - sentAt >= 900, `delayed by ${arrivals[1]!.at - sentAt} ms`);
    } finally {
      await consumer.shutdown();
    }
  });

  it('lite pull auto-commit stores what poll returned', async () => {
    const topic = unique('T_autocommit');
    await createTopic(cluster, topic, 1);
    const mq = { topic, brokerName: 'broker-a', queueId: 0 };
    for (let i = 0; i < 5; i++) await producer.send({ topic, body: `a${i}` });
    const lite = new LitePullConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_autocommit'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      autoCommitIntervalMs: 100,
    });
    lite.subscribe(topic);
    await lite.start();
    try {
      let n = 0;
      while (n < 5) n += (await lite.poll(5000)).length;
      // A poll commits once autoCommitIntervalMs has passed since the last commit.
      await eventually(
        async () => {
          await lite.poll(10);
          return (await lite.committed(mq)) === 5;
        },
        { message: 'auto-committed' },
      );
    } finally {
      await lite.shutdown();
    }
  });

  it('stops pulling a queue that holds pullThresholdForQueue unacknowledged messages', async () => {
    const topic = unique('T_flow');
    await createTopic(cluster, topic, 1);
    const group = unique('G_flow');
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let consumed = 0;
    const flowControlLogs: string[] = [];
    const capture: Logger = {
      ...silentLogger,
      warn: (_obj, msg) => {
        if (msg?.startsWith('flow control')) flowControlLogs.push(msg);
      },
      child: () => capture,
    };
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      consumeThreadMax: 1,
      pullThresholdForQueue: 10,
      pullBatchSize: 8,
      logger: capture,
    });
    consumer.subscribe(topic);
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: async (msgs) => {
        await gate;
        consumed += msgs.length;
      },
    });
    const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
    await consumer.start();
    try {
      await producer.sendBatch(Array.from({ length: 100 }, (_, i) => ({ topic, body: `f${i}` })));
      const cached = await eventually(
        async () => {
          const info = await admin.consumerRunningInfo(group, consumer.clientId);
          const q = info.queues.find((x) => x.mq.topic === topic);
          return q && q.cachedMsgCount > 0 ? q.cachedMsgCount : undefined;
        },
        { timeoutMs: 10_000, message: 'messages cached' },
      );
      // The pull loop has met the threshold (it logs the first time) and stopped pulling.
      await eventually(() => flowControlLogs.length > 0, { timeoutMs: 10_000, message: 'flow control' });
      const info = await admin.consumerRunningInfo(group, consumer.clientId);
      const held = info.queues.find((x) => x.mq.topic === topic)!.cachedMsgCount;
      assert.ok(cached <= 18 && held <= 18, `held ${held} (threshold 10 + one batch of 8)`);
      assert.ok(held > 10, `flow control began only over the threshold (held ${held})`);
      release();
      await eventually(() => consumed === 100, { timeoutMs: 15_000, message: 'all 100 after release' });
    } finally {
      release();
      await admin.close();
      await consumer.shutdown();
    }
  });

  it('broadcasting resumes from its offset file after a restart', async () => {
    const topic = unique('T_bfile');
    await createTopic(cluster, topic, 2);
    const group = unique('G_bfile');
    const dir = `${tmpdir()}/rmq-bfile-${process.pid}-${Date.now()}`;
    const run = async (expect: string[], total: number) => {
      const got = new Set<string>();
      const c = new PushConsumer({
        namesrvAddr: cluster.namesrvAddr,
        consumerGroup: group,
        instanceName: 'fixed-instance',
        messageModel: 'BROADCASTING',
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        offsetStoreDir: dir,
      });
      c.subscribe(topic);
      c.registerMessageListener({
        type: 'concurrently',
        consume: (msgs) => {
          for (const m of msgs) got.add(m.body.toString());
        },
      });
      await c.start();
      try {
        // Shorter than one periodic rebalance (20 s), as in the lite pull test above.
        await eventually(() => expect.every((b) => got.has(b)), { timeoutMs: 15_000, message: expect.join(',') });
        // The consumed messages' offsets have reached the offset table (shutdown writes it out).
        await eventually(
          async () => {
            const info = await c.runningInfo();
            const mqs = [...(info.mqTable as Map<{ topic: string }, { commitOffset: number }>)];
            return mqs.filter(([mq]) => mq.topic === topic).reduce((sum, [, q]) => sum + q.commitOffset, 0) === total;
          },
          { message: `offsets at ${total}` },
        );
      } finally {
        await c.shutdown();
      }
      return got;
    };
    for (let i = 0; i < 4; i++) await producer.send({ topic, body: `first${i}` });
    await run(['first0', 'first1', 'first2', 'first3'], 4);
    for (let i = 0; i < 4; i++) await producer.send({ topic, body: `second${i}` });
    const second = await run(['second0', 'second1', 'second2', 'second3'], 8);
    assert.ok(![...second].some((b) => b.startsWith('first')), `re-consumed: ${[...second].join(',')}`);
  });

  it('clustering resumes from the offsets committed to the broker at shutdown', async () => {
    const topic = unique('T_resume');
    await createTopic(cluster, topic, 2);
    const group = unique('G_resume');
    const run = async (expect: string[]) => {
      const got = new Set<string>();
      const logger = testLogger(`resume-${expect[0]}`);
      const c = new PushConsumer({
        namesrvAddr: cluster.namesrvAddr,
        consumerGroup: group,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        ...(logger ? { logger } : {}),
      });
      c.subscribe(topic);
      c.registerMessageListener({
        type: 'concurrently',
        consume: (msgs) => {
          for (const m of msgs) got.add(m.body.toString());
        },
      });
      await c.start();
      try {
        // Shorter than one periodic rebalance (20 s), as in the lite pull test above.
        await eventually(() => expect.every((b) => got.has(b)), { timeoutMs: 15_000, message: expect.join(',') });
      } finally {
        await c.shutdown();
      }
      return got;
    };
    for (let i = 0; i < 4; i++) await producer.send({ topic, body: `old${i}` });
    await run(['old0', 'old1', 'old2', 'old3']);
    for (let i = 0; i < 4; i++) await producer.send({ topic, body: `new${i}` });
    const second = await run(['new0', 'new1', 'new2', 'new3']);
    assert.ok(![...second].some((b) => b.startsWith('old')), `re-consumed: ${[...second].join(',')}`);
  });
});
