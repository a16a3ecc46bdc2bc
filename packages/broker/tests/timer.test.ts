import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import {
  createRequest,
  decodeRecallHandle,
  decodeStoredRecords,
  encodeRecallHandle,
  MessageConst,
  type MessageView,
  RecallMessageRequestHeader,
  RequestCode,
  ResponseCode,
  RMQ_SYS_WHEEL_TIMER_TOPIC,
  SendMessageResponseHeader,
} from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import { props, pullRequest, sendRequest, startTestBroker, type TestBroker } from './helpers/broker-harness.js';

// Issue 12: timer messages (TIMER_DELIVER_MS / TIMER_DELAY_SEC / TIMER_DELAY_MS) are held in
// the wheel and stored in their real topic at their time, never before; recall cancels one.
// Precision 100 ms keeps the real-time cases short; the hour case runs on a manual clock.

const PRECISION = 100;

async function pullAll(b: TestBroker, topic: string, queueId = 0): Promise<MessageView[]> {
  const out: MessageView[] = [];
  for (;;) {
    const r = await b.client.invoke(b.addr, pullRequest(topic, { queueId, offset: out.length, maxMsgNums: 32 }));
    if (r.code !== ResponseCode.SUCCESS || !r.body) return out;
    const got = decodeStoredRecords(r.body);
    if (got.length === 0) return out;
    out.push(...got);
  }
}

function sendTimer(b: TestBroker, topic: string, body: string, p: Record<string, string>) {
  return b.client.invoke(b.addr, sendRequest(topic, body, { properties: props(p) }));
}

function recall(b: TestBroker, topic: string, handle: string) {
  return b.client.invoke(
    b.addr,
    createRequest(
      RequestCode.RECALL_MESSAGE,
      RecallMessageRequestHeader.encode({ producerGroup: 'PG', topic, recallHandle: handle }),
    ),
  );
}

describe('timer messages (real time, precision 100 ms)', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ timerPrecisionMs: PRECISION, recallMessageEnable: true, timerMaxDelaySec: 3600 });
  });
  after(() => b.close());

  it('holds a TIMER_DELAY_MS message in rmq_sys_wheel_timer and stores it in its topic at its time, not before', async () => {
    const asked = Date.now() + 400;
    const r = await sendTimer(b, 'TimerA', 'later', { [MessageConst.PROPERTY_TIMER_DELIVER_MS]: String(asked) });
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.equal(b.broker.components.store.getMaxOffsetInQueue('TimerA', 0), 0, 'not in its topic yet');
    assert.equal(b.broker.components.store.getMaxOffsetInQueue(RMQ_SYS_WHEEL_TIMER_TOPIC, 0) >= 1, true);
    const [m] = await eventually(async () => {
      const got = await pullAll(b, 'TimerA');
      return got.length > 0 && got;
    });
    assert.ok(m);
    assert.ok(m.storeTimestamp >= asked, `stored at ${m.storeTimestamp}, asked ${asked}`);
    assert.equal(m.body.toString(), 'later');
    assert.equal(m.properties.get(MessageConst.PROPERTY_REAL_TOPIC), undefined, 'REAL_TOPIC dropped as Java does');
    assert.equal(
      m.properties.get(MessageConst.PROPERTY_TIMER_OUT_MS),
      String(Math.floor((asked - 1) / PRECISION) * PRECISION),
    );
    assert.ok(m.properties.has(MessageConst.PROPERTY_TIMER_ENQUEUE_MS));
    assert.ok(m.properties.has(MessageConst.PROPERTY_TIMER_DEQUEUE_MS));
  });

  it('returns a v1 recall handle naming the real topic, the broker, TIMER_OUT_MS + 1 and the UNIQ_KEY', async () => {
    const r = await sendTimer(b, 'TimerH', 'x', { [MessageConst.PROPERTY_TIMER_DELAY_SEC]: '30', UNIQ_KEY: 'U1' });
    const h = SendMessageResponseHeader.decode(r.extFields);
    assert.ok(h.ok);
    const decoded = decodeRecallHandle(h.value.recallHandle);
    assert.ok(decoded.ok);
    assert.equal(decoded.value.topic, 'TimerH');
    assert.equal(decoded.value.brokerName, 'broker-a');
    assert.equal(decoded.value.messageId, 'U1');
    assert.equal(Number(decoded.value.timestamp) % PRECISION, 1);
    const plain = await b.client.invoke(b.addr, sendRequest('TimerH', 'y'));
    assert.equal(SendMessageResponseHeader.decode(plain.extFields).ok && plain.extFields.recallHandle, undefined);
  });

  it('delivers a time in the past at once, and refuses one beyond timerMaxDelaySec with Java remark', async () => {
    const past = await sendTimer(b, 'TimerP', 'p', {
      [MessageConst.PROPERTY_TIMER_DELIVER_MS]: String(Date.now() - 5000),
    });
    assert.equal(past.code, ResponseCode.SUCCESS);
    assert.equal(b.broker.components.store.getMaxOffsetInQueue('TimerP', 0), 1);
    const far = await sendTimer(b, 'TimerP', 'f', { [MessageConst.PROPERTY_TIMER_DELAY_SEC]: String(3600 + 5) });
    assert.equal(far.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.equal(
      far.remark,
      'timer message illegal, the delay time should not be bigger than the max delay 3600000ms; or if set del msg, the delay time should be bigger than the current time',
    );
  });

  for (const [i, [name, value]] of (
    [
      [MessageConst.PROPERTY_TIMER_DELAY_SEC, 'abc'],
      [MessageConst.PROPERTY_TIMER_DELAY_MS, '1e3'],
      [MessageConst.PROPERTY_TIMER_DELIVER_MS, '99999999999999999999'],
      [MessageConst.PROPERTY_TIMER_DELAY_MS, '-5'],
      [MessageConst.PROPERTY_TIMER_DELAY_SEC, '9223372036854775807'],
      [MessageConst.PROPERTY_TIMER_DELIVER_MS, ' 12'],
    ] as const
  ).entries()) {
    it(`refuses ${name}=${JSON.stringify(value)} with MESSAGE_ILLEGAL and stores nothing`, async () => {
      const topic = `TimerBad${i}`;
      const timerMax = b.broker.components.store.getMaxOffsetInQueue(RMQ_SYS_WHEEL_TIMER_TOPIC, 0);
      const r = await sendTimer(b, topic, 'bad', { [name]: value });
      assert.equal(r.code, ResponseCode.MESSAGE_ILLEGAL, r.remark);
      assert.match(r.remark ?? '', /^timer message illegal/);
      assert.equal(b.broker.components.store.getMaxOffsetInQueue(topic, 0), 0);
      assert.equal(b.broker.components.store.getMaxOffsetInQueue(RMQ_SYS_WHEEL_TIMER_TOPIC, 0), timerMax);
      const ok = await b.client.invoke(b.addr, sendRequest(topic, 'fine'));
      assert.equal(ok.code, ResponseCode.SUCCESS, 'the next send is unaffected');
    });
  }

  it('stores many timers of the same slot in send order, all of them, none early', async () => {
    await b.client.invoke(b.addr, sendRequest('TimerMany', 'first')); // the topic exists before the burst
    const at = Date.now() + 500;
    const n = 300;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        sendTimer(b, 'TimerMany', `m${i}`, { [MessageConst.PROPERTY_TIMER_DELIVER_MS]: String(at) }).then((r) =>
          assert.equal(r.code, ResponseCode.SUCCESS),
        ),
      ),
    );
    const stored = await eventually(
      async () => {
        const got = (await pullAll(b, 'TimerMany')).filter((m) => m.body.toString() !== 'first');
        return got.length >= n && got;
      },
      { timeoutMs: 15_000 },
    );
    assert.equal(stored.length, n);
    for (const m of stored) assert.ok(m.storeTimestamp >= at);
    // Sends were issued in order on one connection: the wheel keeps the order of its queue.
    const timerOrder = stored.map((m) => Number(m.body.toString().slice(1)));
    assert.deepEqual(
      timerOrder,
      [...timerOrder].sort((x, y) => x - y),
    );
  });

  it('never delivers a message recalled before its time; the handle is refused after it fired', async () => {
    const r = await sendTimer(b, 'TimerR', 'gone', { [MessageConst.PROPERTY_TIMER_DELAY_MS]: '600' });
    const keep = await sendTimer(b, 'TimerR', 'kept', { [MessageConst.PROPERTY_TIMER_DELAY_MS]: '600' });
    const handle = r.extFields.recallHandle!;
    const rc = await recall(b, 'TimerR', handle);
    assert.equal(rc.code, ResponseCode.SUCCESS, rc.remark);
    const decoded = decodeRecallHandle(handle);
    assert.ok(decoded.ok);
    assert.equal(rc.extFields.msgId, decoded.value.messageId);
    // Once the wheel has passed the recalled message's slot, only the kept one is there.
    const ts = Number(decoded.value.timestamp);
    const keptHandle = decodeRecallHandle(keep.extFields.recallHandle);
    assert.ok(keptHandle.ok);
    const keepTs = Number(keptHandle.value.timestamp);
    const timer = b.broker.components.timer.service!;
    await eventually(() => timer.progress().currReadTimeMs > Math.max(ts, keepTs));
    const got = await pullAll(b, 'TimerR');
    assert.deepEqual(
      got.map((m) => m.body.toString()),
      ['kept'],
    );
    const late = await recall(b, 'TimerR', keep.extFields.recallHandle!);
    assert.equal(late.code, ResponseCode.ILLEGAL_OPERATION);
    assert.equal(late.remark, 'recall failed, timestamp invalid');
  });

  it("answers bad recalls with Java's codes and remarks", async () => {
    await b.client.invoke(b.addr, sendRequest('TimerBadRecall', 'x'));
    const bad = await recall(b, 'TimerBadRecall', 'not a handle!');
    assert.equal(bad.code, ResponseCode.ILLEGAL_OPERATION);
    assert.equal(bad.remark, 'recall handle is invalid');
    const future = String(Date.now() + 60_000);
    const other = encodeRecallHandle({ topic: 'Elsewhere', brokerName: 'broker-a', timestamp: future, messageId: 'X' });
    assert.equal((await recall(b, 'TimerBadRecall', other)).remark, 'recall failed, topic not match');
    const broker = encodeRecallHandle({
      topic: 'TimerBadRecall',
      brokerName: 'b-z',
      timestamp: future,
      messageId: 'X',
    });
    assert.equal((await recall(b, 'TimerBadRecall', broker)).remark, 'recall failed, broker service not available');
    const missing = await recall(b, 'NoSuchTopicR', other);
    assert.equal(missing.code, ResponseCode.TOPIC_NOT_EXIST);
  });

  it('rolls nothing and reports its progress in GET_BROKER_RUNTIME_INFO under Java names', async () => {
    const r = await b.client.invoke(b.addr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO, {}));
    const text = r.body?.toString() ?? '';
    for (const k of ['timerReadBehind', 'timerOffsetBehind', 'timerCongestNum'])
      assert.match(text, new RegExp(`"${k}"`));
  });
});

describe('timer messages on a manual clock', () => {
  let b: TestBroker;
  let clock: ManualClock;
  before(async () => {
    clock = new ManualClock(Date.UTC(2026, 0, 1));
    b = await startTestBroker({ timerPrecisionMs: 1000, timerRollWindowSlot: 600 }, { clock });
  });
  after(() => b.close());

  const count = async (topic: string) => (await pullAll(b, topic)).length;

  for (const [label, delayMs] of [
    ['1 s', 1000],
    ['10 s', 10_000],
    ['1 h (rolled: beyond a 600-slot window)', 3_600_000],
  ] as const) {
    it(`delivers a ${label} delay only once the clock has passed it`, async () => {
      const topic = `Clock${delayMs}`;
      const sentAt = clock.now();
      const r = await sendTimer(b, topic, 'x', { [MessageConst.PROPERTY_TIMER_DELAY_MS]: String(delayMs) });
      assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
      const timer = b.broker.components.timer.service!;
      // Filed in the wheel, then held while the clock stands just before the time.
      await eventually(() => timer.progress().enqueued > 0 && timer.progress().currQueueOffset >= 1);
      for (let t = 0; t < delayMs - 1000; t += Math.max(1000, Math.floor(delayMs / 8))) {
        clock.set(sentAt + t);
        timer.wake();
        await new Promise((res) => setTimeout(res, 30));
        assert.equal(await count(topic), 0, `not delivered at +${t} ms`);
      }
      clock.set(sentAt + delayMs + 1000);
      timer.wake();
      const got = await eventually(async () => {
        timer.wake();
        const m = await pullAll(b, topic);
        return m.length > 0 && m;
      });
      assert.equal(got.length, 1);
      if (delayMs > 600_000) assert.ok(Number(got[0]!.properties.get(MessageConst.PROPERTY_TIMER_ROLL_TIMES)) >= 1);
    });
  }
});
