import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MQAdmin } from '@rocketmq-ts/client';
import { runNode, startCluster, type TestCluster, unique } from './client-support.js';

const BIN = fileURLToPath(new URL('../../../packages/cli/dist/src/mqadmin.js', import.meta.url));
const mqadmin = (args: string[]) => runNode(BIN, args);

// RocketMQ 5.x topic attributes and the orderly group flag through mqadmin (issues 12 and 13).
describe('mqadmin topic attributes and group flags', () => {
  let cluster: TestCluster;
  let admin: MQAdmin;
  let n: string[];
  before(async () => {
    cluster = await startCluster();
    n = ['-n', cluster.namesrvAddr];
    admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
  });
  after(async () => {
    await admin.close();
    await cluster.shutdown();
  });

  it('updateTopic -a +message.type=FIFO is stored and shown by topicRoute and topicList -a', async () => {
    const topic = unique('T_fifo');
    const r = await mqadmin(['updateTopic', ...n, '-c', cluster.clusterName, '-t', topic, '-a', '+message.type=FIFO']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /create topic to .* success/);
    assert.match(r.stdout, /TopicConfig \[topicName=.*perm=RW-.*attributes=\{\+message\.type=FIFO\}\]/);
    assert.deepEqual((await admin.topicConfig(cluster.brokerAddr, topic))?.attributes, { 'message.type': 'FIFO' });
    assert.equal(await admin.topicMessageType(topic), 'FIFO');
    const route = await mqadmin(['topicRoute', ...n, '-t', topic]);
    assert.equal(route.code, 0, route.stderr);
    assert.match(route.stdout, /broker-a\s+0:127\.0\.0\.1:\d+\s+8\s+8\s+6\s+message\.type=FIFO/);
    const list = await mqadmin(['topicList', ...n, '-a', '--json']);
    const rows = JSON.parse(list.stdout) as { topic: string; attributes: Record<string, string> }[];
    assert.deepEqual(rows.find((x) => x.topic === topic)?.attributes, { 'message.type': 'FIFO' });
    // message.type may change; the queue counts given again are kept.
    const d = await mqadmin(['updateTopic', ...n, '-b', cluster.brokerAddr, '-t', topic, '-a', '+message.type=DELAY']);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(await admin.topicMessageType(topic), 'DELAY');
  });

  it("refuses bad attributes with RocketMQ's reasons and changes nothing", async () => {
    const topic = unique('T_bad');
    const made = await mqadmin([
      'updateTopic',
      ...n,
      '-c',
      cluster.clusterName,
      '-t',
      topic,
      '-a',
      '+message.type=NORMAL,+queue.type=SimpleCQ',
    ]);
    assert.equal(made.code, 0, made.stderr);
    const cases: Array<[string, RegExp]> = [
      ['message.type=FIFO', /add\/alter attribute format is wrong: message\.type/],
      ['+color=red', /unsupported key: color/],
      ['+message.type=ORDERED', /value is not in set: \[UNSPECIFIED, NORMAL, FIFO, DELAY, TRANSACTION, MIXED\]/],
      ['+queue.type=BatchCQ', /attempt to update an unchangeable attribute\. key: queue\.type/],
      ['+message.type=MIXED', /MIXED message type is not supported\./],
      ['-reserve.time', /attempt to delete a nonexistent key: reserve\.time/],
    ];
    for (const [attrs, reason] of cases) {
      const r = await mqadmin(['updateTopic', ...n, '-b', cluster.brokerAddr, '-t', topic, '-a', attrs]);
      assert.equal(r.code, 1, attrs);
      assert.match(r.stderr, reason, attrs);
    }
    assert.deepEqual((await admin.topicConfig(cluster.brokerAddr, topic))?.attributes, {
      'message.type': 'NORMAL',
      'queue.type': 'SimpleCQ',
    });
  });

  it('updateSubGroup -o true makes an orderly group, shown by getConsumerConfig', async () => {
    const group = unique('G_fifo');
    const u = await mqadmin(['updateSubGroup', ...n, '-c', cluster.clusterName, '-g', group, '-o', 'true', '-r', '5']);
    assert.equal(u.code, 0, u.stderr);
    const g = await mqadmin(['getConsumerConfig', ...n, '-g', group]);
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stdout, /^=+DefaultCluster:broker-a=+$/m);
    assert.match(g.stdout, /^consumeMessageOrderly\s+= {2}true$/m);
    assert.match(g.stdout, /^retryMaxTimes\s+= {2}5$/m);
    assert.match(g.stdout, /^consumeBroadcastEnable\s+= {2}false$/m);
    const bad = await mqadmin(['updateSubGroup', ...n, '-b', cluster.brokerAddr, '-g', group, '--attributes', '+x=1']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unsupported key: x/);
  });
});
