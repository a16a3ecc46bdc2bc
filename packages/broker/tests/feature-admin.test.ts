import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, parseProperties } from '@rocketmq-ts/common';
import { createResponse, parseFastjson, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { AdminService } from '../src/admin/admin-service.js';
import { formatRuntime } from '../src/admin/broker-admin.js';
import { resetTarget } from '../src/admin/group-admin.js';
import { createTopicProblem, resolveTopicAttributes } from '../src/admin/topic-admin.js';
import { TpsSampler } from '../src/admin/tps-sampler.js';
import type { FeatureProcessor } from '../src/runtime/ports.js';
import {
  FakeChannel,
  groupView,
  message,
  noConnection,
  request,
  type TestDeps,
  testDeps,
  topicView,
} from './feature-fakes.js';

async function setup(config: Record<string, string | number | boolean> = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const deps = await testDeps('/nonexistent', config, clock);
  const admin = new AdminService(deps);
  const byCode = new Map<number, FeatureProcessor>(admin.processors.map((p) => [p.code, p]));
  const call = async (code: number, ext: Record<string, string | number | boolean> = {}, body?: Buffer) => {
    const p = byCode.get(code);
    assert.ok(p, `processor for ${code}`);
    return (await p.handler(request(code, ext, body), noConnection))!;
  };
  return { deps, clock, admin, call };
}

async function putN(deps: TestDeps, clock: ManualClock, topic: string, queueId: number, n: number, stepMs = 10) {
  for (let i = 0; i < n; i++) {
    await deps.store.putMessage(message(topic, queueId));
    clock.advance(stepMs);
  }
}

/** The parsed value of text that must parse. */
function fastjson(text: string): unknown {
  const r = parseFastjson(text);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

describe('admin pure helpers', () => {
  it('formats runtime, validates topics, parses attributes, decides reset targets', () => {
    assert.equal(formatRuntime(90_061_000), '[ 1 days, 1 hours, 1 minutes, 1 seconds ]');
    assert.equal(
      createTopicProblem({
        topic: 'Ok_1',
        readQueueNums: 4,
        writeQueueNums: 4,
        perm: 6,
        topicFilterType: 'SINGLE_TAG',
      }),
      undefined,
    );
    assert.match(
      createTopicProblem({
        topic: 'bad topic',
        readQueueNums: 4,
        writeQueueNums: 4,
        perm: 6,
        topicFilterType: 'SINGLE_TAG',
      })!,
      /illegal/,
    );
    assert.match(
      createTopicProblem({
        topic: 'TBW102',
        readQueueNums: 4,
        writeQueueNums: 4,
        perm: 6,
        topicFilterType: 'SINGLE_TAG',
      })!,
      /system topic/,
    );
    assert.match(
      createTopicProblem({ topic: 'T', readQueueNums: 0, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG' })!,
      /readQueueNums/,
    );
    assert.deepEqual(
      resolveTopicAttributes('+message.type=FIFO,-reserve.time', { 'reserve.time': '3', keep: 'y' }, false),
      {
        ok: true,
        value: { keep: 'y', 'message.type': 'FIFO' },
      },
    );
    assert.deepEqual(resolveTopicAttributes('+message.type=MIXED', undefined, false), {
      ok: false,
      error: { code: 29, remark: 'MIXED message type is not supported.' },
    });
    assert.deepEqual(resolveTopicAttributes('+message.type=MIXED', undefined, true), {
      ok: true,
      value: { 'message.type': 'MIXED' },
    });
    assert.deepEqual(resolveTopicAttributes('+queue.type=BatchCQ', undefined, false), {
      ok: false,
      error: { code: 1, remark: 'queue.type=BatchCQ is not supported by this broker' },
    });
    assert.equal(resetTarget(10, 4, false), 4);
    assert.equal(resetTarget(3, 4, false), 3);
    assert.equal(resetTarget(3, 4, true), 4);
  });

  it('samples rates over windows and remembers day starts', () => {
    let total = 0;
    const s = new TpsSampler();
    s.track('x', () => total, 0);
    for (let t = 1000; t <= 20_000; t += 1000) {
      total += 5;
      s.sample(t);
    }
    assert.equal(s.rate('x', 10_000, 20_000), 5);
    assert.equal(s.tpsString('x', 20_000), '5.00 5.00 5.00');
    s.sample(86_400_000 + 5);
    assert.equal(s.morning('x').today, 100);
  });
});

describe('admin processors', () => {
  it('GET_BROKER_RUNTIME_INFO reports string values under RocketMQ keys', async () => {
    const { deps, clock, admin, call } = await setup();
    await putN(deps, clock, 'T', 0, 3);
    admin.sample();
    const r = await call(RequestCode.GET_BROKER_RUNTIME_INFO);
    assert.equal(r.code, ResponseCode.SUCCESS);
    const { table } = JSON.parse(r.body!.toString()) as { table: Record<string, unknown> };
    for (const k of [
      'msgPutTotalTodayNow',
      'msgGetTotalTodayNow',
      'commitLogMaxOffset',
      'commitLogMinOffset',
      'brokerVersion',
      'brokerVersionDesc',
      'putTps',
      'getTransferredTps',
      'runtime',
      'bootTimestamp',
      'earliestMessageTimeStamp',
    ]) {
      assert.equal(typeof table[k], 'string', k);
    }
    assert.equal(table.msgPutTotalTodayNow, '3');
    assert.equal(table.brokerVersionDesc, 'V5_3_3');
    assert.equal(table.commitLogMaxOffset, String(deps.store.getMaxPhyOffset()));
    assert.equal(table.earliestMessageTimeStamp, '1700000000000');
    assert.equal(table.runtime, '[ 0 days, 0 hours, 0 minutes, 0 seconds ]');
    assert.match(String(table.putTps), /^\d+\.\d\d \d+\.\d\d \d+\.\d\d$/);
  });

  it('GET_BROKER_CONFIG answers the config as properties text', async () => {
    const { call } = await setup({ brokerName: 'broker-a', listenPort: 10911 });
    const r = await call(RequestCode.GET_BROKER_CONFIG);
    const props = parseProperties(r.body!.toString());
    assert.equal(props.get('brokerName'), 'broker-a');
    assert.equal(props.get('listenPort'), '10911');
    assert.match(r.extFields.version!, /"counter":0/);
  });

  it('creates, lists, shows and deletes topics; bad requests get INVALID_PARAMETER', async () => {
    const { deps, clock, call } = await setup();
    const ext = {
      topic: 'Orders',
      defaultTopic: 'TBW102',
      readQueueNums: 2,
      writeQueueNums: 2,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      order: false,
      attributes: '+message.type=FIFO',
    };
    assert.equal((await call(RequestCode.UPDATE_AND_CREATE_TOPIC, ext)).code, ResponseCode.SUCCESS);
    assert.deepEqual(deps.topics.get('Orders'), {
      ...topicView('Orders', 2, 6),
      attributes: { 'message.type': 'FIFO' },
    });
    const unknown = await call(RequestCode.UPDATE_AND_CREATE_TOPIC, { ...ext, attributes: '+k=v' });
    assert.deepEqual([unknown.code, unknown.remark], [ResponseCode.SYSTEM_ERROR, 'unsupported key: k']);
    assert.deepEqual(deps.topics.get('Orders')?.attributes, { 'message.type': 'FIFO' });
    assert.equal(
      (await call(RequestCode.UPDATE_AND_CREATE_TOPIC, { ...ext, topic: 'a/b' })).code,
      ResponseCode.INVALID_PARAMETER,
    );
    assert.equal(
      (await call(RequestCode.UPDATE_AND_CREATE_TOPIC, { ...ext, topic: 'SCHEDULE_TOPIC_XXXX' })).code,
      ResponseCode.INVALID_PARAMETER,
    );
    assert.equal((await call(RequestCode.UPDATE_AND_CREATE_TOPIC, { topic: 'X' })).code, ResponseCode.SYSTEM_ERROR);

    const all = await call(RequestCode.GET_ALL_TOPIC_CONFIG);
    const text = all.body!.toString();
    assert.ok(
      text.startsWith('{"dataVersion":{"counter":0,"stateVersion":0,"timestamp":0},"mappingDataVersion"'),
      text,
    );
    assert.ok(
      text.includes(
        '"topicConfigTable":{"Orders":{"attributes":{"message.type":"FIFO"},"order":false,"perm":6,"readQueueNums":2,"topicFilterType":"SINGLE_TAG","topicName":"Orders","topicSysFlag":0,"writeQueueNums":2}}',
      ),
    );

    const one = await call(RequestCode.GET_TOPIC_CONFIG, { topic: 'Orders' });
    assert.equal((JSON.parse(one.body!.toString()) as { topicName: string }).topicName, 'Orders');
    assert.equal((await call(RequestCode.GET_TOPIC_CONFIG, { topic: 'Nope' })).code, ResponseCode.TOPIC_NOT_EXIST);

    await putN(deps, clock, 'Orders', 0, 2);
    deps.offsets.commit('g', 'Orders', 0, 1);
    assert.equal((await call(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: 'Orders' })).code, ResponseCode.SUCCESS);
    assert.equal(deps.topics.get('Orders'), undefined);
    assert.deepEqual(deps.offsets.topicsOf('g'), []);
    assert.equal(deps.store.queues().has('Orders'), false);
    assert.equal(
      (await call(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: 'TBW102' })).code,
      ResponseCode.INVALID_PARAMETER,
    );
  });

  it('GET_TOPIC_STATS_INFO writes the MessageQueue-keyed offset table in fastjson form', async () => {
    const { deps, clock, call } = await setup();
    deps.topics.table.set('T', topicView('T', 2));
    await putN(deps, clock, 'T', 1, 2);
    const r = await call(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'T' });
    assert.equal(
      r.body!.toString(),
      '{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:{"lastUpdateTimestamp":0,"maxOffset":0,"minOffset":0},' +
        '{"brokerName":"broker-a","queueId":1,"topic":"T"}:{"lastUpdateTimestamp":1700000000010,"maxOffset":2,"minOffset":0}}}',
    );
    const parsed = fastjson(r.body!.toString()) as { offsetTable: Map<unknown, unknown> };
    assert.equal(parsed.offsetTable.size, 2);
    assert.equal((await call(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'Nope' })).code, ResponseCode.TOPIC_NOT_EXIST);
  });

  it('GET_CONSUME_STATS reports broker and consumer offsets per queue of the group’s topics', async () => {
    const { deps, clock, call } = await setup();
    deps.topics.table.set('T', topicView('T', 1));
    deps.topics.table.set('U', topicView('U', 1));
    await putN(deps, clock, 'T', 0, 3);
    deps.offsets.commit('g', 'T', 0, 2);
    deps.offsets.commit('g', 'U', 0, 0);
    const r = await call(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'g', topic: 'T' });
    assert.equal(
      r.body!.toString(),
      '{"consumeTps":0,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:{"brokerOffset":3,"consumerOffset":2,"lastTimestamp":1700000000010,"pullOffset":2}}}',
    );
    const both = fastjson((await call(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'g' })).body!.toString()) as {
      offsetTable: Map<{ topic: string }, unknown>;
    };
    assert.deepEqual([...both.offsetTable.keys()].map((k) => k.topic).sort(), ['T', 'U']);
  });

  it('GET_CONSUMER_CONNECTION_LIST lists live members or answers CONSUMER_NOT_ONLINE', async () => {
    const { deps, call } = await setup();
    assert.equal(
      (await call(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: 'g' })).code,
      ResponseCode.CONSUMER_NOT_ONLINE,
    );
    deps.clients.consumers.set('g', {
      groupName: 'g',
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      channels: [new FakeChannel('10.0.0.1@1', '10.0.0.1:5555')],
      subscriptions: new Map([
        ['T', { subString: '*', subVersion: 7, expressionType: 'TAG', codeSet: [], tagsSet: [] }],
      ]),
    });
    const r = await call(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: 'g' });
    assert.equal(
      r.body!.toString(),
      '{"connectionSet":[{"clientAddr":"10.0.0.1:5555","clientId":"10.0.0.1@1","language":"JAVA","version":479}],' +
        '"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING",' +
        '"subscriptionTable":{"T":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":7,"tagsSet":[],"topic":"T"}}}',
    );
    const who = await call(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, { topic: 'T' });
    assert.equal(who.body!.toString(), '{"groupSet":["g"]}');
  });

  it('GET_ALL_PRODUCER_INFO lists live producers by group, as ProducerTableInfo', async () => {
    const { deps, call } = await setup();
    assert.equal((await call(RequestCode.GET_ALL_PRODUCER_INFO)).body!.toString(), '{"data":{}}');
    const ch = new FakeChannel('10.0.0.2@7', '10.0.0.2:6000', 'NODE_JS', 479);
    ch.lastUpdateTimestamp = 1_700_000_000_123;
    deps.clients.producers.set('pg', [ch]);
    assert.equal(
      (await call(RequestCode.GET_ALL_PRODUCER_INFO)).body!.toString(),
      '{"data":{"pg":[{"clientId":"10.0.0.2@7","language":"NODE_JS","lastUpdateTimestamp":1700000000123,"remoteIP":"10.0.0.2:6000","version":479}]}}',
    );
  });

  it('creates, lists and deletes subscription groups', async () => {
    const { deps, call } = await setup();
    const body = Buffer.from(JSON.stringify({ groupName: 'g1', retryMaxTimes: 3, consumeMessageOrderly: true }));
    assert.equal((await call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, body)).code, ResponseCode.SUCCESS);
    assert.deepEqual(deps.groups.get('g1'), groupView('g1', { retryMaxTimes: 3, consumeMessageOrderly: true }));
    assert.equal(
      (await call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, Buffer.from('{"groupName":"a b"}'))).code,
      ResponseCode.INVALID_PARAMETER,
    );
    const one = await call(RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG, { group: 'g1' });
    assert.equal(JSON.parse(one.body!.toString()).consumeMessageOrderly, true);
    const none = await call(RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG, { group: 'nope' });
    assert.equal(none.code, ResponseCode.SYSTEM_ERROR);
    const all = JSON.parse((await call(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG)).body!.toString());
    assert.equal(all.subscriptionGroupTable.g1.retryMaxTimes, 3);
    deps.offsets.commit('g1', 'T', 0, 5);
    assert.equal((await call(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: 'g1', cleanOffset: true })).code, 0);
    assert.equal(deps.groups.get('g1'), undefined);
    assert.equal(deps.offsets.query('g1', 'T', 0), -1);
  });

  it('GET_ALL_CONSUMER_OFFSET lists topic@group tables with bare queue-id keys', async () => {
    const { deps, call } = await setup();
    deps.topics.table.set('T', topicView('T', 2));
    deps.offsets.commit('g', 'T', 1, 7);
    deps.offsets.commit('g', 'T', 0, 3);
    deps.offsets.commit('h', 'T', 0, 1);
    const r = await call(RequestCode.GET_ALL_CONSUMER_OFFSET);
    assert.equal(
      r.body!.toString(),
      '{"dataVersion":{"counter":0,"stateVersion":0,"timestamp":0},"offsetTable":{"T@g":{0:3,1:7},"T@h":{0:1}}}',
    );
  });

  it('INVOKE_BROKER_TO_RESET_OFFSET moves committed offsets to a timestamp and notifies members', async () => {
    const { deps, clock, call } = await setup();
    deps.topics.table.set('T', topicView('T', 2));
    await putN(deps, clock, 'T', 0, 5); // stored at t0, t0+10, ... t0+40
    deps.offsets.commit('g', 'T', 0, 5);
    deps.offsets.commit('g', 'T', 1, 0);
    const member = new FakeChannel('c1');
    deps.clients.consumers.set('g', {
      groupName: 'g',
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      channels: [member],
      subscriptions: new Map(),
    });
    const r = await call(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, {
      topic: 'T',
      group: 'g',
      timestamp: 1_700_000_000_020,
      isForce: false,
    });
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.equal(deps.offsets.query('g', 'T', 0), 2);
    assert.equal(deps.offsets.query('g', 'T', 1), 0);
    assert.equal(
      r.body!.toString(),
      '{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:2,{"brokerName":"broker-a","queueId":1,"topic":"T"}:0}}',
    );
    assert.equal(member.pushed.length, 1);
    assert.equal(member.pushed[0]!.code, RequestCode.RESET_CONSUMER_CLIENT_OFFSET);
    assert.equal(member.pushed[0]!.extFields.group, 'g');
    assert.deepEqual(member.pushed[0]!.body, r.body);
    // Forward (isForce) to the newest message.
    await call(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, { topic: 'T', group: 'g', timestamp: -1, isForce: true });
    assert.equal(deps.offsets.query('g', 'T', 0), 5);
    assert.equal(
      (await call(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, { topic: 'X', group: 'g', timestamp: 0, isForce: true }))
        .code,
      ResponseCode.TOPIC_NOT_EXIST,
    );
  });

  it('GET_CONSUMER_RUNNING_INFO is forwarded to the named client', async () => {
    const { deps, call } = await setup();
    const member = new FakeChannel('c1', '127.0.0.1:1', 'JAVA', 479, (cmd) =>
      createResponse(cmd, 0, undefined, undefined, Buffer.from('{"x":1}')),
    );
    deps.clients.consumers.set('g', {
      groupName: 'g',
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      channels: [member],
      subscriptions: new Map(),
    });
    const r = await call(RequestCode.GET_CONSUMER_RUNNING_INFO, {
      consumerGroup: 'g',
      clientId: 'c1',
      jstackEnable: false,
    });
    assert.equal(r.code, 0);
    assert.equal(r.body!.toString(), '{"x":1}');
    assert.equal(member.pushed[0]!.extFields.clientId, 'c1');
    const miss = await call(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: 'g', clientId: 'c2' });
    assert.equal(miss.code, ResponseCode.SYSTEM_ERROR);
  });
});
