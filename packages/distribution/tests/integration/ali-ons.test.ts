import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { topicView } from '@rocketmq-ts/broker';
import { tempDir } from '@rocketmq-ts/testkit';
import { type LocalCluster, startLocalCluster } from '../../src/index.js';
import { type ChildHandle, spawnJsonLines } from './child-lines.js';

// The real npm ali-ons client (docs/development.md, "ali-ons as a test client") against startLocalCluster. Each ali-ons role runs
// in a child process (its inner producer never closes).

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'ali-ons-child.js');
// Level 2 = 2 s for the delay test; level 3 (first retry) = 1 s so retries come back quickly.
const DELAY_LEVELS = `1s 2s ${Array(16).fill('1s').join(' ')}`;

type Ev = Record<string, unknown>;
const received = (events: Ev[]) => events.filter((e) => e.event === 'received');

describe('ali-ons against rocketmq-ts', () => {
  let cluster: LocalCluster;
  let cleanup: () => Promise<void>;
  const children: ChildHandle[] = [];
  const child = (o: object): ChildHandle => {
    const c = spawnJsonLines(CHILD, [JSON.stringify({ namesrvAddr: cluster.namesrvAddr, ...o })]);
    children.push(c);
    return c;
  };

  before(async () => {
    const dir = await tempDir('ali-ons-');
    cleanup = dir.cleanup;
    cluster = await startLocalCluster({
      dataDir: dir.path,
      namesrvPort: 0,
      brokerPort: 0,
      host: '127.0.0.1',
      brokerConfig: { messageDelayLevel: DELAY_LEVELS, pullHoldCheckIntervalMills: 200 },
    });
    // ali-ons does not auto-create topics (docs/development.md): create them first.
    for (const t of ['OnsTags', 'OnsRetry', 'OnsBroadcast', 'OnsDelay']) {
      await cluster.broker.components.topics.createOrUpdate(topicView(t, { readQueueNums: 4, writeQueueNums: 4 }));
    }
  });
  after(async () => {
    await Promise.all(children.map((c) => c.stop()));
    await cluster.shutdown();
    await cleanup();
  });

  it('produces with tags and keys and consumes in a clustering group with a tag subscription', async () => {
    const consumer = child({ role: 'consumer', group: 'GID_TAGS', topic: 'OnsTags', subExpression: 'TagA' });
    await consumer.until((ev) => ev.some((e) => e.event === 'ready'), 20_000, 'consumer ready');
    const producer = child({
      role: 'producer',
      group: 'PID_TAGS',
      topic: 'OnsTags',
      messages: [
        { tags: 'TagA', keys: ['k1'], body: 'a1' },
        { tags: 'TagB', keys: ['k2'], body: 'b1' },
        { tags: 'TagA', keys: ['k3', 'k4'], body: 'a2' },
      ],
    });
    await producer.until((ev) => ev.filter((e) => e.event === 'sent').length === 3, 20_000, 'three sends');
    for (const e of producer.events.filter((x) => x.event === 'sent')) {
      assert.equal((e.result as { sendStatus: string }).sendStatus, 'SEND_OK');
    }
    await consumer.until((ev) => received(ev).length >= 2, 25_000, 'TagA messages');
    const got = received(consumer.events);
    assert.deepEqual(got.map((e) => e.body).sort(), ['a1', 'a2']);
    assert.deepEqual(got.find((e) => e.body === 'a2')?.keys, 'k3 k4');
    assert.ok(got.every((e) => e.tags === 'TagA'));

    // Progress reaches the broker (UPDATE_CONSUMER_OFFSET) and a new member resumes from it.
    const offsets = cluster.broker.components.offsets;
    await consumer.until(
      () => [...offsets.queueOffsets('GID_TAGS', 'OnsTags').values()].reduce((a, b) => a + Math.max(b, 0), 0) >= 3,
      10_000,
      'committed offsets covering the three messages',
    );
    await consumer.stop();
    const again = child({ role: 'consumer', group: 'GID_TAGS', topic: 'OnsTags', subExpression: 'TagA' });
    await again.until((ev) => ev.some((e) => e.event === 'ready'), 20_000, 'second consumer ready');
    child({ role: 'producer', group: 'PID_TAGS2', topic: 'OnsTags', messages: [{ tags: 'TagA', body: 'a3' }] });
    await again.until((ev) => received(ev).some((e) => e.body === 'a3'), 25_000, 'a3 after resume');
    assert.deepEqual(
      received(again.events).map((e) => e.body),
      ['a3'],
      'nothing consumed before is delivered again',
    );
  });

  it('brings a failed message back through the retry topic with reconsumeTimes ≥ 1', async () => {
    const consumer = child({ role: 'consumer', group: 'GID_RETRY', topic: 'OnsRetry', failFirst: true });
    await consumer.until((ev) => ev.some((e) => e.event === 'ready'), 20_000, 'consumer ready');
    child({ role: 'producer', group: 'PID_RETRY', topic: 'OnsRetry', messages: [{ tags: 'T', body: 'fail-1' }] });
    await consumer.until(
      (ev) => received(ev).some((e) => e.body === 'fail-1' && (e.reconsumeTimes as number) >= 1),
      40_000,
      'redelivery of fail-1',
    );
    const first = received(consumer.events).find((e) => e.body === 'fail-1');
    assert.equal(first?.reconsumeTimes, 0);
  });

  it('delivers every message to each consumer of a broadcasting group', async () => {
    const c1 = child({ role: 'consumer', group: 'GID_BC', topic: 'OnsBroadcast', broadcast: true });
    const c2 = child({ role: 'consumer', group: 'GID_BC', topic: 'OnsBroadcast', broadcast: true });
    await c1.until((ev) => ev.some((e) => e.event === 'ready'), 20_000, 'c1 ready');
    await c2.until((ev) => ev.some((e) => e.event === 'ready'), 20_000, 'c2 ready');
    const bodies = ['x1', 'x2', 'x3', 'x4'];
    child({ role: 'producer', group: 'PID_BC', topic: 'OnsBroadcast', messages: bodies.map((body) => ({ body })) });
    for (const c of [c1, c2]) {
      await c.until(
        (ev) => bodies.every((b) => received(ev).some((e) => e.body === b)),
        25_000,
        'all broadcast messages',
      );
    }
  });

  it('delivers a delay-level message no earlier than its level', async () => {
    const consumer = child({ role: 'consumer', group: 'GID_DELAY', topic: 'OnsDelay' });
    await consumer.until((ev) => ev.some((e) => e.event === 'ready'), 20_000, 'consumer ready');
    const producer = child({
      role: 'producer',
      group: 'PID_DELAY',
      topic: 'OnsDelay',
      messages: [{ tags: 'T', body: 'delayed', delayTimeLevel: 2 }],
    });
    await producer.until((ev) => ev.some((e) => e.event === 'sent'), 20_000, 'delayed send');
    const sentAt = producer.events.find((e) => e.event === 'sent')?.at as number;
    await consumer.until((ev) => received(ev).some((e) => e.body === 'delayed'), 30_000, 'delayed message');
    const got = received(consumer.events).find((e) => e.body === 'delayed')!;
    // Level 2 is 2 s here; the born timestamp is the producer's clock, same host.
    assert.ok(
      (got.at as number) - (got.bornTimestamp as number) >= 1900,
      `arrived after ${(got.at as number) - sentAt} ms`,
    );
  });
});
