import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MessageConst, ResponseCode } from '@rocketmq-ts/protocol';
import {
  props,
  pullRequest,
  sendRequest,
  sqlPull,
  startTestBroker,
  type TestBroker,
} from './helpers/broker-harness.js';

// Issue 12: with timerWheelEnable=false a send asking for the timer wheel is refused (not
// delivered at once), as RocketMQ 5.x refuses it; SQL92 is refused while
// enablePropertyFilter is off, as RocketMQ does.

describe('timer properties without the timer wheel', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ timerWheelEnable: false });
  });
  after(() => b.close());

  for (const name of [
    MessageConst.PROPERTY_TIMER_DELIVER_MS,
    MessageConst.PROPERTY_TIMER_DELAY_SEC,
    MessageConst.PROPERTY_TIMER_DELAY_MS,
  ]) {
    it(`refuses a send with ${name} with Java's SYSTEM_ERROR remark and stores nothing`, async () => {
      const topic = `Timer_${name}`;
      await b.client.invoke(b.addr, sendRequest(topic, 'plain'));
      const r = await b.client.invoke(b.addr, sendRequest(topic, 'later', { properties: props({ [name]: '5000' }) }));
      assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
      assert.equal(r.remark, 'accurate timer message is not enabled, timerWheelEnable is false');
      assert.equal(b.broker.components.store.getMaxOffsetInQueue(topic, 0), 1, 'only the plain message stored');
    });
  }

  it('lets a delay level win over timer properties (Java clears them)', async () => {
    const r = await b.client.invoke(
      b.addr,
      sendRequest('TimerWithLevel', 'x', { properties: props({ DELAY: '1', TIMER_DELAY_SEC: '5' }) }),
    );
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
  });

  it('accepts a message re-put by a wheel (TIMER_OUT_MS set) and unrelated TIMER_-like names', async () => {
    const a = await b.client.invoke(
      b.addr,
      sendRequest('TimerOut', 'x', { properties: props({ TIMER_DELIVER_MS: '1', TIMER_OUT_MS: '1' }) }),
    );
    assert.equal(a.code, ResponseCode.SUCCESS, a.remark);
    const c = await b.client.invoke(b.addr, sendRequest('TimerOut', 'y', { properties: props({ MY_TIMER_X: '1' }) }));
    assert.equal(c.code, ResponseCode.SUCCESS, c.remark);
  });
});

describe('SQL92 pull while property filtering is off', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker();
    await b.client.invoke(b.addr, sendRequest('SqlOff', 'x', { properties: props({ a: '1' }) }));
  });
  after(() => b.close());

  it("answers Java's SYSTEM_ERROR remark (enablePropertyFilter=false, RocketMQ's default)", async () => {
    const r = await b.client.invoke(b.addr, sqlPull('SqlOff', 'a = 1'));
    assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(r.remark, 'The broker does not support consumer to filter message by SQL92');
    const tag = await b.client.invoke(b.addr, pullRequest('SqlOff'));
    assert.equal(tag.code, ResponseCode.SUCCESS, 'tag pulls are unaffected');
  });
});
