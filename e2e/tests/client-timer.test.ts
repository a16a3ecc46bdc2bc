import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type MessageExt, MQBrokerError, Producer, PushConsumer } from '@rocketmq-ts/client';
import { ResponseCode } from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, runNode, startCluster, type TestCluster, unique } from './client-support.js';

// Issue 12: timer messages and recall from the SDK and mqadmin against a broker process
// (timerPrecisionMs 100 so the delays are short; recallMessageEnable as RocketMQ needs it).

const BIN = fileURLToPath(new URL('../../../packages/cli/dist/src/mqadmin.js', import.meta.url));

describe('client timer messages', () => {
  let cluster: TestCluster;
  let producer: Producer;
  before(async () => {
    cluster = await startCluster({ timerPrecisionMs: 100, recallMessageEnable: true });
    producer = new Producer({ namesrvAddr: cluster.namesrvAddr });
    await producer.start();
  });
  after(async () => {
    await producer.shutdown();
    await cluster.shutdown();
  });

  it('delivers deliveryTimestamp / delayTimeMs / delayTimeSec messages at their time; a recalled one never arrives', async () => {
    const topic = unique('T_timer');
    await createTopic(cluster, topic, 2);
    const got = new Map<string, { at: number; m: MessageExt }>();
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: unique('G_timer'),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe(topic, '*');
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs: MessageExt[]) => {
        for (const m of msgs) got.set(m.body.toString(), { at: Date.now(), m });
        return 'CONSUME_SUCCESS';
      },
    });
    await consumer.start();
    try {
      const t0 = Date.now();
      const a = await producer.send({ topic, body: 'at', deliveryTimestamp: t0 + 1500 });
      const b = await producer.send({ topic, body: 'ms', delayTimeMs: 1200 });
      const c = await producer.send({ topic, body: 'sec', delayTimeSec: 1 });
      const gone = await producer.send({ topic, body: 'recalled', delayTimeMs: 1500 });
      for (const r of [a, b, c, gone]) assert.ok(r.recallHandle, 'a timer send returns a recall handle');
      assert.equal(await producer.recall(topic, gone.recallHandle!), gone.msgId);
      await producer.send({ topic, body: 'plain' });
      await eventually(() => got.has('at') && got.has('ms') && got.has('sec'), {
        timeoutMs: 20_000,
        message: 'three timers consumed',
      });
      assert.ok(got.get('at')!.m.storeTimestamp >= t0 + 1500);
      assert.ok(got.get('ms')!.m.storeTimestamp >= t0 + 1200);
      assert.ok(got.get('sec')!.m.storeTimestamp >= t0 + 1000);
      assert.ok(got.get('plain')!.at < got.get('sec')!.at, 'the plain message was not held');
      assert.equal(got.has('recalled'), false);
      // A recall after the time is refused.
      const late = await producer.recall(topic, a.recallHandle!).catch((e: unknown) => e);
      assert.ok(late instanceof MQBrokerError);
      assert.equal(late.code, ResponseCode.ILLEGAL_OPERATION);
    } finally {
      await consumer.shutdown();
    }
  });

  it('refuses a delay beyond timerMaxDelaySec with MESSAGE_ILLEGAL, and bad SDK input before sending', async () => {
    const topic = unique('T_timer_bad');
    await createTopic(cluster, topic, 1);
    const far = await producer.send({ topic, body: 'x', delayTimeSec: 4 * 24 * 3600 }).catch((e: unknown) => e);
    assert.ok(far instanceof MQBrokerError);
    assert.equal(far.code, ResponseCode.MESSAGE_ILLEGAL);
    await assert.rejects(producer.send({ topic, body: 'x', delayTimeMs: -1 }), /delayTimeMs/);
    await assert.rejects(producer.send({ topic, body: 'x', delayTimeMs: 1, delayTimeSec: 1 }), /not several/);
  });

  it('mqadmin sendMessage with a delivery time prints a recall handle; recallMessage and timerStatus', async () => {
    const topic = unique('T_timer_cli');
    await createTopic(cluster, topic, 1);
    const n = ['-n', cluster.namesrvAddr];
    const sent = await runNode(BIN, [
      'sendMessage',
      ...n,
      '-t',
      topic,
      '-p',
      'cli',
      '-d',
      String(Date.now() + 60_000),
      '--json',
    ]);
    assert.equal(sent.code, 0, sent.stderr);
    const r = JSON.parse(sent.stdout) as { recallHandle?: string };
    assert.ok(r.recallHandle);
    const status = await runNode(BIN, ['timerStatus', ...n, '-c', cluster.clusterName, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const table = JSON.parse(status.stdout) as Record<string, Record<string, string>>;
    assert.ok(Number(table[cluster.brokerAddr]!.timerCongestNum) >= 1, status.stdout);
    const recalled = await runNode(BIN, ['recallMessage', ...n, '-t', topic, '-r', r.recallHandle]);
    assert.equal(recalled.code, 0, recalled.stderr);
    assert.match(recalled.stdout, /RECALLED/);
  });
});
