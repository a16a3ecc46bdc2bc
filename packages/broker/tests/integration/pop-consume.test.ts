import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createRequest,
  GetConsumeStatsRequestHeader,
  MessageConst,
  NotificationRequestHeader,
  PollingInfoRequestHeader,
  parseFastjson,
  REVIVE_GROUP,
  RequestCode,
  ResponseCode,
  reviveTopic,
} from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import { type PopBroker, startPopBroker } from '../helpers/pop-broker.js';
import { ack, changeInvisible, handlesOf, pop, popRequest } from '../helpers/pop-client.js';

// Pop consumption end to end over real sockets: POP_MESSAGE, ACK_MESSAGE,
// CHANGE_MESSAGE_INVISIBLETIME, invisibility expiry through the revive service, DLQ, long
// polling, NOTIFICATION, POLLING_INFO, tag filters and the consumer progress of a pop group.

describe('pop consumption (issue 11)', () => {
  let b: PopBroker;
  before(async () => {
    b = await startPopBroker();
  });
  after(() => b.close());

  it('receives with a checkpoint and acks; acked messages never come back', async () => {
    const topic = 'PopBasic';
    for (let i = 0; i < 3; i++) await b.send(topic, `m${i}`);
    const r = await pop(b.call, { group: 'g-basic', topic, invisibleTime: 30_000 });
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.deepEqual(
      r.messages.map((m) => m.body),
      ['m0', 'm1', 'm2'],
    );
    assert.equal(r.ext.invisibleTime, '30000');
    assert.equal(r.ext.popTime, String(b.clock.now()));
    assert.ok(Number(r.ext.reviveQid) >= 0 && Number(r.ext.reviveQid) < 8);
    assert.equal(r.ext.startOffsetInfo, '0 0 0');
    assert.equal(r.ext.msgOffsetInfo, '0 0 0,1,2');
    // Nothing more to pop: the offset moved past what is in flight.
    const again = await pop(b.call, { group: 'g-basic', topic });
    assert.equal(again.code, ResponseCode.POLLING_TIMEOUT);
    for (const m of r.messages) assert.equal(await ack(b.call, 'g-basic', m), ResponseCode.SUCCESS);
    b.clock.advance(31_000);
    await b.revive();
    assert.equal((await pop(b.call, { group: 'g-basic', topic })).code, ResponseCode.POLLING_TIMEOUT);
    assert.equal(b.broker.components.pop.revive.openCount, 0);
  });

  it('redelivers an unacked message after its invisible time with reconsumeTimes + 1, from the retry topic', async () => {
    const topic = 'PopExpire';
    await b.send(topic, 'x', { flag: 7 });
    const first = await pop(b.call, { group: 'g-exp', topic, invisibleTime: 10_000 });
    assert.equal(first.messages.length, 1);
    assert.equal(first.messages[0]!.view.reconsumeTimes, 0);
    b.clock.advance(9_000);
    await b.revive();
    assert.equal(
      (await pop(b.call, { group: 'g-exp', topic })).code,
      ResponseCode.POLLING_TIMEOUT,
      'not before its time',
    );
    b.clock.advance(1_000);
    await b.revive();
    const second = await pop(b.call, { group: 'g-exp', topic, invisibleTime: 10_000 });
    assert.equal(second.messages.length, 1);
    const m = second.messages[0]!;
    assert.equal(m.body, 'x');
    assert.equal(m.view.reconsumeTimes, 1);
    assert.equal(m.view.topic, topic, 'delivered under the original topic');
    assert.equal(m.view.flag, 7, 'the revived copy keeps its flag (RocketMQ #6339)');
    assert.equal(m.ackTopic, '%RETRY%g-exp_PopExpire', 'v1 retry topic by default');
    assert.ok(m.view.properties.get(MessageConst.PROPERTY_POP_CK), 'POP_CK ready-made');
    assert.equal(m.view.properties.get(MessageConst.PROPERTY_FIRST_POP_TIME), first.ext.popTime);
    assert.equal(
      m.view.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
      first.messages[0]!.view.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
    );
    assert.equal(await ack(b.call, 'g-exp', m), ResponseCode.SUCCESS);
    b.clock.advance(60_000);
    await b.revive();
    assert.equal((await pop(b.call, { group: 'g-exp', topic })).code, ResponseCode.POLLING_TIMEOUT);
  });

  it('changeInvisibleDuration extends and shortens; the renewed handle acks (RocketMQ #9583)', async () => {
    const topic = 'PopChange';
    await b.send(topic, 'c');
    const [m] = (await pop(b.call, { group: 'g-chg', topic, invisibleTime: 5_000 })).messages;
    assert.ok(m);
    const longer = await changeInvisible(b.call, 'g-chg', m, 60_000);
    assert.equal(longer.code, ResponseCode.SUCCESS);
    b.clock.advance(20_000);
    await b.revive();
    assert.equal((await pop(b.call, { group: 'g-chg', topic })).code, ResponseCode.POLLING_TIMEOUT, 'extended');
    const shorter = await changeInvisible(b.call, 'g-chg', longer.message, 1_000);
    assert.equal(shorter.code, ResponseCode.SUCCESS);
    b.clock.advance(1_000);
    await b.revive();
    const back = await pop(b.call, { group: 'g-chg', topic });
    assert.deepEqual(
      back.messages.map((x) => [x.body, x.view.reconsumeTimes]),
      [['c', 1]],
      'shortened: back once',
    );
    // The renewed handle of a retried message acks it for good.
    const renewed = await changeInvisible(b.call, 'g-chg', back.messages[0]!, 30_000);
    assert.equal(await ack(b.call, 'g-chg', renewed.message), ResponseCode.SUCCESS);
    b.clock.advance(120_000);
    await b.revive();
    assert.equal((await pop(b.call, { group: 'g-chg', topic })).code, ResponseCode.POLLING_TIMEOUT);
  });

  it('moves a message to %DLQ%<group> once retryMaxTimes redeliveries went unacked', async () => {
    const topic = 'PopDlq';
    const groups = b.broker.components.groups;
    const g = (await groups.getOrCreate('g-dlq'))!;
    await groups.update({ ...g, retryMaxTimes: 2 });
    await b.send(topic, 'd');
    const attempts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await pop(b.call, { group: 'g-dlq', topic, invisibleTime: 1_000 });
      for (const m of r.messages) attempts.push(m.view.reconsumeTimes);
      b.clock.advance(1_000);
      await b.revive();
    }
    assert.deepEqual(attempts, [0, 1, 2]);
    const store = b.broker.components.store;
    assert.equal(store.getMaxOffsetInQueue('%DLQ%g-dlq', 0), 1, 'one message in the DLQ');
    assert.equal(store.getMaxOffsetInQueue('%RETRY%g-dlq_PopDlq', 0), 2, 'two retries before it');
  });

  it('gives 16 concurrent poppers of one queue disjoint messages, together all of them', async () => {
    const topic = 'PopShare';
    const n = 200;
    for (let i = 0; i < n; i++) await b.send(topic, `s${i}`);
    const got: string[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (;;) {
          const r = await pop(b.call, { group: 'g-share', topic, queueId: 0, maxMsgNums: 4 });
          if (r.messages.length === 0) return;
          for (const m of r.messages) {
            got.push(m.body);
            assert.equal(await ack(b.call, 'g-share', m), ResponseCode.SUCCESS);
          }
        }
      }),
    );
    assert.equal(got.length, n, 'no message handed out twice');
    assert.equal(new Set(got).size, n, 'every message handed out');
  });

  it('filters by tag through the pull filter path and moves past what does not match', async () => {
    const topic = 'PopTags';
    await b.send(topic, 'a1', { tags: 'A' });
    await b.send(topic, 'b1', { tags: 'B' });
    await b.send(topic, 'a2', { tags: 'A' });
    const r = await pop(b.call, { group: 'g-tag', topic, exp: 'A' });
    assert.deepEqual(
      r.messages.map((m) => m.body),
      ['a1', 'a2'],
    );
    for (const m of r.messages) await ack(b.call, 'g-tag', m);
    await b.send(topic, 'b2', { tags: 'B' });
    assert.equal((await pop(b.call, { group: 'g-tag', topic, exp: 'A' })).code, ResponseCode.POLLING_TIMEOUT);
    assert.equal(b.broker.components.offsets.query('g-tag', topic, 0), 4, 'offset past the filtered message');
  });

  it('long-polls: a suspended pop is counted by POLLING_INFO and answered by an arrival', async () => {
    const topic = 'PopPoll';
    await b.send(topic, 'warm');
    const warm = await pop(b.call, { group: 'g-poll', topic, queueId: 0 });
    for (const m of warm.messages) await ack(b.call, 'g-poll', m);
    const started = Date.now();
    const held = pop(b.call, { group: 'g-poll', topic, queueId: 0, pollTime: 20_000 });
    const info = () =>
      b.call(
        createRequest(
          RequestCode.POLLING_INFO,
          PollingInfoRequestHeader.encode({ consumerGroup: 'g-poll', topic, queueId: 0 }),
        ),
      );
    await eventually(async () => (await info()).extFields.pollingNum === '1', { message: 'pop suspended' });
    await b.send(topic, 'late');
    const r = await held;
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.deepEqual(
      r.messages.map((m) => m.body),
      ['late'],
    );
    assert.ok(Date.now() - started < 10_000, 'woken by the arrival, not by the poll time');
    assert.equal((await info()).extFields.pollingNum, '0');
  });

  it('NOTIFICATION answers hasMsg, long-polling until a message arrives', async () => {
    const topic = 'PopNotify';
    await b.send(topic, 'first');
    const notify = (pollTime: number) =>
      b.call(
        createRequest(
          RequestCode.NOTIFICATION,
          NotificationRequestHeader.encode({ consumerGroup: 'g-note', topic, queueId: -1, pollTime, bornTime: 0 }),
        ),
      );
    const yes = await notify(0);
    assert.equal(yes.code, ResponseCode.SUCCESS);
    assert.equal(yes.extFields.hasMsg, 'true');
    const r = await pop(b.call, { group: 'g-note', topic });
    for (const m of r.messages) await ack(b.call, 'g-note', m);
    assert.equal((await notify(0)).extFields.hasMsg, 'false');
    const waiting = notify(20_000);
    await eventually(
      async () =>
        (
          await b.call(
            createRequest(
              RequestCode.POLLING_INFO,
              PollingInfoRequestHeader.encode({ consumerGroup: 'g-note', topic, queueId: -1 }),
            ),
          )
        ).extFields.pollingNum === '1',
    );
    await b.send(topic, 'second');
    assert.equal((await waiting).extFields.hasMsg, 'true');
  });

  it('reports a pop group progress: consumer offset = oldest unacked, in-flight count', async () => {
    const topic = 'PopProgress';
    for (let i = 0; i < 5; i++) await b.send(topic, `p${i}`);
    const r = await pop(b.call, { group: 'g-prog', topic, queueId: 0 });
    assert.equal(r.messages.length, 5);
    await ack(b.call, 'g-prog', r.messages[0]!);
    await ack(b.call, 'g-prog', r.messages[2]!);
    const stats = async () => {
      const res = await b.call(
        createRequest(
          RequestCode.GET_CONSUME_STATS,
          GetConsumeStatsRequestHeader.encode({ consumerGroup: 'g-prog', topic }),
        ),
      );
      const parsed = parseFastjson(res.body!.toString());
      assert.ok(parsed.ok);
      const body = parsed.value as {
        offsetTable: Map<{ queueId: number }, Record<string, number>>;
      };
      return [...body.offsetTable].find(([mq]) => mq.queueId === 0)![1];
    };
    const q0 = await eventually(async () => {
      const s = await stats();
      return s.inflight === 3 ? s : undefined;
    });
    assert.equal(q0.brokerOffset, 5);
    assert.equal(q0.consumerOffset, 1);
    assert.equal(q0.pullOffset, 5);
    for (const m of r.messages) await ack(b.call, 'g-prog', m);
    const done = await eventually(async () => {
      const s = await stats();
      return s.inflight === undefined ? s : undefined;
    });
    assert.equal(done.consumerOffset, 5);
    assert.ok(b.broker.components.offsets.query(REVIVE_GROUP, reviveTopic('DefaultCluster'), 0) >= 0);
  });

  it('answers POP checks with RocketMQ codes', async () => {
    await b.send('PopChecks', 'x');
    const code = async (o: Parameters<typeof popRequest>[0]) => (await b.call(popRequest(o))).code;
    assert.equal(await code({ group: 'g', topic: 'NoSuchTopic' }), ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(await code({ group: 'g', topic: 'PopChecks', maxMsgNums: 33 }), ResponseCode.INVALID_PARAMETER);
    assert.equal(await code({ group: 'g', topic: 'PopChecks', queueId: 99 }), ResponseCode.INVALID_PARAMETER);
    const late = popRequest({ group: 'g', topic: 'PopChecks' });
    late.extFields.bornTime = String(b.clock.now() - 10_000);
    assert.equal((await b.call(late)).code, ResponseCode.POLLING_TIMEOUT);
  });
});

describe('pop long polling at shutdown', () => {
  it('answers a suspended pop at once when the broker stops (POLLING_TIMEOUT)', async () => {
    const b = await startPopBroker();
    try {
      await b.send('PopShutdown', 'warm');
      const warm = await pop(b.call, { group: 'g-stop', topic: 'PopShutdown' });
      for (const m of warm.messages) await ack(b.call, 'g-stop', m);
      const held = pop(b.call, { group: 'g-stop', topic: 'PopShutdown', pollTime: 60_000 });
      await eventually(
        async () =>
          (
            await b.call(
              createRequest(
                RequestCode.POLLING_INFO,
                PollingInfoRequestHeader.encode({ consumerGroup: 'g-stop', topic: 'PopShutdown', queueId: -1 }),
              ),
            )
          ).extFields.pollingNum === '1',
      );
      const started = Date.now();
      const stopping = b.broker.shutdown();
      assert.equal((await held).code, ResponseCode.POLLING_TIMEOUT);
      await stopping;
      assert.ok(Date.now() - started < 2_500, 'not left to the listener close timeout');
    } finally {
      await b.close();
    }
  });
});

describe('pop with an SQL92 subscription (the pull filter path)', () => {
  it('hands out only matching messages and refuses a bad expression with SUBSCRIPTION_PARSE_FAILED', async () => {
    const b = await startPopBroker({ enablePropertyFilter: true });
    try {
      for (let i = 0; i < 6; i++) await b.send('PopSql', `q${i}`, { props: { n: String(i) } });
      const sqlPop = (exp: string) =>
        b.call(
          createRequest(RequestCode.POP_MESSAGE, {
            ...popRequest({ group: 'g-sql', topic: 'PopSql' }).extFields,
            expType: 'SQL92',
            exp,
          }),
        );
      const r = await sqlPop('n >= 3');
      assert.equal(r.code, ResponseCode.SUCCESS);
      const got = handlesOf('g-sql', 'broker-a', r).map((m) => m.body);
      assert.deepEqual(got, ['q3', 'q4', 'q5']);
      const bad = await sqlPop('n >=');
      assert.equal(bad.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    } finally {
      await b.close();
    }
  });
});
