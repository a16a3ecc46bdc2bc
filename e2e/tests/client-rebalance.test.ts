import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { allocateAveragelyByCircle, Producer, PushConsumer, selectMessageQueueByHash } from '@rocketmq-ts/client';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, startCluster, type TestCluster, unique } from './client-support.js';

describe('client rebalance', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster.shutdown();
  });

  it('splits queues as a second member joins and takes them back when it leaves, losing nothing', async () => {
    const topic = unique('T_rebal');
    await createTopic(cluster, topic, 4);
    const group = unique('G_rebal');
    const received = new Map<string, number>();
    const byMember = [new Set<string>(), new Set<string>()];
    const make = (i: number) => {
      const c = new PushConsumer({
        namesrvAddr: cluster.namesrvAddr,
        consumerGroup: group,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        allocateMessageQueueStrategy: allocateAveragelyByCircle,
        persistConsumerOffsetIntervalMs: 200,
      });
      c.subscribe(topic);
      c.registerMessageListener({
        type: 'concurrently',
        consume: (msgs) => {
          for (const m of msgs) {
            const k = m.body.toString();
            received.set(k, (received.get(k) ?? 0) + 1);
            byMember[i]!.add(k);
          }
        },
      });
      return c;
    };
    // Members also own the group's %RETRY% queue; count only the topic's.
    const owned = (c: PushConsumer) => c.assignedQueues().filter((q) => q.topic === topic).length;
    const a = make(0);
    const b = make(1);
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr });
    await producer.start();
    let sent = 0;
    const sendSome = async (n: number) => {
      for (let i = 0; i < n; i++) await producer.send({ topic, body: `m${sent++}` });
    };
    try {
      await a.start();
      await eventually(() => owned(a) === 4, { message: 'A owns all 4 queues' });
      await sendSome(40);
      await b.start();
      await eventually(() => owned(a) === 2 && owned(b) === 2, {
        timeoutMs: 30_000,
        message: 'queues split 2/2',
      });
      await sendSome(40);
      await eventually(() => byMember[1]!.size > 0, { timeoutMs: 15_000, message: 'B consumed something' });
      await b.shutdown();
      await eventually(() => owned(a) === 4, { timeoutMs: 30_000, message: 'A owns all 4 again' });
      await sendSome(40);
      await eventually(() => received.size === sent, { timeoutMs: 30_000, message: `all ${sent} received` });
      const dups = [...received.values()].filter((n) => n > 1).length;
      // Redelivery is allowed only around the two hand-overs (at most what was in flight).
      assert.ok(dups <= 40, `duplicates: ${dups}`);
    } finally {
      await producer.shutdown();
      await a.shutdown();
      await b.shutdown();
    }
  });

  it('a member killed with SIGKILL loses its queues to the survivor, and no message is lost', async () => {
    const topic = unique('T_crash');
    await createTopic(cluster, topic, 4);
    const group = unique('G_crash');
    const child = spawn(
      process.execPath,
      [new URL('./client-child-consumer.js', import.meta.url).pathname, cluster.namesrvAddr, topic, group],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const childSeen = new Set<string>();
    let childOut = '';
    child.stdout.on('data', (d: Buffer) => {
      childOut += d.toString();
      const lines = childOut.split('\n');
      childOut = lines.pop() ?? '';
      for (const l of lines) childSeen.add(l);
    });
    const seen = new Set<string>();
    const survivor = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    survivor.subscribe(topic);
    survivor.registerMessageListener({
      type: 'concurrently',
      consume: (msgs) => {
        for (const m of msgs) seen.add(m.body.toString());
      },
    });
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr });
    await producer.start();
    try {
      await eventually(() => childSeen.has('ready'), { timeoutMs: 15_000, message: 'child consumer ready' });
      await survivor.start();
      const owned = () => survivor.assignedQueues().filter((q) => q.topic === topic).length;
      await eventually(() => owned() === 2, { timeoutMs: 30_000, message: 'queues split with the child' });
      for (let i = 0; i < 60; i++) await producer.send({ topic, body: `c${i}` });
      await eventually(() => childSeen.size > 5, { timeoutMs: 15_000, message: 'child consumed' });
      child.kill('SIGKILL');
      await eventually(() => owned() === 4, { timeoutMs: 30_000, message: 'survivor took every queue' });
      for (let i = 60; i < 90; i++) await producer.send({ topic, body: `c${i}` });
      await eventually(
        () => Array.from({ length: 90 }, (_, i) => `c${i}`).every((b) => seen.has(b) || childSeen.has(b)),
        {
          timeoutMs: 30_000,
          message: 'all 90 consumed by one member or the other',
        },
      );
    } finally {
      child.kill('SIGKILL');
      await producer.shutdown();
      await survivor.shutdown();
    }
  });

  it('orderly members never consume one queue at the same time, and keep per-key order across hand-overs', async () => {
    const topic = unique('T_order_rebal');
    await createTopic(cluster, topic, 4);
    const group = unique('G_order_rebal');
    const active = new Map<number, number>();
    let overlap = 0;
    const perMember = [new Map<string, number[]>(), new Map<string, number[]>()];
    const firstSeen = new Map<string, number[]>();
    const seenKeys = new Set<string>();
    const make = (i: number) => {
      const c = new PushConsumer({
        namesrvAddr: cluster.namesrvAddr,
        consumerGroup: group,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      });
      c.subscribe(topic);
      c.registerMessageListener({
        type: 'orderly',
        consume: async (msgs, ctx) => {
          const q = ctx.messageQueue.queueId;
          active.set(q, (active.get(q) ?? 0) + 1);
          if (active.get(q)! > 1) overlap++;
          await new Promise((r) => setTimeout(r, 2));
          for (const m of msgs) {
            const [key, seq] = m.body.toString().split(':') as [string, string];
            const mine = perMember[i]!.get(key) ?? [];
            mine.push(Number(seq));
            perMember[i]!.set(key, mine);
            if (!seenKeys.has(m.body.toString())) {
              seenKeys.add(m.body.toString());
              const l = firstSeen.get(key) ?? [];
              l.push(Number(seq));
              firstSeen.set(key, l);
            }
          }
          active.set(q, active.get(q)! - 1);
        },
      });
      return c;
    };
    const a = make(0);
    const b = make(1);
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr });
    await producer.start();
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
    const sendRound = async (from: number, to: number) => {
      for (let seq = from; seq < to; seq++) {
        for (const k of keys)
          await producer.send({ topic, body: `${k}:${seq}` }, { selector: selectMessageQueueByHash, arg: k });
      }
    };
    try {
      await a.start();
      await sendRound(0, 15);
      await b.start();
      const ownedBy = (c: PushConsumer) => c.assignedQueues().filter((q) => q.topic === topic).length;
      await eventually(() => ownedBy(a) === 2 && ownedBy(b) === 2, {
        timeoutMs: 15_000,
        message: 'orderly queues split 2/2',
      });
      await sendRound(15, 30);
      await eventually(() => perMember[1]!.size > 0, { timeoutMs: 15_000, message: 'b consumed' });
      await b.shutdown();
      await sendRound(30, 40);
      await eventually(() => seenKeys.size === keys.length * 40, {
        timeoutMs: 30_000,
        message: 'all ordered messages',
      });
      assert.equal(overlap, 0, 'two handlers ran on one queue at once');
      for (const k of keys)
        assert.deepEqual(firstSeen.get(k), [...Array(40).keys()], `first deliveries of ${k} in order`);
      // Within a member a key goes back only when a queue is consumed again from its committed
      // offset after a hand-over (at-least-once), and then by no more than the batch in flight.
      let replays = 0;
      for (const m of perMember) {
        for (const [k, seqs] of m) {
          for (let i = 1; i < seqs.length; i++) {
            if (seqs[i]! > seqs[i - 1]!) continue;
            replays++;
            assert.ok(seqs[i - 1]! - seqs[i]! <= 1, `member order of ${k}: ${seqs.join(',')}`);
          }
        }
      }
      assert.ok(replays <= keys.length * 2, `replays: ${replays}`);
    } finally {
      await producer.shutdown();
      await a.shutdown();
      await b.shutdown();
    }
  });
});
