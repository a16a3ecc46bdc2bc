import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MessageExt, Producer, PushConsumer } from '@rocketmq-ts/client';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, runChild, startCluster, type TestCluster, unique } from './client-support.js';

// Interoperability with ali-ons, an independent pure-JS RocketMQ client, in a child process
// (it never closes its inner producer, so it must exit with process.exit()).
describe('client ↔ ali-ons', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster.shutdown();
  });

  it('SDK producer → ali-ons consumer', async () => {
    const topic = unique('T_to_ons');
    await createTopic(cluster, topic);
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr });
    await producer.start();
    const sent: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const r = await producer.send({
          topic,
          body: `sdk-${i}`,
          tags: 'TagA',
          keys: [`k${i}`],
          properties: { origin: 'sdk' },
        });
        sent.push(r.offsetMsgId);
      }
      // A compressed body too: ali-ons inflates bodies whose sysFlag has bit 0.
      await producer.send({ topic, body: `sdk-big-${'z'.repeat(10_000)}`, tags: 'TagA' });
    } finally {
      await producer.shutdown();
    }
    const r = await runChild(
      './client-alions-child.js',
      ['consume', cluster.namesrvAddr, topic, unique('ONS_G'), '6'],
      45_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const got = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(
        (l) =>
          JSON.parse(l) as { body: string; tags: string; keys: unknown; msgId: string; props: Record<string, string> },
      );
    const bodies = new Set(got.map((g) => g.body));
    for (let i = 0; i < 5; i++) assert.ok(bodies.has(`sdk-${i}`), `sdk-${i}`);
    assert.ok(
      [...bodies].some((b) => b.startsWith('sdk-big-') && b.length > 10_000),
      'compressed body inflated by ali-ons',
    );
    const first = got.find((g) => g.body === 'sdk-0')!;
    assert.equal(first.tags, 'TagA');
    // ali-ons exposes keys as the raw KEYS string.
    assert.equal(String(first.keys), 'k0');
    assert.equal(first.props.origin, 'sdk');
    assert.ok(sent.includes(first.msgId), 'ali-ons sees the offset msgId the broker returned');
  });

  it('ali-ons producer → SDK consumer', async () => {
    const topic = unique('T_from_ons');
    await createTopic(cluster, topic);
    const got = new Map<string, MessageExt>();
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_from_ons'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe(topic, 'TagA');
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs) => {
        for (const m of msgs) got.set(m.body.toString(), m);
      },
    });
    await consumer.start();
    try {
      const r = await runChild('./client-alions-child.js', ['produce', cluster.namesrvAddr, topic, '5'], 45_000);
      assert.equal(r.code, 0, r.stderr);
      await eventually(() => got.size >= 5, { timeoutMs: 20_000, message: '5 messages from ali-ons' });
      const m = got.get('ons-3')!;
      assert.equal(m.tags, 'TagA');
      assert.deepEqual(m.keys, ['key-3']);
      assert.equal(m.topic, topic);
    } finally {
      await consumer.shutdown();
    }
  });
});
