import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Producer, PushConsumer } from '@rocketmq-ts/client';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, runNode, startCluster, type TestCluster, unique } from './client-support.js';

// Issue 16: `mqadmin consumerProgress --watch` refreshes; off a terminal each refresh is
// appended under a timestamp line with the diff-total sparkline.

const BIN = fileURLToPath(new URL('../../../packages/cli/dist/src/mqadmin.js', import.meta.url));

describe('mqadmin consumerProgress --watch', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster.shutdown();
  });

  it('refreshes the progress table the given number of times', async () => {
    const topic = unique('T_watch');
    const group = unique('G_watch');
    await createTopic(cluster, topic, 2);
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: unique('P_watch') });
    await producer.start();
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    let consumed = 0;
    consumer.subscribe(topic, '*');
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs) => {
        consumed += msgs.length;
        return 'CONSUME_SUCCESS';
      },
    });
    try {
      for (let i = 0; i < 2; i++) await producer.send({ topic, body: `first-${i}` });
      await consumer.start();
      await eventually(() => consumed === 2, { timeoutMs: 20_000, message: 'first 2 consumed' });
      // Shut down (offsets committed), then 3 more: the group is 3 behind.
      await consumer.shutdown();
      for (let i = 0; i < 3; i++) await producer.send({ topic, body: `w-${i}` });
    } finally {
      await consumer.shutdown();
      await producer.shutdown();
    }
    const r = await runNode(BIN, [
      'consumerProgress',
      '-n',
      cluster.namesrvAddr,
      '-g',
      group,
      '--watch',
      '1',
      '--iterations',
      '2',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const heads = r.stdout.split('\n').filter((l) => l.startsWith(`Every 1s: consumerProgress -g ${group}`));
    assert.equal(heads.length, 2, r.stdout);
    assert.equal(r.stdout.split('\n').filter((l) => /^Diff total 3 {2}[▁-█]+$/.test(l)).length, 2, r.stdout);
    assert.equal((r.stdout.match(/Consume Diff Total: 3/g) ?? []).length, 2);
  });
});
