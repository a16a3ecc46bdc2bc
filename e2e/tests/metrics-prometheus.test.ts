import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type MessageExt, Producer, PushConsumer } from '@rocketmq-ts/client';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, startCluster, type TestCluster, unique } from './client-support.js';

// Issue 16: /metrics after known traffic shows exact per-topic and per-group counts, and a
// consumer stopped mid-stream shows the exact lag.

function scrape(port: number): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          text: Buffer.concat(chunks).toString(),
        }),
      );
    }).on('error', reject);
  });
}

/** The value of the one sample of `name` whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const close = line.lastIndexOf('}');
    const labelText = close < 0 ? '' : line.slice(name.length + 1, close);
    const have = new Map<string, string>();
    for (const m of labelText.matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) have.set(m[1]!, m[2]!);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('metrics: Prometheus endpoint of rocketmq-ts start', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster({ metricsExporterType: 'PROM' });
  });
  after(async () => {
    await cluster.shutdown();
  });

  it('serves RocketMQ 5.x metric names with exact per-topic and per-group counts', async () => {
    assert.ok(cluster.metricsPort > 0, 'the endpoint is listening');
    const topic = unique('T_metrics');
    const group = unique('G_metrics');
    await createTopic(cluster, topic);
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: unique('P_metrics') });
    await producer.start();
    const got = new Set<string>();
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      persistConsumerOffsetIntervalMs: 200,
    });
    consumer.subscribe(topic, '*');
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs: MessageExt[]) => {
        for (const m of msgs) got.add(m.body.toString());
        return 'CONSUME_SUCCESS';
      },
    });
    try {
      for (let i = 0; i < 10; i++) await producer.send({ topic, body: `m-${i}` });
      await producer.sendBatch([
        { topic, body: 'b-0' },
        { topic, body: 'b-1' },
        { topic, body: 'b-2' },
      ]);
      // Random bytes: a compressible body would be stored compressed, below 4 KiB.
      await producer.send({ topic, body: randomBytes(8 * 1024) });
      await consumer.start();
      await eventually(() => got.size === 14, { timeoutMs: 20_000, message: 'all 14 consumed' });
      const labels = { topic, message_type: 'normal', is_system: 'false', cluster: 'DefaultCluster' };
      const text = await eventually(
        async () => {
          const r = await scrape(cluster.metricsPort);
          return sample(r.text, 'rocketmq_consumer_lag_messages', { topic, consumer_group: group }) === 0
            ? r.text
            : undefined;
        },
        { timeoutMs: 20_000, message: 'lag 0 after consuming everything' },
      );
      assert.equal(sample(text, 'rocketmq_messages_in_total', labels), 14);
      assert.equal(sample(text, 'rocketmq_messages_out_total', { topic, consumer_group: group }), 14);
      assert.ok(sample(text, 'rocketmq_throughput_in_total', labels)! > 8 * 1024 + 13 * 3);
      assert.equal(
        sample(text, 'rocketmq_throughput_in_total', labels),
        sample(text, 'rocketmq_throughput_out_total', { topic, consumer_group: group }),
        'every stored byte was read once',
      );
      // The 8 KiB message lands above the 4 KiB bucket; the rest below 1 KiB.
      assert.equal(sample(text, 'rocketmq_message_size_count', labels), 14);
      assert.equal(sample(text, 'rocketmq_message_size_bucket', { ...labels, le: '1024' }), 13);
      assert.equal(sample(text, 'rocketmq_message_size_bucket', { ...labels, le: '4096' }), 13);
      assert.equal(sample(text, 'rocketmq_message_size_bucket', { ...labels, le: '524288' }), 14);
      assert.equal(sample(text, 'rocketmq_consumer_inflight_messages', { topic, consumer_group: group }), 0);
      assert.equal(sample(text, 'rocketmq_consumer_ready_messages', { topic, consumer_group: group }), 0);
      // SEND_MESSAGE_V2 (310) answered SUCCESS 11 times, the batch (320) once.
      assert.equal(sample(text, 'rocketmq_rpc_latency_count', { request_code: '310', response_code: '0' }), 11);
      assert.equal(sample(text, 'rocketmq_rpc_latency_count', { request_code: '320', response_code: '0' }), 1);
      assert.ok(sample(text, 'rocketmq_topic_number', { node_type: 'broker', node_id: 'broker-a' })! >= 1);
      assert.ok(sample(text, 'rocketmq_consumer_group_number', {})! >= 1);
      assert.ok(sample(text, 'rocketmq_connections', {})! >= 2, 'producer and consumer connections');
      assert.equal(sample(text, 'rocketmq_consumer_connections', { consumer_group: group, consume_mode: 'push' }), 1);
      assert.ok(sample(text, 'rocketmq_storage_size', {})! > 0);
      assert.ok(sample(text, 'rocketmq_storage_dispatch_behind_bytes', {})! >= 0);
      assert.ok(sample(text, 'nodejs_heap_size_used_bytes', {})! > 0);
      assert.ok(sample(text, 'nodejs_eventloop_lag_p99_seconds', {})! >= 0);
      assert.match(text, /# TYPE rocketmq_messages_in_total counter/);
      assert.match(text, /# TYPE rocketmq_message_size histogram/);
      assert.match(text, /# TYPE rocketmq_consumer_lag_messages gauge/);
    } finally {
      await consumer.shutdown();
      await producer.shutdown();
    }
  });

  it('shows the exact lag, ready and lag latency of a consumer stopped mid-stream', async () => {
    const topic = unique('T_lag');
    const group = unique('G_lag');
    await createTopic(cluster, topic);
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: unique('P_lag') });
    await producer.start();
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      persistConsumerOffsetIntervalMs: 200,
    });
    let consumed = 0;
    consumer.subscribe(topic, '*');
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs: MessageExt[]) => {
        consumed += msgs.length;
        return 'CONSUME_SUCCESS';
      },
    });
    try {
      for (let i = 0; i < 6; i++) await producer.send({ topic, body: `first-${i}` });
      await consumer.start();
      await eventually(() => consumed === 6, { timeoutMs: 20_000, message: 'first 6 consumed' });
      await eventually(
        async () =>
          sample((await scrape(cluster.metricsPort)).text, 'rocketmq_consumer_lag_messages', {
            topic,
            consumer_group: group,
          }) === 0,
        { timeoutMs: 20_000, message: 'offsets of the first 6 committed' },
      );
      await consumer.shutdown();
      // Gone from the broker: no pull of it is held any more to take the next messages.
      await eventually(
        async () =>
          sample((await scrape(cluster.metricsPort)).text, 'rocketmq_consumer_connections', {
            consumer_group: group,
          }) === undefined,
        { timeoutMs: 10_000, message: 'consumer connection closed' },
      );
      const sentAt = Date.now();
      for (let i = 0; i < 9; i++) await producer.send({ topic, body: `second-${i}` });
      const who = { topic, consumer_group: group, is_retry: 'false' };
      // The last sends may still be on their way into the ConsumeQueue (dispatch follows the append).
      const text = await eventually(
        async () => {
          const r = await scrape(cluster.metricsPort);
          return sample(r.text, 'rocketmq_consumer_lag_messages', who) === 9 ? r.text : undefined;
        },
        { timeoutMs: 10_000, message: 'lag of the 9 unconsumed messages' },
      );
      assert.equal(sample(text, 'rocketmq_consumer_ready_messages', who), 9);
      assert.equal(sample(text, 'rocketmq_consumer_inflight_messages', who), 0);
      const latency = sample(text, 'rocketmq_consumer_lag_latency', who)!;
      assert.ok(latency >= 0 && latency <= Date.now() - sentAt + 1000, `lag latency ${latency} ms`);
      assert.equal(sample(text, 'rocketmq_messages_out_total', { topic, consumer_group: group }), 6);
    } finally {
      await consumer.shutdown();
      await producer.shutdown();
    }
  });

  it('counts timer messages filed and fired (rocketmq_timer_*), and stamps MSG_REGION / TRACE_ON on stored messages', async () => {
    const topic = unique('T_metrics_timer');
    await createTopic(cluster, topic);
    const before = await scrape(cluster.metricsPort);
    const enq0 = sample(before.text, 'rocketmq_timer_enqueue_total', {}) ?? 0;
    const deq0 = sample(before.text, 'rocketmq_timer_dequeue_total', {}) ?? 0;
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: unique('P_metrics_timer') });
    await producer.start();
    const bodies = new Map<string, MessageExt>();
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_metrics_timer'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe(topic, '*');
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs: MessageExt[]) => {
        for (const m of msgs) bodies.set(m.body.toString(), m);
        return 'CONSUME_SUCCESS';
      },
    });
    try {
      await consumer.start();
      const at = Date.now() + 1500;
      for (let i = 0; i < 3; i++) await producer.send({ topic, body: `t-${i}`, deliveryTimestamp: at });
      await producer.send({ topic, body: 'plain' });
      await eventually(async () => {
        const { text } = await scrape(cluster.metricsPort);
        return sample(text, 'rocketmq_timer_enqueue_total', {}) === enq0 + 3;
      });
      await eventually(
        async () => {
          if (bodies.size < 4) return false;
          const { text } = await scrape(cluster.metricsPort);
          assert.equal(sample(text, 'rocketmq_timer_dequeue_total', {}), deq0 + 3);
          assert.equal(sample(text, 'rocketmq_timer_enqueue_lag', {}), 0);
          assert.ok(sample(text, 'rocketmq_timer_dequeue_latency', {}) !== undefined, 'dequeue latency exported');
          return true;
        },
        { timeoutMs: 20_000 },
      );
      // Java's broker writes its region and trace switch into every stored message, which Java
      // consumers' trace hooks need (a record without MSG_REGION is dropped by their dispatcher).
      for (const m of bodies.values()) {
        assert.equal(m.properties.get('MSG_REGION'), 'DefaultRegion');
        assert.equal(m.properties.get('TRACE_ON'), 'true');
      }
    } finally {
      await consumer.shutdown();
      await producer.shutdown();
    }
  });

  it('answers 404 off /metrics and 405 to other methods', async () => {
    const status = (path: string, method = 'GET') =>
      new Promise<number>((resolve, reject) => {
        const req = get({ host: '127.0.0.1', port: cluster.metricsPort, path, method }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
      });
    assert.equal(await status('/nope'), 404);
    assert.equal(await status('/metrics', 'POST'), 405);
    const r = await scrape(cluster.metricsPort);
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/plain; version=0\.0\.4/);
  });
});
