import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LitePullConsumer, type MessageExt, MessageSelector, Producer, PushConsumer } from '@rocketmq-ts/client';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, runChild, startCluster, type TestCluster, unique } from './client-support.js';

// Issue 12: SQL92 subscriptions through the SDK against a broker with enablePropertyFilter.

describe('client SQL92 subscriptions', () => {
  let cluster: TestCluster;
  let producer: Producer;
  before(async () => {
    cluster = await startCluster({ enablePropertyFilter: true });
    producer = new Producer({ namesrvAddr: cluster.namesrvAddr });
    await producer.start();
  });
  after(async () => {
    await producer.shutdown();
    await cluster.shutdown();
  });

  /** Ten messages with properties n (0..9), kind (even/odd) and, for some, color. */
  async function sendTen(topic: string): Promise<void> {
    for (let n = 0; n < 10; n++) {
      const properties: Record<string, string> = { n: String(n), kind: n % 2 === 0 ? 'even' : 'odd' };
      if (n % 3 === 0) properties.color = n === 3 ? 'dark-blue' : 'red';
      await producer.send({ topic, body: `m${n}`, tags: n < 5 ? 'Low' : 'High', properties });
    }
  }

  it('push: each operator kind selects the messages it should, and a failed one comes back through retry', async () => {
    const topic = unique('T_sql_push');
    await createTopic(cluster, topic, 2);
    const expression =
      "(n BETWEEN 2 AND 7 AND kind = 'even') OR n IN ('9') OR color ENDSWITH 'blue' OR (TAGS = 'High' AND color IS NOT NULL)";
    // n=2,4,6 (BETWEEN+=), 9 (IN), 3 (ENDSWITH), 6 and 9 (TAGS High with a color) → 2 3 4 6 9
    const got = new Map<string, number>();
    let failedOnce = false;
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_sql_push'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe(topic, MessageSelector.bySql(expression));
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs: MessageExt[]) => {
        for (const m of msgs) {
          const body = m.body.toString();
          if (body === 'm4' && !failedOnce) {
            failedOnce = true;
            return 'RECONSUME_LATER';
          }
          got.set(body, (got.get(body) ?? 0) + 1);
        }
        return 'CONSUME_SUCCESS';
      },
    });
    await consumer.start();
    try {
      await sendTen(topic);
      await eventually(() => got.size >= 5 && got.has('m4'), { timeoutMs: 30_000, message: 'five selected messages' });
      assert.deepEqual([...got.keys()].sort(), ['m2', 'm3', 'm4', 'm6', 'm9']);
      assert.ok(failedOnce, 'm4 failed once and was redelivered from the retry topic');
    } finally {
      await consumer.shutdown();
    }
  });

  it('lite pull: a numeric comparison and NOT', async () => {
    const topic = unique('T_sql_lite');
    await createTopic(cluster, topic, 2);
    await sendTen(topic);
    const consumer = new LitePullConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_sql_lite'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe(topic, MessageSelector.bySql("n >= 5 AND NOT (kind = 'odd')"));
    await consumer.start();
    try {
      const got: string[] = [];
      await eventually(
        async () => {
          for (const m of await consumer.poll(500)) got.push(m.body.toString());
          return got.length >= 2;
        },
        { timeoutMs: 30_000, message: 'two selected messages' },
      );
      assert.deepEqual(got.sort(), ['m6', 'm8']);
    } finally {
      await consumer.shutdown();
    }
  });

  it('ali-ons: subscribe(topic, { expressionType: SQL92, subString }) is filtered by the broker', async () => {
    const topic = unique('T_sql_ons');
    await createTopic(cluster, topic, 2);
    await sendTen(topic);
    const r = await runChild(
      './client-alions-child.js',
      ['consume', cluster.namesrvAddr, topic, unique('ONS_SQL'), '3', "n < 3 AND color IS NULL OR n = '7'"],
      45_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const got = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { body: string }).body);
    assert.deepEqual(got.sort(), ['m1', 'm2', 'm7']);
  });

  it('subscribe() refuses an expression that does not compile, with the parser’s message', () => {
    const consumer = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, consumerGroup: unique('G_sql_bad') });
    assert.throws(
      () => consumer.subscribe('T', MessageSelector.bySql('n > ')),
      /Invalid MessageSelector\. Encountered/,
    );
  });
});
