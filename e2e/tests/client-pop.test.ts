import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ClientErrorCode,
  dlqTopic,
  type MessageExt,
  MQAdmin,
  MQClientError,
  type PopMessage,
  Producer,
  PushConsumer,
  SimpleConsumer,
  type SimpleConsumerOptions,
  selectMessageQueueByHash,
} from '@rocketmq-ts/client';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, startCluster, type TestCluster, testLogger, unique } from './client-support.js';

// Pop consumption (RocketMQ 5.x) from the SDK side: SimpleConsumer and the PushConsumer's Pop
// mode against a NameServer and broker on real sockets. Redelivery waits on the broker's
// revive service (invisible time + about 2 s), so invisible times here are 1–2 s.

describe('client Pop consumption', () => {
  let cluster: TestCluster;
  let producer: Producer;
  const open: { shutdown(): Promise<void> }[] = [];
  before(async () => {
    cluster = await startCluster();
    producer = new Producer({ namesrvAddr: cluster.namesrvAddr });
    await producer.start();
  });
  after(async () => {
    for (const c of open) await c.shutdown().catch(() => undefined);
    await producer.shutdown();
    await cluster.shutdown();
  });

  async function simple(topic: string, o: Partial<SimpleConsumerOptions> = {}): Promise<SimpleConsumer> {
    const c = new SimpleConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_pop'),
      subscriptions: { [topic]: '*' },
      awaitDuration: 1000,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      logger: testLogger('simple'),
      ...o,
    });
    await c.start();
    open.push(c);
    return c;
  }

  async function sendAll(topic: string, n: number, prefix = 'm'): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await producer.send({ topic, body: `${prefix}${i}` })).msgId);
    return ids;
  }

  /** Receives until `want` messages came (or `timeoutMs` passed): every receive long-polls. */
  async function receiveUntil(
    c: SimpleConsumer,
    want: (got: PopMessage[]) => boolean,
    invisibleMs: number,
    timeoutMs = 20_000,
  ): Promise<PopMessage[]> {
    const got: PopMessage[] = [];
    await eventually(
      async () => {
        got.push(...(await c.receive(32, invisibleMs)));
        return want(got);
      },
      { timeoutMs, intervalMs: 0, message: 'messages received' },
    );
    return got;
  }

  it('receives with receipt handles and acks; an acked message is not delivered again', async () => {
    const topic = unique('T_pop_ack');
    await createTopic(cluster, topic, 2);
    const ids = await sendAll(topic, 10);
    const c = await simple(topic);
    const got = await receiveUntil(c, (g) => g.length >= 10, 2000);
    assert.deepEqual(new Set(got.map((m) => m.msgId)), new Set(ids));
    for (const m of got) {
      assert.equal(m.topic, topic);
      assert.equal(m.reconsumeTimes, 0);
      assert.equal(m.deliveryAttempt, 1);
      assert.match(m.receiptHandle, /^\d+ \d+ 2000 \d+ 0 \S+ \d+ \d+$/);
    }
    await Promise.all(got.map((m) => c.ack(m)));
    // Past the invisible time and a revive pass, nothing comes back.
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline) assert.deepEqual(await c.receive(32, 2000), []);
  });

  it('redelivers a message whose invisible time ran out, with reconsumeTimes + 1, and not the acked one', async () => {
    const topic = unique('T_pop_expire');
    await createTopic(cluster, topic, 1);
    const [kept, dropped] = await sendAll(topic, 2);
    const c = await simple(topic);
    const first = await receiveUntil(c, (g) => g.length >= 2, 1000);
    const acked = first.find((m) => m.msgId === kept)!;
    await c.ack(acked);
    const again = await receiveUntil(c, (g) => g.some((m) => m.msgId === dropped), 60_000);
    assert.ok(!again.some((m) => m.msgId === kept), 'the acked message stays consumed');
    const back = again.find((m) => m.msgId === dropped)!;
    assert.equal(back.reconsumeTimes, 1);
    assert.equal(back.deliveryAttempt, 2);
    assert.equal(back.topic, topic);
    assert.equal(back.body.toString(), 'm1');
    await c.ack(back);
    // The first handle of the redelivered message is expired: acking with it is refused.
    const stale = first.find((m) => m.msgId === dropped)!;
    await assert.rejects(
      c.ack(stale),
      (e: unknown) => e instanceof MQClientError && e.code === ClientErrorCode.INVALID_RECEIPT_HANDLE,
    );
  });

  it('changeInvisibleDuration shortens and extends the invisibility', async () => {
    const topic = unique('T_pop_change');
    await createTopic(cluster, topic, 1);
    const [shortId, longId] = await sendAll(topic, 2);
    const c = await simple(topic);
    const got = await receiveUntil(c, (g) => g.length >= 2, 60_000);
    const short = got.find((m) => m.msgId === shortId)!;
    const long = got.find((m) => m.msgId === longId)!;
    const oldHandle = long.receiptHandle;
    await c.changeInvisibleDuration(short, 0);
    // Received at 60 s, changed to 1.5 s then to 60 s: it must not come back at ~3.5 s.
    await c.changeInvisibleDuration(long, 1500);
    await c.changeInvisibleDuration(long, 60_000);
    assert.notEqual(long.receiptHandle, oldHandle, 'a change gives a new handle');
    const t0 = Date.now();
    const back = await receiveUntil(c, (g) => g.some((m) => m.msgId === shortId), 30_000);
    assert.ok(Date.now() - t0 < 30_000, 'shortened: back long before its original 60 s');
    assert.equal(back.find((m) => m.msgId === shortId)!.reconsumeTimes, 1);
    // Wait past when the 1.5 s invisibility would have ended plus revive time.
    const deadline = Date.now() + 4500;
    while (Date.now() < deadline) {
      assert.ok(!(await c.receive(32, 60_000)).some((m) => m.msgId === longId), 'extended: stays invisible');
    }
    await c.ack(long);
  });

  it('moves a message to %DLQ%<group> once it used up maxReconsumeTimes', async () => {
    const topic = unique('T_pop_dlq');
    await createTopic(cluster, topic, 1);
    const group = unique('G_pop_dlq');
    const [id] = await sendAll(topic, 1, 'poison');
    const c = await simple(topic, { consumerGroup: group, maxReconsumeTimes: 1 });
    const seen: number[] = [];
    const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
    try {
      await eventually(
        async () => {
          for (const m of await c.receive(32, 1000)) if (m.msgId === id) seen.push(m.reconsumeTimes);
          const stats = await admin.topicStats(dlqTopic(group)).catch(() => []);
          return stats.reduce((s, q) => s + q.maxOffset, 0) >= 1;
        },
        { timeoutMs: 40_000, intervalMs: 0, message: 'message in the DLQ' },
      );
    } finally {
      await admin.close();
    }
    assert.deepEqual(seen, [0, 1], 'delivered once and retried once, then dead-lettered');
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) assert.deepEqual(await c.receive(32, 1000), [], 'not delivered after the DLQ');
  });

  it('16 simple consumers sharing one queue get disjoint messages, all of them', async () => {
    const topic = unique('T_pop_share');
    await createTopic(cluster, topic, 1);
    const group = unique('G_pop_share');
    const n = 300;
    const consumers = await Promise.all(Array.from({ length: 16 }, () => simple(topic, { consumerGroup: group })));
    const ids = new Set(await sendAll(topic, n));
    const byConsumer = consumers.map(() => [] as string[]);
    let total = 0;
    let stop = false;
    const loops = consumers.map(async (c, i) => {
      while (!stop) {
        const msgs = await c.receive(4, 60_000);
        for (const m of msgs) byConsumer[i]!.push(m.msgId);
        total += msgs.length;
        await Promise.all(msgs.map((m) => c.ack(m)));
      }
    });
    try {
      await eventually(() => total >= n, { timeoutMs: 30_000, message: `${n} messages consumed` });
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    const all = byConsumer.flat();
    assert.equal(all.length, n, 'no message twice (none was redelivered: 60 s invisibility)');
    assert.deepEqual(new Set(all), ids);
    assert.ok(byConsumer.filter((l) => l.length > 0).length > 1, 'the queue was shared');
  });

  it('FIFO: keeps the queue order when a message is redelivered', async () => {
    const topic = unique('T_pop_fifo');
    await createTopic(cluster, topic, 1);
    await sendAll(topic, 10, 'f');
    const c = await simple(topic, { fifo: true });
    const acked: string[] = [];
    const deliveries = new Map<string, number[]>();
    let failedOnce = false;
    await eventually(
      async () => {
        for (const m of await c.receive(3, 1000)) {
          const body = m.body.toString();
          deliveries.set(body, [...(deliveries.get(body) ?? []), m.reconsumeTimes]);
          // f4 fails once: neither it nor what follows it in the batch is acked.
          if (body === 'f4' && !failedOnce) {
            failedOnce = true;
            break;
          }
          if (acked.includes(body)) continue;
          await c.ack(m);
          acked.push(body);
        }
        return acked.length >= 10;
      },
      { timeoutMs: 30_000, intervalMs: 0, message: 'all FIFO messages acked' },
    );
    assert.deepEqual(
      acked,
      Array.from({ length: 10 }, (_, i) => `f${i}`),
      'acked in queue order',
    );
    assert.deepEqual(deliveries.get('f4'), [0, 1], 'f4 came back once, with reconsumeTimes 1');
  });

  it('push consumer in Pop mode consumes a stream; a failed message comes back with reconsumeTimes + 1', async () => {
    const topic = unique('T_pop_push');
    await createTopic(cluster, topic, 4);
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_pop_push'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      clientRebalance: false,
      popDelayLevel: [1],
      brokerSuspendMaxTimeMillis: 1000,
      logger: testLogger('push-pop'),
    });
    const done = new Map<string, MessageExt>();
    const failed = new Set<string>();
    consumer.subscribe(topic);
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs) => {
        for (const m of msgs) {
          const body = m.body.toString();
          if (body.endsWith('7') && !failed.has(body)) {
            failed.add(body);
            return 'RECONSUME_LATER';
          }
          done.set(body, m);
        }
        return 'CONSUME_SUCCESS';
      },
    });
    await consumer.start();
    open.push(consumer);
    assert.deepEqual(
      consumer.assignedQueues().map((q) => q.queueId),
      [-1],
      'no client-side queue allocation',
    );
    const n = 100;
    const sending = sendAll(topic, n, 's');
    await sending;
    await eventually(() => done.size >= n, { timeoutMs: 40_000, message: `${n} messages consumed` });
    assert.equal(failed.size, 10);
    for (const body of failed) assert.equal(done.get(body)!.reconsumeTimes, 1, `${body} retried once`);
    for (const [body, m] of done) if (!failed.has(body)) assert.equal(m.reconsumeTimes, 0);
  });

  it('push consumer in Pop mode with an orderly listener keeps per-queue order through failures', async () => {
    const topic = unique('T_pop_push_fifo');
    await createTopic(cluster, topic, 2);
    const seen = new Map<string, number[]>();
    const failedOnce = new Set<string>();
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_pop_push_fifo'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      clientRebalance: false,
      brokerSuspendMaxTimeMillis: 1000,
      logger: testLogger('push-pop-fifo'),
    });
    consumer.subscribe(topic);
    consumer.registerMessageListener({
      type: 'orderly',
      consume: (msgs, ctx) => {
        ctx.suspendCurrentQueueTimeMillis = 200;
        const body = msgs[0]!.body.toString();
        const [order, seq] = body.split(':') as [string, string];
        if (Number(seq) % 5 === 2 && !failedOnce.has(body)) {
          failedOnce.add(body);
          return 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
        }
        seen.set(order, [...(seen.get(order) ?? []), Number(seq)]);
        return 'SUCCESS';
      },
    });
    await consumer.start();
    open.push(consumer);
    const orders = ['o1', 'o2'];
    for (let seq = 0; seq < 10; seq++) {
      for (const o of orders) {
        await producer.send({ topic, body: `${o}:${seq}` }, { selector: selectMessageQueueByHash, arg: o });
      }
    }
    await eventually(() => [...seen.values()].reduce((n, l) => n + l.length, 0) >= 20, {
      timeoutMs: 40_000,
      message: '20 ordered messages',
    });
    assert.ok(failedOnce.size >= 4);
    for (const o of orders) assert.deepEqual(seen.get(o), [...Array(10).keys()], `order ${o}`);
  });
});
