import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ClientTransport,
  LitePullConsumer,
  type MessageExt,
  MQBrokerError,
  Producer,
  type ProducerOptions,
  type SendResult,
} from '@rocketmq-ts/client';
import { RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, startCluster, type TestCluster, unique } from './client-support.js';

// Producer auto-batching (autoBatch: true) against a real NameServer and broker: concurrent sends
// leave as SEND_BATCH_MESSAGE requests and every caller gets its own result.

/** The real remoting client, counting the send requests by code. */
function countingTransport(counts: Map<number, number>): () => ClientTransport {
  return () => {
    const inner = new RemotingClient({});
    return {
      invoke(addr, cmd, timeoutMs) {
        counts.set(cmd.code, (counts.get(cmd.code) ?? 0) + 1);
        return inner.invoke(addr, cmd, timeoutMs);
      },
      invokeOneway: (addr, cmd) => inner.invokeOneway(addr, cmd),
      registerProcessor: (code, handler) => inner.registerProcessor(code, handler),
      close: () => inner.close(),
    };
  };
}

const MAX_MESSAGE_SIZE = 64 * 1024;

describe('client: producer auto-batching', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster({ maxMessageSize: MAX_MESSAGE_SIZE });
  });
  after(async () => {
    await cluster.shutdown();
  });

  const startProducer = async (extra: Partial<ProducerOptions> = {}): Promise<Producer> => {
    const p = new Producer({
      namesrvAddr: cluster.namesrvAddr,
      producerGroup: unique('P_auto'),
      autoBatch: true,
      ...extra,
    });
    await p.start();
    return p;
  };

  it('resolves each concurrent send with its own id and consecutive queue offsets; consumers read them intact', async () => {
    const topic = unique('T_auto');
    await createTopic(cluster, topic, 4);
    const counts = new Map<number, number>();
    const producer = await startProducer({ transportFactory: countingTransport(counts) });
    const n = 600;
    let results: SendResult[];
    try {
      await producer.fetchPublishMessageQueues(topic);
      results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          producer.send({
            topic,
            body: `body-${i}`,
            tags: i % 2 === 0 ? 'even' : 'odd',
            keys: [`k${i}`, 'shared'],
            flag: i,
            properties: { idx: String(i), note: 'ünïcode ✓' },
          }),
        ),
      );
    } finally {
      await producer.shutdown();
    }
    const batches = counts.get(RequestCode.SEND_BATCH_MESSAGE) ?? 0;
    const singles = counts.get(RequestCode.SEND_MESSAGE_V2) ?? 0;
    assert.ok(batches > 0, 'some sends left as batches');
    assert.ok(batches + singles < n / 4, `${batches} batches + ${singles} singles for ${n} messages`);

    assert.ok(results.every((r) => r.sendStatus === 'SEND_OK'));
    assert.equal(new Set(results.map((r) => r.msgId)).size, n, 'distinct msgIds');
    assert.equal(new Set(results.map((r) => r.offsetMsgId)).size, n, 'distinct offset msgIds');
    // Per queue the offsets are exactly 0 … count-1: distinct and consecutive.
    const byQueue = new Map<number, number[]>();
    for (const r of results) {
      assert.equal(r.messageQueue.topic, topic);
      const list = byQueue.get(r.messageQueue.queueId) ?? [];
      list.push(r.queueOffset);
      byQueue.set(r.messageQueue.queueId, list);
    }
    for (const [q, offsets] of byQueue) {
      offsets.sort((a, b) => a - b);
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => i),
        `queue ${q} offsets`,
      );
    }

    const got = new Map<string, MessageExt>();
    const consumer = new LitePullConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_auto'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe(topic, '*');
    await consumer.start();
    try {
      await eventually(
        async () => {
          for (const m of await consumer.poll(500)) got.set(m.msgId, m);
          return got.size >= n;
        },
        { timeoutMs: 30_000, message: `all ${n} messages consumed` },
      );
    } finally {
      await consumer.shutdown();
    }
    for (let i = 0; i < n; i++) {
      const r = results[i]!;
      const m = got.get(r.msgId);
      assert.ok(m, `message ${i} consumed`);
      assert.equal(m.body.toString(), `body-${i}`);
      assert.equal(m.tags, i % 2 === 0 ? 'even' : 'odd');
      assert.deepEqual(m.keys, [`k${i}`, 'shared']);
      assert.equal(m.flag, i);
      assert.equal(m.properties.get('idx'), String(i));
      assert.equal(m.properties.get('note'), 'ünïcode ✓');
      assert.equal(m.queueId, r.messageQueue.queueId);
      assert.equal(m.queueOffset, r.queueOffset);
      assert.equal(m.offsetMsgId, r.offsetMsgId);
    }
  });

  it('sends a lone message at once, alone, as SEND_MESSAGE_V2', async () => {
    const topic = unique('T_lone');
    await createTopic(cluster, topic, 2);
    const counts = new Map<number, number>();
    // A delay this long would show in the timing if a lone send waited for it.
    const producer = await startProducer({ transportFactory: countingTransport(counts), batchMaxDelayMs: 5_000 });
    try {
      for (let i = 0; i < 3; i++) {
        const t0 = Date.now();
        const r = await producer.send({ topic, body: `alone-${i}` });
        assert.equal(r.sendStatus, 'SEND_OK');
        assert.ok(Date.now() - t0 < 2_000, 'not held for batchMaxDelayMs');
      }
    } finally {
      await producer.shutdown();
    }
    assert.equal(counts.get(RequestCode.SEND_MESSAGE_V2), 3);
    assert.equal(counts.get(RequestCode.SEND_BATCH_MESSAGE) ?? 0, 0);
  });

  it("rejects every caller of a batch with the broker's error", async () => {
    const topic = unique('T_err');
    await createTopic(cluster, topic, 2);
    const counts = new Map<number, number>();
    // Bodies over the broker's maxMessageSize, uncompressed and batched: the broker refuses each request.
    const producer = await startProducer({
      transportFactory: countingTransport(counts),
      compressMsgBodyOverHowmuch: -1,
      batchMaxBytes: 2 * 1024 * 1024,
    });
    const body = Buffer.alloc(MAX_MESSAGE_SIZE + 1, 'e');
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => producer.send({ topic, body })));
      for (const o of outcomes) {
        assert.equal(o.status, 'rejected');
        const e = (o as PromiseRejectedResult).reason as unknown;
        assert.ok(e instanceof MQBrokerError, String(e));
        assert.equal(e.code, ResponseCode.MESSAGE_ILLEGAL);
      }
      assert.ok((counts.get(RequestCode.SEND_BATCH_MESSAGE) ?? 0) >= 1, 'a batch request was refused');
      // The producer still works after a refused batch.
      assert.equal((await producer.send({ topic, body: 'fine' })).sendStatus, 'SEND_OK');
    } finally {
      await producer.shutdown();
    }
  });

  it('flushes held messages on shutdown: every accepted send resolves', async () => {
    const topic = unique('T_flush');
    await createTopic(cluster, topic, 2);
    const producer = await startProducer({ batchMaxDelayMs: 30_000 });
    await producer.fetchPublishMessageQueues(topic);
    const sends = Array.from({ length: 200 }, (_, i) => producer.send({ topic, body: `f${i}` }));
    const closed = producer.shutdown();
    await assert.rejects(producer.send({ topic, body: 'late' }), /not running|closed/i);
    const results = await Promise.all(sends);
    await closed;
    assert.equal(results.length, 200);
    assert.ok(results.every((r) => r.sendStatus === 'SEND_OK'));
    assert.equal(new Set(results.map((r) => `${r.messageQueue.queueId}:${r.queueOffset}`)).size, 200);
  });
});
