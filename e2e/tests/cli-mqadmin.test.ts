import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MQAdmin, Producer, PushConsumer } from '@rocketmq-ts/client';
import { eventually } from '@rocketmq-ts/testkit';
import { runNode, startCluster, type TestCluster, unique } from './client-support.js';

const BIN = fileURLToPath(new URL('../../../packages/cli/dist/src/mqadmin.js', import.meta.url));

const mqadmin = (args: string[], env: Record<string, string> = {}) => runNode(BIN, args, { env });

describe('mqadmin', () => {
  let cluster: TestCluster;
  let n: string[];
  const topic = unique('T_cli');
  const group = unique('G_cli');
  before(async () => {
    cluster = await startCluster();
    n = ['-n', cluster.namesrvAddr];
  });
  after(async () => {
    await cluster.shutdown();
  });

  it('updateTopic, topicList, topicRoute, topicStatus', async () => {
    const r = await mqadmin(['updateTopic', ...n, '-c', cluster.clusterName, '-t', topic, '-r', '4', '-w', '4']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /create topic to .* success/);
    const list = await mqadmin(['topicList', ...n, '--json']);
    assert.ok((JSON.parse(list.stdout) as string[]).includes(topic));
    const route = await mqadmin(['topicRoute', ...n, '-t', topic]);
    assert.match(route.stdout, /broker-a\s+0:127\.0\.0\.1:\d+\s+4\s+4\s+6/);
    // Java's names are matched case-insensitively.
    const status = await mqadmin(['topicstatus', ...n, '-t', topic, '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as unknown[]).length, 4);
  });

  it('clusterList and brokerStatus (NAMESRV_ADDR from the environment)', async () => {
    const env = { NAMESRV_ADDR: cluster.namesrvAddr };
    const cl = await mqadmin(['clusterList', '--json'], env);
    assert.equal(cl.code, 0, cl.stderr);
    const rows = JSON.parse(cl.stdout) as { cluster: string; brokerName: string; addr: string }[];
    assert.deepEqual(
      rows.map((r) => [r.cluster, r.brokerName, r.addr]),
      [[cluster.clusterName, 'broker-a', cluster.brokerAddr]],
    );
    const bs = await mqadmin(['brokerStatus', '-b', cluster.brokerAddr], env);
    assert.equal(bs.code, 0, bs.stderr);
    // `key : value` lines, keys sorted and padded as Java's brokerStatus prints them.
    assert.match(bs.stdout, /^bootTimestamp\s+: \d{13}$/m);
    assert.match(bs.stdout, /^brokerVersionDesc\s+: V\d/m);
    assert.match(bs.stdout, /^msgPutTotalTodayNow\s+: \d+$/m);
    const keys = bs.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' : ')[0]!.trim());
    assert.deepEqual(keys, [...keys].sort(), 'keys are sorted');
  });

  it('sendMessage, queryMsgById, queryMsgByKey, printMsg, consumeMessage', async () => {
    const sent = await mqadmin([
      'sendMessage',
      ...n,
      '-t',
      topic,
      '-p',
      'hello cli',
      '-k',
      'cli-key',
      '-c',
      'TagA',
      '--json',
    ]);
    assert.equal(sent.code, 0, sent.stderr);
    const result = JSON.parse(sent.stdout) as { offsetMsgId: string; sendStatus: string };
    assert.equal(result.sendStatus, 'SEND_OK');
    const byId = await mqadmin(['queryMsgById', ...n, '-i', result.offsetMsgId]);
    assert.equal(byId.code, 0, byId.stderr);
    assert.match(byId.stdout, /Message Body\s+: hello cli/);
    assert.match(byId.stdout, /Tags\s+: \[TagA\]/);
    const byKey = await eventually(
      async () => {
        const r = await mqadmin(['queryMsgByKey', ...n, '-t', topic, '-k', 'cli-key', '--json']);
        const list = JSON.parse(r.stdout || '[]') as { body: string }[];
        return list.length > 0 ? list : undefined;
      },
      { timeoutMs: 10_000, message: 'key indexed' },
    );
    assert.equal(byKey[0]!.body, 'hello cli');
    const byUniq = await mqadmin([
      'queryMsgByUniqueKey',
      ...n,
      '-t',
      topic,
      '-i',
      (JSON.parse(sent.stdout) as { msgId: string }).msgId,
      '--json',
    ]);
    assert.equal(byUniq.code, 0, byUniq.stderr);
    assert.equal((JSON.parse(byUniq.stdout) as { body: string }).body, 'hello cli');
    const at = JSON.parse(sent.stdout) as {
      messageQueue: { brokerName: string; queueId: number };
      queueOffset: number;
    };
    const byOffset = await mqadmin([
      'queryMsgByOffset',
      ...n,
      '-t',
      topic,
      '-b',
      at.messageQueue.brokerName,
      '-i',
      String(at.messageQueue.queueId),
      '-o',
      String(at.queueOffset),
    ]);
    assert.equal(byOffset.code, 0, byOffset.stderr);
    assert.match(byOffset.stdout, /Message Body\s+: hello cli/);
    const printed = await mqadmin(['printMsg', ...n, '-t', topic]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /BODY: hello cli/);
    const consumed = await mqadmin(['consumeMessage', ...n, '-t', topic, '-c', '5', '--json']);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.equal((JSON.parse(consumed.stdout) as { body: string }[])[0]?.body, 'hello cli');
  });

  it('updateSubGroup, consumerConnection, consumerProgress, resetOffsetByTime', async () => {
    const ug = await mqadmin(['updateSubGroup', ...n, '-c', cluster.clusterName, '-g', group, '-r', '3']);
    assert.equal(ug.code, 0, ug.stderr);
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr });
    await producer.start();
    let consumed = 0;
    const consumer = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      persistConsumerOffsetIntervalMs: 200,
    });
    consumer.subscribe(topic, '*');
    consumer.registerMessageListener({
      type: 'concurrently',
      consume: (msgs) => {
        consumed += msgs.length;
      },
    });
    try {
      await consumer.start();
      for (let i = 0; i < 8; i++) await producer.send({ topic, body: `p${i}` });
      await eventually(() => consumed >= 9, { timeoutMs: 15_000, message: 'consumed' });
      const conn = await mqadmin(['consumerConnection', ...n, '-g', group, '--json']);
      assert.equal(conn.code, 0, conn.stderr);
      const c = JSON.parse(conn.stdout) as { connections: { clientId: string }[]; subscriptions: { topic: string }[] };
      assert.equal(c.connections[0]?.clientId, consumer.clientId);
      assert.ok(c.subscriptions.some((s) => s.topic === topic));
      const status = await mqadmin(['consumerStatus', ...n, '-g', group, '--json']);
      assert.equal(status.code, 0, status.stderr);
      const info = (
        JSON.parse(status.stdout) as Record<
          string,
          { properties: Record<string, string>; queues: { mq: { topic: string } }[] }
        >
      )[consumer.clientId]!;
      assert.equal(info.properties.PROP_CONSUME_TYPE, 'CONSUME_PASSIVELY');
      assert.equal(info.queues.filter((q) => q.mq.topic === topic).length, 4);
      const progress = await eventually(
        async () => {
          const r = await mqadmin(['consumerProgress', ...n, '-g', group, '--json']);
          const p = JSON.parse(r.stdout || '{}') as {
            queues?: { mq: { topic: string }; brokerOffset: number; consumerOffset: number }[];
            totalLag?: number;
          };
          const qs = (p.queues ?? []).filter((q) => q.mq.topic === topic);
          return qs.length === 4 && qs.every((q) => q.consumerOffset === q.brokerOffset) ? p : undefined;
        },
        { timeoutMs: 15_000, message: 'offsets caught up' },
      );
      assert.equal(progress.totalLag, 0);
      const table = await mqadmin(['consumerProgress', ...n, '-g', group]);
      assert.match(table.stdout, /#Broker Offset/);
      assert.match(table.stdout, /Consume Diff Total: 0/);
    } finally {
      await consumer.shutdown();
      await producer.shutdown();
    }
    const all = await mqadmin(['consumerProgress', ...n, '--json']);
    assert.equal(all.code, 0, all.stderr);
    assert.ok((JSON.parse(all.stdout) as { group: string }[]).some((r) => r.group === group));
    const reset = await mqadmin(['resetOffsetByTime', ...n, '-g', group, '-t', topic, '-s', '0', '--json']);
    assert.equal(reset.code, 0, reset.stderr);
    const offsets = JSON.parse(reset.stdout) as { offset: number }[];
    assert.equal(offsets.length, 4);
    assert.ok(
      offsets.every((o) => o.offset === 0),
      reset.stdout,
    );
  });

  it('getBrokerConfig and deleteSubGroup', async () => {
    const cfg = await mqadmin(['getBrokerConfig', ...n, '-b', cluster.brokerAddr, '--json']);
    assert.equal(cfg.code, 0, cfg.stderr);
    assert.equal((JSON.parse(cfg.stdout) as Record<string, string>).brokerName, 'broker-a');
    const groupsOnBroker = async () => {
      const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
      try {
        return (await admin.subscriptionGroups(cluster.brokerAddr)).map((g) => g.groupName);
      } finally {
        await admin.close();
      }
    };
    assert.ok((await groupsOnBroker()).includes(group), 'the group exists before the delete');
    const del = await mqadmin(['deleteSubGroup', ...n, '-c', cluster.clusterName, '-g', group]);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /delete subscription group .* success/);
    assert.ok(!(await groupsOnBroker()).includes(group), 'the broker no longer has the group');
  });

  it('deleteTopic removes the route', async () => {
    const del = await mqadmin(['deleteTopic', ...n, '-c', cluster.clusterName, '-t', topic]);
    assert.equal(del.code, 0, del.stderr);
    const route = await mqadmin(['topicRoute', ...n, '-t', topic]);
    // A clean failure naming the missing route (exit 1, one line), not a crash.
    assert.equal(route.code, 1, route.stderr);
    assert.equal(route.stderr, `no route info of topic ${topic}\n`);
    const list = await mqadmin(['topicList', ...n, '--json']);
    assert.ok(!(JSON.parse(list.stdout) as string[]).includes(topic), 'gone from topicList');
  });

  it('fails with a one-line reason and non-zero exit when the NameServer is unreachable', async () => {
    const r = await mqadmin(['topicList', '-n', '127.0.0.1:1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^connect to 127\.0\.0\.1:1 failed/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    const usage = await mqadmin(['updateTopic', '-n', '127.0.0.1:1', '-t', 'X']);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /needs -b <brokerAddr> or -c <clusterName>/);
  });
});
