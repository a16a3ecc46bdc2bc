import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MessageConst, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import { type FeatureBroker, startFeatureBroker } from './feature-harness.js';

const maxOffset = async (b: FeatureBroker, topic: string, queueId = 0) => {
  const r = await b.invoke(RequestCode.GET_MAX_OFFSET, { topic, queueId });
  return r.code === ResponseCode.SUCCESS ? Number(r.extFields.offset) : 0;
};

describe('delay delivery and send-back over the wire', () => {
  let b: FeatureBroker;
  before(async () => {
    b = await startFeatureBroker();
  });
  after(() => b.close());

  it('delivers a DELAY=1 message after at least 1 s and not before', async () => {
    const sentAt = Date.now();
    const sent = await b.send('DelayT', { DELAY: '1', TAGS: 'late', KEYS: 'd1' }, 'later');
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    assert.equal(await maxOffset(b, 'DelayT'), 0, 'not visible right after the send');
    await eventually(async () => (await maxOffset(b, 'DelayT')) === 1, {
      timeoutMs: 5000,
      message: 'delayed delivery',
    });
    assert.ok(Date.now() - sentAt >= 1000, `delivered after ${Date.now() - sentAt} ms`);
    const [m] = await b.pull('g-delay', 'DelayT', 0, 0);
    assert.equal(m!.body.toString(), 'later');
    assert.equal(m!.properties.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL), undefined);
    const offsets = await b.invoke(RequestCode.GET_ALL_DELAY_OFFSET);
    assert.match(offsets.body!.toString(), /"offsetTable":\{1:1\}/);
  });

  it('sends a failed message back to %RETRY%<group> and, after max retries, to %DLQ%<group>', async () => {
    const sent = await b.send('WorkT', { TAGS: 'job', KEYS: 'job-1' }, 'job body');
    assert.equal(sent.code, ResponseCode.SUCCESS);
    const back = await b.invoke(RequestCode.CONSUMER_SEND_MSG_BACK, {
      offset: sent.physicalOffset,
      group: 'workers',
      delayLevel: 1,
      originMsgId: sent.msgId,
      maxReconsumeTimes: 1,
    });
    assert.equal(back.code, ResponseCode.SUCCESS, back.remark);
    await eventually(async () => (await maxOffset(b, '%RETRY%workers')) === 1, {
      timeoutMs: 5000,
      message: 'retry delivery',
    });
    const [retry] = await b.pull('workers', '%RETRY%workers', 0, 0);
    assert.equal(retry!.reconsumeTimes, 1);
    assert.equal(retry!.body.toString(), 'job body');
    assert.equal(retry!.properties.get(MessageConst.PROPERTY_RETRY_TOPIC), 'WorkT');
    assert.equal(retry!.properties.get(MessageConst.PROPERTY_ORIGIN_MESSAGE_ID), sent.msgId);

    const again = await b.invoke(RequestCode.CONSUMER_SEND_MSG_BACK, {
      offset: retry!.physicalOffset,
      group: 'workers',
      delayLevel: 0,
      maxReconsumeTimes: 1,
    });
    assert.equal(again.code, ResponseCode.SUCCESS);
    assert.equal(await maxOffset(b, '%DLQ%workers'), 1);
    const dead = await b.invoke(RequestCode.GET_TOPIC_CONFIG, { topic: '%DLQ%workers' });
    assert.equal(dead.code, ResponseCode.SUCCESS);
    assert.equal(JSON.parse(dead.body!.toString()).perm, 6);

    const missing = await b.invoke(RequestCode.CONSUMER_SEND_MSG_BACK, {
      offset: 99_999_999,
      group: 'workers',
      delayLevel: 0,
    });
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(missing.remark, 'look message by offset failed, 99999999');
  });
});
