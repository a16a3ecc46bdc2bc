import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import {
  createOffsetMsgId,
  createRequest,
  decodeStoredRecords,
  encodeBatchBody,
  MessageConst,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import { props, pullRequest, sendRequest, startTestBroker, type TestBroker } from './helpers/broker-harness.js';

describe('send and pull (memory store, raw protocol)', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ maxMessageSize: 64 * 1024 });
  });
  after(() => b.close());

  it('stores a V2 send and answers msgId, queueId, queueOffset, transactionId and trace fields', async () => {
    const r = await b.client.invoke(b.addr, sendRequest('TopicA', 'hello', { properties: props({ TAGS: 'TagA' }) }));
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.equal(r.extFields.queueId, '0');
    assert.equal(r.extFields.queueOffset, '0');
    assert.equal(r.extFields.msgId, createOffsetMsgId(b.addr, 0));
    assert.match(r.extFields.transactionId ?? '', /^[0-9A-F]{32}$/);
    assert.equal(r.extFields.MSG_REGION, 'DefaultRegion');
    assert.equal(r.extFields.TRACE_ON, 'true');
    const topic = b.broker.components.topics.get('TopicA');
    assert.equal(topic?.writeQueueNums, 4, 'auto-created with min(client 4, TBW102 8) queues');
    assert.equal(topic?.perm, 6);
  });

  it('pulls the stored record back with UNIQ_KEY and CLUSTER added and the four offsets set', async () => {
    const r = await b.client.invoke(b.addr, pullRequest('TopicA'));
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.equal(r.extFields.nextBeginOffset, '1');
    assert.equal(r.extFields.minOffset, '0');
    assert.equal(r.extFields.maxOffset, '1');
    assert.equal(r.extFields.suggestWhichBrokerId, '0');
    const [m] = decodeStoredRecords(r.body!);
    assert.equal(m?.body.toString(), 'hello');
    assert.equal(m?.properties.get('TAGS'), 'TagA');
    assert.equal(m?.properties.get('CLUSTER'), 'DefaultCluster');
    assert.ok(m?.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX));
    assert.equal(m?.bornHost.startsWith('127.0.0.1:'), true);
  });

  it('answers every pull status with the four response fields', async () => {
    const atEnd = await b.client.invoke(b.addr, pullRequest('TopicA', { offset: 1 }));
    assert.equal(atEnd.code, ResponseCode.PULL_NOT_FOUND);
    assert.equal(atEnd.extFields.nextBeginOffset, '1');
    const beyond = await b.client.invoke(b.addr, pullRequest('TopicA', { offset: 9 }));
    assert.equal(beyond.code, ResponseCode.PULL_OFFSET_MOVED);
    assert.equal(beyond.extFields.nextBeginOffset, '1');
    const emptyQueue = await b.client.invoke(b.addr, pullRequest('TopicA', { queueId: 2, offset: 5 }));
    assert.equal(emptyQueue.code, ResponseCode.PULL_OFFSET_MOVED);
    assert.equal(emptyQueue.extFields.nextBeginOffset, '0');
    const emptyAtZero = await b.client.invoke(b.addr, pullRequest('TopicA', { queueId: 2, offset: 0 }));
    assert.equal(emptyAtZero.code, ResponseCode.PULL_NOT_FOUND);
    for (const r of [atEnd, beyond, emptyQueue, emptyAtZero]) {
      for (const k of ['nextBeginOffset', 'minOffset', 'maxOffset', 'suggestWhichBrokerId']) {
        assert.ok(r.extFields[k] !== undefined, `${k} missing on code ${r.code}`);
      }
    }
  });

  it('filters by tag hash and answers PULL_RETRY_IMMEDIATELY when nothing matched', async () => {
    await b.client.invoke(b.addr, sendRequest('TopicT', 'a', { properties: props({ TAGS: 'TagA' }) }));
    await b.client.invoke(b.addr, sendRequest('TopicT', 'b', { properties: props({ TAGS: 'TagB' }) }));
    await b.client.invoke(b.addr, sendRequest('TopicT', 'c', { properties: props({ TAGS: 'TagA' }) }));
    const r = await b.client.invoke(b.addr, pullRequest('TopicT', { subscription: 'TagB || TagC' }));
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.deepEqual(
      decodeStoredRecords(r.body!).map((m) => m.body.toString()),
      ['b'],
    );
    const none = await b.client.invoke(b.addr, pullRequest('TopicT', { subscription: 'TagZ' }));
    assert.equal(none.code, ResponseCode.PULL_RETRY_IMMEDIATELY);
    assert.equal(none.extFields.nextBeginOffset, '3');
  });

  it('commits the offset carried by a pull with FLAG_COMMIT_OFFSET', async () => {
    await b.client.invoke(b.addr, pullRequest('TopicA', { group: 'CG-commit', sysFlag: 1 | 4, commitOffset: 1 }));
    assert.equal(b.broker.components.offsets.query('CG-commit', 'TopicA', 0), 1);
  });

  it('stores batches with consecutive queue offsets and comma-joined msgIds', async () => {
    const body = encodeBatchBody([
      { flag: 0, body: Buffer.from('b1'), properties: props({ KEYS: 'k1' }) },
      { flag: 0, body: Buffer.from('b2'), properties: props({ KEYS: 'k2' }) },
    ]);
    const r = await b.client.invoke(
      b.addr,
      sendRequest('TopicBatch', body, { code: RequestCode.SEND_BATCH_MESSAGE, queueId: 1 }),
    );
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.equal(r.extFields.msgId?.split(',').length, 2);
    assert.equal(r.extFields.queueOffset, '0');
    const p = await b.client.invoke(b.addr, pullRequest('TopicBatch', { queueId: 1 }));
    const msgs = decodeStoredRecords(p.body!);
    assert.deepEqual(
      msgs.map((m) => [m.body.toString(), m.queueOffset]),
      [
        ['b1', 0],
        ['b2', 1],
      ],
    );
    assert.notEqual(msgs[0]?.properties.get('UNIQ_KEY'), msgs[1]?.properties.get('UNIQ_KEY'));
  });

  it('parks DELAY messages in SCHEDULE_TOPIC_XXXX with REAL_TOPIC/REAL_QID', async () => {
    const r = await b.client.invoke(b.addr, sendRequest('TopicD', 'later', { properties: props({ DELAY: '3' }) }));
    assert.equal(r.code, ResponseCode.SUCCESS);
    const p = await b.client.invoke(b.addr, pullRequest('SCHEDULE_TOPIC_XXXX', { queueId: 2 }));
    assert.equal(p.code, ResponseCode.SUCCESS);
    const [m] = decodeStoredRecords(p.body!);
    assert.equal(m?.properties.get('REAL_TOPIC'), 'TopicD');
    assert.equal(m?.properties.get('REAL_QID'), '0');
  });

  it('stores TRAN_MSG half messages in RMQ_SYS_TRANS_HALF_TOPIC queue 0', async () => {
    const r = await b.client.invoke(
      b.addr,
      sendRequest('TopicTx', 'half', { queueId: 2, sysFlag: 4, properties: props({ TRAN_MSG: 'true', PGROUP: 'PG' }) }),
    );
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.equal(r.extFields.queueId, '2');
    const p = await b.client.invoke(b.addr, pullRequest('RMQ_SYS_TRANS_HALF_TOPIC', { queueId: 0 }));
    const [m] = decodeStoredRecords(p.body!);
    assert.equal(m?.properties.get('REAL_TOPIC'), 'TopicTx');
    assert.equal(m?.properties.get('REAL_QID'), '2');
    assert.equal(m?.sysFlag & 0xc, 0);
    const real = await b.client.invoke(b.addr, pullRequest('TopicTx', { queueId: 2 }));
    assert.equal(real.code, ResponseCode.PULL_NOT_FOUND, 'a half message is not consumable');
    assert.equal(real.extFields.maxOffset, '0', 'nor in the real queue');
  });

  it('sends %RETRY% messages over the retry budget to %DLQ%<group>', async () => {
    const ok = await b.client.invoke(
      b.addr,
      sendRequest('%RETRY%G1', 'r', { reconsumeTimes: 2, maxReconsumeTimes: 3 }),
    );
    assert.equal(ok.code, ResponseCode.SUCCESS);
    const dlq = await b.client.invoke(
      b.addr,
      sendRequest('%RETRY%G1', 'd', { reconsumeTimes: 4, maxReconsumeTimes: 3 }),
    );
    assert.equal(dlq.code, ResponseCode.SUCCESS);
    const p = await b.client.invoke(b.addr, pullRequest('%DLQ%G1'));
    assert.equal(p.code, ResponseCode.SUCCESS);
    assert.equal(decodeStoredRecords(p.body!)[0]?.body.toString(), 'd');
    assert.equal(b.broker.components.topics.get('%DLQ%G1')?.writeQueueNums, 1);
  });

  it('sends retries of a group holding orderly locks straight to the DLQ', async () => {
    const lockBody = {
      consumerGroup: 'GL',
      clientId: 'c@1',
      onlyThisBroker: true,
      mqSet: [{ topic: 'TopicA', brokerName: 'broker-a', queueId: 0 }],
    };
    const lock = await b.invoke(RequestCode.LOCK_BATCH_MQ, {}, Buffer.from(JSON.stringify(lockBody)));
    assert.equal(lock.code, ResponseCode.SUCCESS, lock.remark);
    const r = await b.client.invoke(b.addr, sendRequest('%RETRY%GL', 'ordered', { reconsumeTimes: 1 }));
    assert.equal(r.code, ResponseCode.SUCCESS);
    const p = await b.client.invoke(b.addr, pullRequest('%DLQ%GL'));
    assert.equal(decodeStoredRecords(p.body!)[0]?.body.toString(), 'ordered');
  });
});

describe('long polling (manual clock; the hold check runs only when the test calls it)', () => {
  let b: TestBroker;
  const clock = new ManualClock(1_700_000_000_000);
  before(async () => {
    b = await startTestBroker({ pullHoldCheckIntervalMills: 3_600_000 }, { clock });
    // The topics exist before any pull is held (a pull of an unknown topic is TOPIC_NOT_EXIST).
    for (const t of ['TopicLP', 'TopicTO', 'TopicHB']) {
      assert.equal((await b.client.invoke(b.addr, sendRequest(t, 'first', { queueId: 1 }))).code, ResponseCode.SUCCESS);
    }
  });
  after(() => b.close());
  const holding = (n: number) => eventually(() => b.broker.components.hold.size === n, { message: `${n} held` });

  it('a held pull is answered when a message arrives, before its deadline', async () => {
    const pending = b.client.invoke(b.addr, pullRequest('TopicLP', { suspendMs: 10_000 }));
    await holding(1);
    assert.equal((await b.client.invoke(b.addr, sendRequest('TopicLP', 'woken'))).code, ResponseCode.SUCCESS);
    const r = await pending;
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.equal(decodeStoredRecords(r.body!)[0]?.body.toString(), 'woken');
  });

  it('a held pull is answered PULL_NOT_FOUND at the first check at or after suspendTimeoutMillis', async () => {
    const pending = b.client.invoke(b.addr, pullRequest('TopicTO', { suspendMs: 300 }));
    await holding(1);
    clock.advance(299);
    b.broker.components.hold.check();
    assert.equal(b.broker.components.hold.size, 1, 'not answered before the deadline');
    clock.advance(1);
    b.broker.components.hold.check();
    assert.equal(b.broker.components.hold.size, 0, 'answered at the deadline');
    const r = await pending;
    assert.equal(r.code, ResponseCode.PULL_NOT_FOUND);
    assert.equal(r.extFields.nextBeginOffset, '0');
  });

  it('a held pull does not block sends on the same connection', async () => {
    const held = b.client.invoke(b.addr, pullRequest('TopicHB', { suspendMs: 5000, subscription: 'Wanted' }));
    await holding(1);
    const s = await b.client.invoke(b.addr, sendRequest('TopicB', 'while held'));
    assert.equal(s.code, ResponseCode.SUCCESS);
    assert.equal(b.broker.components.hold.size, 1, 'the send was answered while the pull is still held');
    // A message its filter rejects does not wake it; one it wants does.
    await b.client.invoke(b.addr, sendRequest('TopicHB', 'other', { properties: props({ TAGS: 'Other' }) }));
    assert.equal(b.broker.components.hold.size, 1, 'a message the filter rejects does not wake the pull');
    await b.client.invoke(b.addr, sendRequest('TopicHB', 'wake', { properties: props({ TAGS: 'Wanted' }) }));
    const r = await held;
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.deepEqual(
      decodeStoredRecords(r.body!).map((m) => m.body.toString()),
      ['wake'],
    );
  });
});

describe('send and pull: bad input gets RocketMQ codes and the broker keeps serving', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ maxMessageSize: 1024, autoCreateTopicEnable: false });
    await b.broker.components.topics.ensure('Known', 2, 6);
  });
  after(() => b.close());

  it('missing or malformed header fields → SYSTEM_ERROR naming the field', async () => {
    const missing = await b.invoke(RequestCode.SEND_MESSAGE_V2, { b: 'Known' }, Buffer.from('x'));
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
    assert.match(missing.remark ?? '', /<a>/);
    const bad = pullRequest('Known');
    bad.extFields.queueOffset = 'not-a-number';
    const r = await b.client.invoke(b.addr, bad);
    assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
    assert.match(r.remark ?? '', /queueOffset/);
  });

  it('unknown topic without auto-create → TOPIC_NOT_EXIST', async () => {
    const r = await b.client.invoke(b.addr, sendRequest('Unknown', 'x'));
    assert.equal(r.code, ResponseCode.TOPIC_NOT_EXIST);
    const p = await b.client.invoke(b.addr, pullRequest('Unknown'));
    assert.equal(p.code, ResponseCode.TOPIC_NOT_EXIST);
  });

  it('oversized body → MESSAGE_ILLEGAL', async () => {
    const r = await b.client.invoke(b.addr, sendRequest('Known', Buffer.alloc(2048)));
    assert.equal(r.code, ResponseCode.MESSAGE_ILLEGAL);
  });

  it('invalid topic names and queue ids → INVALID_PARAMETER; system topics → NO_PERMISSION', async () => {
    for (const t of ['bad topic', 'a/b', 'x'.repeat(128)]) {
      const r = await b.client.invoke(b.addr, sendRequest(t, 'x'));
      assert.equal(r.code, ResponseCode.INVALID_PARAMETER, t);
    }
    const q = await b.client.invoke(b.addr, sendRequest('Known', 'x', { queueId: 2 }));
    assert.equal(q.code, ResponseCode.INVALID_PARAMETER);
    const pq = await b.client.invoke(b.addr, pullRequest('Known', { queueId: 7 }));
    assert.equal(pq.code, ResponseCode.INVALID_PARAMETER);
    const sys = await b.client.invoke(b.addr, sendRequest('SCHEDULE_TOPIC_XXXX', 'x'));
    assert.equal(sys.code, ResponseCode.NO_PERMISSION);
  });

  it('unknown request codes → REQUEST_CODE_NOT_SUPPORTED; a garbage heartbeat → SYSTEM_ERROR', async () => {
    const r = await b.invoke(9999);
    assert.equal(r.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    const hb = await b.client.invoke(b.addr, createRequest(RequestCode.HEART_BEAT, {}, Buffer.from('{nope')));
    assert.equal(hb.code, ResponseCode.SYSTEM_ERROR);
  });

  it('still serves valid requests afterwards', async () => {
    const r = await b.client.invoke(b.addr, sendRequest('Known', 'fine', { queueId: 1 }));
    assert.equal(r.code, ResponseCode.SUCCESS);
  });
});
