import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock, StateFile, silentLogger } from '@rocketmq-ts/common';
import { groupNameProblem, topicNameProblem } from '@rocketmq-ts/protocol';
import { tempDir } from '@rocketmq-ts/testkit';
import { ConsumerOffsetManager } from '../src/offset/consumer-offset-manager.js';
import { SubscriptionGroupManager } from '../src/subscription/subscription-group-manager.js';
import { TopicConfigManager, type TopicConfigManagerOptions, topicView } from '../src/topic/topic-config-manager.js';

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await tempDir('managers-');
});
after(() => dir.cleanup());

const topicOptions = (configDir: string, o: Partial<TopicConfigManagerOptions> = {}): TopicConfigManagerOptions => ({
  configDir,
  clusterName: 'DefaultCluster',
  brokerName: 'broker-a',
  autoCreateTopicEnable: true,
  defaultTopicQueueNums: 8,
  clusterTopicEnable: true,
  brokerTopicEnable: true,
  traceTopicEnable: false,
  msgTraceTopicName: 'RMQ_SYS_TRACE_TOPIC',
  delayLevelCount: 18,
  logger: silentLogger,
  clock: new ManualClock(1000),
  ...o,
});

describe('name validation', () => {
  it('accepts letters, digits and _ % - | up to 127 (255 for retry/DLQ)', () => {
    assert.equal(topicNameProblem('Topic_A-1|x%y'), undefined);
    assert.match(topicNameProblem('a b') ?? '', /illegal characters/);
    assert.match(topicNameProblem('') ?? '', /blank/);
    assert.match(topicNameProblem('t'.repeat(128)) ?? '', /longer/);
    assert.equal(topicNameProblem(`%RETRY%${'g'.repeat(200)}`), undefined);
    assert.match(topicNameProblem(`%DLQ%${'g'.repeat(260)}`) ?? '', /longer/);
    assert.equal(groupNameProblem('GID_x'), undefined);
    assert.match(groupNameProblem('g@h') ?? '', /illegal/);
  });
});

describe('TopicConfigManager', () => {
  it('creates TBW102 (perm 7, 8 queues), SELF_TEST_TOPIC, cluster and broker topics', async () => {
    const m = new TopicConfigManager(topicOptions(join(dir.path, 't1')));
    await m.load();
    assert.deepEqual([m.get('TBW102')?.perm, m.get('TBW102')?.writeQueueNums], [7, 8]);
    assert.ok(m.get('SELF_TEST_TOPIC'));
    assert.equal(m.get('DefaultCluster')?.perm, 7);
    assert.equal(m.get('broker-a')?.perm, 7);
    // Request-reply: replies are stored in <cluster>_REPLY_TOPIC, one queue, made at start-up.
    assert.deepEqual(
      [m.get('DefaultCluster_REPLY_TOPIC')?.writeQueueNums, m.get('DefaultCluster_REPLY_TOPIC')?.perm],
      [1, 6],
    );
    const noAuto = new TopicConfigManager(topicOptions(join(dir.path, 't1b'), { autoCreateTopicEnable: false }));
    await noAuto.load();
    assert.equal(noAuto.get('TBW102'), undefined);
  });

  it('auto-creates from an inheritable template only, with min(client, template) queues', async () => {
    const m = new TopicConfigManager(topicOptions(join(dir.path, 't2')));
    await m.load();
    const t = await m.createForSend('NewTopic', 'TBW102', 4, 0);
    assert.deepEqual([t?.readQueueNums, t?.writeQueueNums, t?.perm], [4, 4, 6]);
    assert.equal(await m.createForSend('Other', 'NewTopic', 4, 0), undefined, 'NewTopic is not inheritable');
  });

  it('persists topics.json in Java layout, bumps the data version and reloads it', async () => {
    const configDir = join(dir.path, 't3');
    const m = new TopicConfigManager(topicOptions(configDir));
    await m.load();
    const changes: number[] = [];
    m.onChange(() => {
      changes.push(m.getDataVersion().counter);
    });
    const v0 = m.getDataVersion().counter;
    await m.createOrUpdate(
      topicView('Persisted', { readQueueNums: 3, writeQueueNums: 3, attributes: { 'message.type': 'FIFO' } }),
    );
    assert.deepEqual(changes, [v0 + 1]);
    const raw = JSON.parse(await readFile(join(configDir, 'topics.json'), 'utf8'));
    assert.equal(raw.topicConfigTable.Persisted.readQueueNums, 3);
    // Java's field: TopicConfig.attributes, a string map without the +/- signs.
    assert.deepEqual(raw.topicConfigTable.Persisted.attributes, { 'message.type': 'FIFO' });
    assert.equal(raw.dataVersion.counter, v0 + 1);
    const again = new TopicConfigManager(topicOptions(configDir));
    await again.load();
    assert.equal(again.get('Persisted')?.writeQueueNums, 3);
    assert.equal(again.topicMessageType('Persisted'), 'FIFO');
    assert.equal(again.topicMessageType('SELF_TEST_TOPIC'), 'NORMAL');
    assert.equal(again.topicMessageType('NoSuchTopic'), 'UNSPECIFIED');
    assert.equal(again.getDataVersion().counter, v0 + 1);
    await again.delete('Persisted');
    assert.equal(again.get('Persisted'), undefined);
    await assert.rejects(again.createOrUpdate(topicView('bad name')), /illegal/);
  });

  it('creates a topic once when many callers ensure it at the same time', async () => {
    const m = new TopicConfigManager(topicOptions(join(dir.path, 't4')));
    await m.load();
    let changes = 0;
    m.onChange(() => {
      changes++;
    });
    await Promise.all(Array.from({ length: 10 }, () => m.ensure('%RETRY%G', 1, 6)));
    assert.equal(changes, 1);
  });
});

describe('SubscriptionGroupManager', () => {
  it('auto-creates groups with RocketMQ defaults and reloads subscriptionGroup.json', async () => {
    const configDir = join(dir.path, 'g1');
    const m = new SubscriptionGroupManager({
      configDir,
      autoCreateSubscriptionGroup: true,
      retryMaxTimes: 16,
      logger: silentLogger,
      clock: new ManualClock(0),
    });
    await m.load();
    const g = await m.getOrCreate('GID_A');
    assert.deepEqual([g?.retryQueueNums, g?.retryMaxTimes, g?.consumeEnable], [1, 16, true]);
    await m.update({ ...g!, retryMaxTimes: 3 });
    const again = new SubscriptionGroupManager({
      configDir,
      autoCreateSubscriptionGroup: false,
      retryMaxTimes: 16,
      logger: silentLogger,
      clock: new ManualClock(0),
    });
    await again.load();
    assert.equal(again.get('GID_A')?.retryMaxTimes, 3);
    assert.equal(await again.getOrCreate('Unknown'), undefined, 'no auto-create when disabled');
  });
});

describe('ConsumerOffsetManager', () => {
  it('keys offsets topic@group like Java and persists only when changed', async () => {
    const configDir = join(dir.path, 'o1');
    const m = new ConsumerOffsetManager(configDir, silentLogger);
    await m.load();
    assert.equal(m.query('G', 'T', 0), -1);
    m.commit('G', 'T', 0, 5);
    m.commit('G', 'T', 3, 9);
    m.commit('H', 'T', 0, 1);
    await m.persist();
    const raw = JSON.parse(await readFile(join(configDir, 'consumerOffset.json'), 'utf8'));
    assert.deepEqual(raw.offsetTable['T@G'], { 0: 5, 3: 9 });
    assert.deepEqual(m.groupsOf('T').sort(), ['G', 'H']);
    assert.deepEqual(m.topicsOf('G'), ['T']);
    const again = new ConsumerOffsetManager(configDir, silentLogger);
    await again.load();
    assert.equal(again.query('G', 'T', 3), 9);
    again.removeGroup('G');
    assert.equal(again.query('G', 'T', 3), -1);
  });

  it('reads a consumerOffset.json written by Java', async () => {
    const configDir = join(dir.path, 'o2');
    const f = new StateFile(join(configDir, 'consumerOffset.json'));
    await f.save(() =>
      '{"offsetTable":{"TopicTest@please_rename_unique_group_name_4":{0:3,1:2}}}'.replace(
        /\{0:3,1:2\}/,
        '{"0":3,"1":2}',
      ),
    );
    const m = new ConsumerOffsetManager(configDir, silentLogger);
    await m.load();
    assert.equal(m.query('please_rename_unique_group_name_4', 'TopicTest', 1), 2);
  });
});
