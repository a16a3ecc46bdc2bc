import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createRequest,
  OffsetResponseHeader,
  QueryConsumerOffsetRequestHeader,
  RequestCode,
  ResponseCode,
  UpdateConsumerOffsetRequestHeader,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { eventually } from '@rocketmq-ts/testkit';
import {
  consumerData,
  heartbeatRequest,
  pullRequest,
  sendRequest,
  startTestBroker,
  type TestBroker,
} from './helpers/broker-harness.js';

describe('client management (HEART_BEAT, UNREGISTER_CLIENT, GET_CONSUMER_LIST_BY_GROUP)', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker();
  });
  after(() => b.close());

  it('answers code 1 with the Java remark when a group has no members', async () => {
    const r = await b.invoke(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'Nobody' });
    assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(r.remark, 'no consumer for this group, Nobody');
  });

  it('a heartbeat registers the consumer, creates %RETRY%<group> with 1 queue perm 6, without V2 flag', async () => {
    const r = await b.client.invoke(
      b.addr,
      heartbeatRequest({ clientID: '10.0.0.1@1', consumerDataSet: [consumerData('CG1', 'TopicH', 'TagA')] }),
    );
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.equal(r.extFields.IS_SUPPORT_HEART_BEAT_V2, undefined);
    const retry = b.broker.components.topics.get('%RETRY%CG1');
    assert.equal(retry?.readQueueNums, 1);
    assert.equal(retry?.perm, 6);
    const list = await b.invoke(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'CG1' });
    assert.equal(list.code, ResponseCode.SUCCESS);
    assert.deepEqual(JSON.parse(list.body!.toString()), { consumerIdList: ['10.0.0.1@1'] });
  });

  it('pushes NOTIFY_CONSUMER_IDS_CHANGED to members when another joins, and drops members on close', async () => {
    const notified: string[] = [];
    b.client.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (req) => {
      notified.push(req.extFields.consumerGroup ?? '');
      return undefined;
    });
    const other = new RemotingClient();
    try {
      await other.invoke(
        b.addr,
        heartbeatRequest({ clientID: '10.0.0.2@2', consumerDataSet: [consumerData('CG1', 'TopicH', 'TagA')] }),
      );
      await eventually(() => notified.includes('CG1'), { message: 'notify to the first member' });
      const list = await b.invoke(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'CG1' });
      assert.deepEqual(JSON.parse(list.body!.toString()).consumerIdList, ['10.0.0.1@1', '10.0.0.2@2']);
    } finally {
      await other.close();
    }
    await eventually(async () => {
      const list = await b.invoke(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'CG1' });
      return JSON.parse(list.body!.toString()).consumerIdList.length === 1;
    });
  });

  it('pull without FLAG_SUBSCRIPTION uses the heartbeat subscription (and its tag filter)', async () => {
    await b.client.invoke(b.addr, sendRequest('TopicH', 'a', { properties: 'TAGS\u0001TagA\u0002' }));
    await b.client.invoke(b.addr, sendRequest('TopicH', 'b', { properties: 'TAGS\u0001TagB\u0002' }));
    const r = await b.client.invoke(b.addr, pullRequest('TopicH', { group: 'CG1', sysFlag: 0 }));
    assert.equal(r.code, ResponseCode.SUCCESS);
    const none = await b.client.invoke(b.addr, pullRequest('TopicH', { group: 'CGx', sysFlag: 0 }));
    assert.equal(none.code, ResponseCode.SUBSCRIPTION_NOT_EXIST);
  });

  it('UNREGISTER_CLIENT removes the consumer', async () => {
    const r = await b.invoke(RequestCode.UNREGISTER_CLIENT, { clientID: '10.0.0.1@1', consumerGroup: 'CG1' });
    assert.equal(r.code, ResponseCode.SUCCESS);
    const list = await b.invoke(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'CG1' });
    assert.equal(list.code, ResponseCode.SYSTEM_ERROR);
  });
});

describe('offsets (14, 15, 29, 30, 31, 32)', () => {
  let b: TestBroker;
  const query = (group: string, topic: string, queueId = 0, setZeroIfNotFound?: boolean) =>
    b.client.invoke(
      b.addr,
      createRequest(
        RequestCode.QUERY_CONSUMER_OFFSET,
        QueryConsumerOffsetRequestHeader.encode({ consumerGroup: group, topic, queueId, setZeroIfNotFound }),
      ),
    );
  const update = (group: string, topic: string, commitOffset: number) =>
    b.client.invoke(
      b.addr,
      createRequest(
        RequestCode.UPDATE_CONSUMER_OFFSET,
        UpdateConsumerOffsetRequestHeader.encode({ consumerGroup: group, topic, queueId: 0, commitOffset }),
      ),
    );
  before(async () => {
    b = await startTestBroker();
    await b.broker.components.groups.getOrCreate('G');
    for (let i = 0; i < 3; i++) await b.client.invoke(b.addr, sendRequest('TopicO', `m${i}`));
  });
  after(() => b.close());

  it('a young queue answers offset 0 for a group without progress; setZeroIfNotFound=false → 22', async () => {
    const r = await query('G', 'TopicO');
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.equal(r.extFields.offset, '0');
    const nf = await query('G', 'TopicO', 0, false);
    assert.equal(nf.code, ResponseCode.QUERY_NOT_FOUND);
  });

  it('stores offsets as given and treats −1 (ali-ons for 0) as none', async () => {
    assert.equal((await update('G', 'TopicO', 2)).code, ResponseCode.SUCCESS);
    const r = await query('G', 'TopicO');
    assert.equal(OffsetResponseHeader.decode(r.extFields).ok && r.extFields.offset, '2');
    await update('G', 'TopicO', -1);
    assert.equal(b.broker.components.offsets.query('G', 'TopicO', 0), -1);
    assert.equal((await query('G', 'TopicO')).extFields.offset, '0');
  });

  it('UPDATE for unknown group or topic → 26 / 17', async () => {
    assert.equal((await update('NoGroup', 'TopicO', 1)).code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
    assert.equal((await update('G', 'NoTopic', 1)).code, ResponseCode.TOPIC_NOT_EXIST);
  });

  it('GET_MAX/MIN_OFFSET, GET_EARLIEST_MSG_STORETIME and SEARCH_OFFSET_BY_TIMESTAMP', async () => {
    const max = await b.invoke(RequestCode.GET_MAX_OFFSET, { topic: 'TopicO', queueId: '0' });
    assert.equal(max.extFields.offset, '3');
    const min = await b.invoke(RequestCode.GET_MIN_OFFSET, { topic: 'TopicO', queueId: '0' });
    assert.equal(min.extFields.offset, '0');
    const earliest = await b.invoke(RequestCode.GET_EARLIEST_MSG_STORETIME, { topic: 'TopicO', queueId: '0' });
    const t0 = Number(earliest.extFields.timestamp);
    assert.ok(t0 > 0 && t0 <= Date.now());
    const before = await b.invoke(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
      topic: 'TopicO',
      queueId: '0',
      timestamp: String(t0 - 1000),
    });
    assert.equal(before.extFields.offset, '0');
    const future = await b.invoke(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
      topic: 'TopicO',
      queueId: '0',
      timestamp: String(Date.now() + 60_000),
    });
    assert.equal(future.extFields.offset, '3');
  });
});
