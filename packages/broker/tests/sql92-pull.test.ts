import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createRequest,
  decodeStoredRecords,
  encodeCheckClientBody,
  RequestCode,
  ResponseCode,
  type SubscriptionData,
} from '@rocketmq-ts/protocol';
import {
  consumerData,
  heartbeatRequest,
  props,
  pullRequest,
  sendRequest,
  sqlPull,
  startTestBroker,
  type TestBroker,
} from './helpers/broker-harness.js';

// SQL92 over PULL_MESSAGE (the header's subscription and the heartbeat's), CHECK_CLIENT_CONFIG
// and filterSupportRetry, against a broker with enablePropertyFilter=true.

const sub = (topic: string, subString: string, expressionType = 'SQL92'): SubscriptionData => ({
  topic,
  subString,
  tagsSet: [],
  codeSet: [],
  subVersion: Date.now(),
  expressionType,
});
const checkClient = (topic: string, subString: string, expressionType = 'SQL92') =>
  createRequest(
    RequestCode.CHECK_CLIENT_CONFIG,
    {},
    encodeCheckClientBody({ clientId: 'c', group: 'G', subscriptionData: sub(topic, subString, expressionType) }),
  );

const bodies = (r: { body?: Buffer | undefined }) =>
  r.body ? decodeStoredRecords(r.body).map((m) => m.body.toString()) : [];

describe('SQL92 pull', () => {
  let b: TestBroker;
  const topic = 'SqlTopic';
  before(async () => {
    b = await startTestBroker({ enablePropertyFilter: true, filterSupportRetry: true });
    const messages: [string, Record<string, string>][] = [
      ['m0', { a: '1', color: 'blue', TAGS: 'TagA' }],
      ['m1', { a: '5', color: 'red', TAGS: 'TagB' }],
      ['m2', { a: '10', TAGS: 'TagA' }],
      ['m3', { a: 'x', color: 'greenish', TAGS: 'TagC' }],
      ['m4', { color: 'blue' }],
    ];
    for (const [body, p] of messages) {
      const r = await b.client.invoke(b.addr, sendRequest(topic, body, { properties: props(p) }));
      assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    }
  });
  after(() => b.close());

  const cases: [string, string[]][] = [
    ['a = 5', ['m1']],
    ['a <> 5', ['m0', 'm2']],
    ['a > 1', ['m1', 'm2']],
    ['a >= 5 AND a <= 10', ['m1', 'm2']],
    ['a < 5', ['m0']],
    ['a BETWEEN 2 AND 10', ['m1', 'm2']],
    ['a NOT BETWEEN 2 AND 10', ['m0']],
    ["color IN ('blue', 'red')", ['m0', 'm1', 'm4']],
    ["color NOT IN ('blue')", ['m1', 'm3']],
    ['color IS NULL', ['m2']],
    ['color IS NOT NULL', ['m0', 'm1', 'm3', 'm4']],
    ["color = 'blue' OR a = 10", ['m0', 'm2', 'm4']],
    ["NOT (color = 'blue')", ['m1', 'm3']],
    ["TAGS = 'TagA' AND (a < 2 OR a > 8)", ['m0', 'm2']],
    ["color STARTSWITH 'gr' OR color ENDSWITH 'ed'", ['m1', 'm3']],
    ["color CONTAINS 'lu'", ['m0', 'm4']],
    ['TRUE', ['m0', 'm1', 'm2', 'm3', 'm4']],
  ];
  for (const [expression, want] of cases) {
    it(`${expression} → ${want.join(', ')}`, async () => {
      const r = await b.client.invoke(b.addr, sqlPull(topic, expression));
      assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
      assert.deepEqual(bodies(r), want);
      assert.equal(r.extFields.nextBeginOffset, '5');
    });
  }

  it('answers PULL_RETRY_IMMEDIATELY past the scanned entries when nothing matches', async () => {
    const r = await b.client.invoke(b.addr, sqlPull(topic, 'a = 99'));
    assert.equal(r.code, ResponseCode.PULL_RETRY_IMMEDIATELY);
    assert.equal(r.extFields.nextBeginOffset, '5');
  });

  it('reads on past 32 dropped records in one pull: a rare match is found at once', async () => {
    const t = 'SqlSparse';
    for (let i = 0; i < 100; i++)
      await b.client.invoke(b.addr, sendRequest(t, `n${i}`, { properties: props({ v: '0' }) }));
    await b.client.invoke(b.addr, sendRequest(t, 'hit', { properties: props({ v: '1' }) }));
    const r = await b.client.invoke(b.addr, sqlPull(t, 'v = 1'));
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.deepEqual(bodies(r), ['hit']);
    assert.equal(r.extFields.nextBeginOffset, '101');
  });

  it('a syntax error answers SUBSCRIPTION_PARSE_FAILED with the parser’s reason', async () => {
    const r = await b.client.invoke(b.addr, sqlPull(topic, 'a = = 1'));
    assert.equal(r.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    assert.match(
      r.remark ?? '',
      /^parse the consumer's subscription failed: Invalid MessageSelector\. Encountered "="/,
    );
    const kw = await b.client.invoke(b.addr, sqlPull(topic, 'between = 1'));
    assert.match(kw.remark ?? '', /reserved word/);
    // (Within the frame's header bound, MAX_HEADER_BYTES: a bigger header closes the connection.)
    const huge = await b.client.invoke(b.addr, sqlPull(topic, `a = '${'x'.repeat(200_000)}'`));
    assert.equal(huge.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    assert.match(huge.remark ?? '', /more than the 65536 allowed/);
    const deep = await b.client.invoke(b.addr, sqlPull(topic, `${'('.repeat(5000)}a = 1${')'.repeat(5000)}`));
    assert.equal(deep.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    const after = await b.client.invoke(b.addr, sqlPull(topic, 'a = 1'));
    assert.equal(after.code, ResponseCode.SUCCESS, 'the broker still serves after bad expressions');
  });

  it('filters by the heartbeat’s SQL92 subscription; one that does not compile answers FILTER_DATA_NOT_EXIST', async () => {
    const sql = (subString: string) => sub(topic, subString);
    const good = { ...consumerData('HbGood', topic), subscriptionDataSet: [sql("color = 'red' OR a = 1")] };
    const bad = { ...consumerData('HbBad', topic), subscriptionDataSet: [sql("color = 'red' OR")] };
    for (const c of [good, bad]) {
      const hb = await b.client.invoke(
        b.addr,
        heartbeatRequest({ clientID: `client-${c.groupName}`, consumerDataSet: [c] }),
      );
      assert.equal(hb.code, ResponseCode.SUCCESS, 'registered even when it does not compile, as Java');
    }
    const r = await b.client.invoke(b.addr, pullRequest(topic, { group: 'HbGood', sysFlag: 0 }));
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.deepEqual(bodies(r), ['m0', 'm1']);
    const r2 = await b.client.invoke(b.addr, pullRequest(topic, { group: 'HbBad', sysFlag: 0 }));
    assert.equal(r2.code, ResponseCode.FILTER_DATA_NOT_EXIST);
    assert.equal(r2.remark, "The broker's consumer filter data is not exist!Your expression may be wrong!");
  });

  it('filterSupportRetry: a %RETRY% pull with SQL92 filters each message by its original topic’s expression', async () => {
    const group = 'RetryG';
    const retry = `%RETRY%${group}`;
    const c = {
      ...consumerData(group, topic),
      subscriptionDataSet: [sub(topic, 'a > 3'), sub(retry, 'TRUE')],
    };
    const hb = await b.client.invoke(b.addr, heartbeatRequest({ clientID: 'retry-client', consumerDataSet: [c] }));
    assert.equal(hb.code, ResponseCode.SUCCESS);
    for (const [body, a] of [
      ['r0', '1'],
      ['r1', '7'],
    ] as const) {
      const s = await b.client.invoke(
        b.addr,
        sendRequest(retry, body, { properties: props({ a, RETRY_TOPIC: topic }), reconsumeTimes: 1 }),
      );
      assert.equal(s.code, ResponseCode.SUCCESS, s.remark);
    }
    const r = await b.client.invoke(b.addr, pullRequest(retry, { group, sysFlag: 0 }));
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.deepEqual(bodies(r), ['r1'], 'r0 (a = 1) does not match the TopicA expression a > 3');
  });

  it('CHECK_CLIENT_CONFIG: SUCCESS for TAG and a valid SQL92, SUBSCRIPTION_PARSE_FAILED with the reason otherwise', async () => {
    const check = (subString: string, expressionType = 'SQL92') =>
      b.client.invoke(b.addr, checkClient(topic, subString, expressionType));
    assert.equal((await check('a > 1')).code, ResponseCode.SUCCESS);
    assert.equal((await check('TagA || TagB', 'TAG')).code, ResponseCode.SUCCESS);
    const bad = await check('a >');
    assert.equal(bad.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    assert.match(bad.remark ?? '', /Invalid MessageSelector\. Encountered the end of the expression/);
  });
});

describe('SQL92 with enablePropertyFilter=false', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker();
  });
  after(() => b.close());

  it('CHECK_CLIENT_CONFIG answers SYSTEM_ERROR as Java', async () => {
    const r = await b.client.invoke(b.addr, checkClient('T', 'a > 1'));
    assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(r.remark, 'The broker does not support consumer to filter message by SQL92');
  });
});
