import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeStoredRecords, parseFastjson, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { type FeatureBroker, startFeatureBroker } from './feature-harness.js';

/** The parsed value of text that must parse. */
function fastjson(text: string): unknown {
  const r = parseFastjson(text);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

describe('query, locks and admin over the wire', () => {
  let b: FeatureBroker;
  before(async () => {
    b = await startFeatureBroker();
  });
  after(() => b.close());

  it('finds a message by key and by unique key, and views it by offset id', async () => {
    const sent = await b.send('QueryT', { KEYS: 'order-7 customer-3', UNIQ_KEY: 'UNIQ0001', TAGS: 'q' }, 'find me');
    assert.equal(sent.code, ResponseCode.SUCCESS);
    const range = { beginTimestamp: 0, endTimestamp: Date.now() + 60_000 };
    const byKey = await b.invoke(RequestCode.QUERY_MESSAGE, {
      topic: 'QueryT',
      key: 'customer-3',
      maxNum: 16,
      ...range,
    });
    assert.equal(byKey.code, ResponseCode.SUCCESS);
    assert.equal(decodeStoredRecords(byKey.body!)[0]!.body.toString(), 'find me');
    assert.ok(Number(byKey.extFields.indexLastUpdateTimestamp) > 0);
    const byUniq = await b.invoke(RequestCode.QUERY_MESSAGE, {
      topic: 'QueryT',
      key: 'UNIQ0001',
      maxNum: 1,
      _UNIQUE_KEY_QUERY: 'true',
      ...range,
    });
    assert.equal(decodeStoredRecords(byUniq.body!)[0]!.msgId, sent.msgId);
    const miss = await b.invoke(RequestCode.QUERY_MESSAGE, { topic: 'QueryT', key: 'nope', maxNum: 16, ...range });
    assert.equal(miss.code, ResponseCode.QUERY_NOT_FOUND);

    const view = await b.invoke(RequestCode.VIEW_MESSAGE_BY_ID, { offset: sent.physicalOffset, topic: 'QueryT' });
    assert.equal(view.code, ResponseCode.SUCCESS);
    assert.equal(decodeStoredRecords(view.body!)[0]!.msgId, sent.msgId);
    const noView = await b.invoke(RequestCode.VIEW_MESSAGE_BY_ID, { offset: 123_456_789 });
    assert.equal(noView.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(noView.remark, 'can not find message by the offset, 123456789');
  });

  it('locks queues for one client at a time and releases them on unlock', async () => {
    const mqSet = [0, 1].map((queueId) => ({ topic: 'OrderT', brokerName: 'broker-a', queueId }));
    const body = (clientId: string, mqs = mqSet) =>
      Buffer.from(JSON.stringify({ consumerGroup: 'orderly', clientId, onlyThisBroker: false, mqSet: mqs }));
    const first = await b.invoke(RequestCode.LOCK_BATCH_MQ, {}, body('c1'));
    assert.equal(first.code, ResponseCode.SUCCESS);
    assert.equal(JSON.parse(first.body!.toString()).lockOKMQSet.length, 2);
    const second = await b.invoke(RequestCode.LOCK_BATCH_MQ, {}, body('c2'));
    assert.deepEqual(JSON.parse(second.body!.toString()), { lockOKMQSet: [] });
    const unlock = await b.invoke(RequestCode.UNLOCK_BATCH_MQ, {}, body('c1', [mqSet[1]!]));
    assert.equal(unlock.code, ResponseCode.SUCCESS);
    const third = await b.invoke(RequestCode.LOCK_BATCH_MQ, {}, body('c2'));
    assert.deepEqual(JSON.parse(third.body!.toString()).lockOKMQSet, [
      { brokerName: 'broker-a', queueId: 1, topic: 'OrderT' },
    ]);
  });

  it('serves the admin codes mqadmin uses', async () => {
    const create = await b.invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      topic: 'AdminT',
      defaultTopic: 'TBW102',
      readQueueNums: 2,
      writeQueueNums: 2,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      order: false,
    });
    assert.equal(create.code, ResponseCode.SUCCESS, create.remark);
    const bad = await b.invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      topic: 'bad topic!',
      defaultTopic: 'TBW102',
      readQueueNums: 2,
      writeQueueNums: 2,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      order: false,
    });
    assert.equal(bad.code, ResponseCode.INVALID_PARAMETER);

    const all = await b.invoke(RequestCode.GET_ALL_TOPIC_CONFIG);
    const wrapper = JSON.parse(all.body!.toString());
    assert.equal(wrapper.topicConfigTable.AdminT.writeQueueNums, 2);
    assert.ok(wrapper.dataVersion.counter >= 1);

    await b.send('AdminT', { TAGS: 'a' }, 'one', { queueId: 1 });
    const stats = await b.invoke(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'AdminT' });
    const table = (fastjson(stats.body!.toString()) as { offsetTable: Map<{ queueId: number }, { maxOffset: number }> })
      .offsetTable;
    assert.deepEqual(
      [...table].map(([k, v]) => [k.queueId, v.maxOffset]),
      [
        [0, 0],
        [1, 1],
      ],
    );
    assert.ok(
      stats.body!.toString().startsWith('{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"AdminT"}:'),
    );

    const runtime = await b.invoke(RequestCode.GET_BROKER_RUNTIME_INFO);
    const info = JSON.parse(runtime.body!.toString()).table as Record<string, string>;
    assert.ok(Number(info.msgPutTotalTodayNow) >= 1);
    assert.equal(info.brokerVersionDesc, 'V5_3_3');
    const config = await b.invoke(RequestCode.GET_BROKER_CONFIG);
    assert.match(config.body!.toString(), /^brokerName=broker-a$/m);

    const offline = await b.invoke(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: 'adminG' });
    assert.equal(offline.code, ResponseCode.CONSUMER_NOT_ONLINE);
    const hb = await b.heartbeat({
      clientID: '127.0.0.1@it',
      producerDataSet: [],
      consumerDataSet: [
        {
          groupName: 'adminG',
          consumeType: 'CONSUME_PASSIVELY',
          messageModel: 'CLUSTERING',
          consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
          subscriptionDataSet: [
            { topic: 'AdminT', subString: '*', tagsSet: [], codeSet: [], subVersion: 1, expressionType: 'TAG' },
          ],
          unitMode: false,
        },
      ],
    });
    assert.equal(hb.code, ResponseCode.SUCCESS);
    const online = await b.invoke(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: 'adminG' });
    assert.equal(online.code, ResponseCode.SUCCESS, online.remark);
    const conn = JSON.parse(online.body!.toString());
    assert.equal(conn.connectionSet[0].clientId, '127.0.0.1@it');
    assert.equal(conn.subscriptionTable.AdminT.subString, '*');

    await b.invoke(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: 'adminG',
      topic: 'AdminT',
      queueId: 1,
      commitOffset: 1,
    });
    const consume = await b.invoke(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'adminG', topic: 'AdminT' });
    assert.equal(consume.code, ResponseCode.SUCCESS);
    const offsets = (
      fastjson(consume.body!.toString()) as {
        offsetTable: Map<{ queueId: number }, { brokerOffset: number; consumerOffset: number }>;
      }
    ).offsetTable;
    assert.deepEqual(
      [...offsets].map(([k, v]) => [k.queueId, v.brokerOffset, v.consumerOffset]),
      [
        [0, 0, 0],
        [1, 1, 1],
      ],
    );
    const who = await b.invoke(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, { topic: 'AdminT' });
    assert.deepEqual(JSON.parse(who.body!.toString()).groupSet, ['adminG']);

    const reset = await b.invoke(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, {
      topic: 'AdminT',
      group: 'adminG',
      timestamp: 0,
      isForce: true,
    });
    assert.equal(reset.code, ResponseCode.SUCCESS, reset.remark);
    const q = await b.invoke(RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: 'adminG',
      topic: 'AdminT',
      queueId: 1,
    });
    assert.equal(q.extFields.offset, '0');

    const group = await b.invoke(
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      {},
      Buffer.from(JSON.stringify({ groupName: 'adminG2', retryMaxTimes: 2 })),
    );
    assert.equal(group.code, ResponseCode.SUCCESS);
    const groups = JSON.parse((await b.invoke(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG)).body!.toString());
    assert.equal(groups.subscriptionGroupTable.adminG2.retryMaxTimes, 2);
    assert.equal(
      (await b.invoke(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: 'adminG2' })).code,
      ResponseCode.SUCCESS,
    );

    assert.equal((await b.invoke(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: 'AdminT' })).code, ResponseCode.SUCCESS);
    assert.equal(
      (await b.invoke(RequestCode.GET_TOPIC_CONFIG, { topic: 'AdminT' })).code,
      ResponseCode.TOPIC_NOT_EXIST,
    );
  });
});
