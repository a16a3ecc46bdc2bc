import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import {
  decodeStoredRecord,
  dlqTopicOf,
  MessageConst,
  parseDelayLevels,
  RequestCode,
  ResponseCode,
  RMQ_SYS_SCHEDULE_TOPIC,
  retryTopicOf,
} from '@rocketmq-ts/protocol';
import type { MessageStore } from '@rocketmq-ts/store';
import { sendBackProcessor, sendBackTarget } from '../src/retry/send-back.js';
import { ScheduleMessageService } from '../src/schedule/schedule-service.js';
import { groupView, message, noConnection, request, testDeps } from './feature-fakes.js';

const LEVELS = parseDelayLevels('1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h');

async function lastIn(store: MessageStore, topic: string, queueId = 0) {
  const max = store.getMaxOffsetInQueue(topic, queueId);
  if (max === 0) return undefined;
  const got = await store.getMessage(topic, queueId, max - 1, 1, 1 << 20);
  return decodeStoredRecord(got.records[0]!)!;
}

describe('send-back decision', () => {
  it('backs off from level 3, honours an explicit level and ends in the DLQ', () => {
    assert.deepEqual(sendBackTarget(0, 16, 0), { kind: 'retry', delayLevel: 3 });
    assert.deepEqual(sendBackTarget(5, 16, 0), { kind: 'retry', delayLevel: 8 });
    assert.deepEqual(sendBackTarget(5, 16, 2), { kind: 'retry', delayLevel: 2 });
    assert.deepEqual(sendBackTarget(16, 16, 0), { kind: 'dlq' });
    assert.deepEqual(sendBackTarget(0, 16, -1), { kind: 'dlq' });
  });
});

describe('CONSUMER_SEND_MSG_BACK', () => {
  it('parks a copy for %RETRY%<group> at level 3 + reconsumeTimes with retry bookkeeping', async () => {
    const deps = await testDeps('/nonexistent');
    const p = sendBackProcessor(deps, LEVELS);
    assert.equal(p.code, RequestCode.CONSUMER_SEND_MSG_BACK);
    const put = await deps.store.putMessage(message('T', 1, { TAGS: 'TagA', UNIQ_KEY: 'U1' }, 'work'));
    const r = await p.handler(
      request(36, { offset: put.append!.wroteOffset, group: 'g', delayLevel: 0 }),
      noConnection,
    );
    assert.equal(r!.code, ResponseCode.SUCCESS, r!.remark);
    assert.ok(deps.topics.get(retryTopicOf('g')));
    assert.equal(deps.topics.get(retryTopicOf('g'))!.perm, 6);

    const parked = (await lastIn(deps.store, RMQ_SYS_SCHEDULE_TOPIC, 2))!;
    assert.equal(parked.body.toString(), 'work');
    assert.equal(parked.reconsumeTimes, 1);
    assert.equal(parked.bornTimestamp, 1_600_000_000_000);
    const props = parked.properties;
    assert.equal(props.get(MessageConst.PROPERTY_REAL_TOPIC), retryTopicOf('g'));
    assert.equal(props.get(MessageConst.PROPERTY_REAL_QUEUE_ID), '0');
    assert.equal(props.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL), '3');
    assert.equal(props.get(MessageConst.PROPERTY_RETRY_TOPIC), 'T');
    assert.equal(props.get(MessageConst.PROPERTY_ORIGIN_MESSAGE_ID), put.append!.msgId);
    assert.equal(props.get(MessageConst.PROPERTY_TAGS), 'TagA');
    assert.equal(props.get('UNIQ_KEY'), 'U1');
  });

  it('answers 26 for an unknown group without auto-create and drops when retryQueueNums is 0', async () => {
    const deps = await testDeps('/nonexistent');
    const p = sendBackProcessor(deps, LEVELS);
    const put = await deps.store.putMessage(message('T', 0));
    deps.groups.autoCreate = false;
    const r1 = await p.handler(
      request(36, { offset: put.append!.wroteOffset, group: 'nobody', delayLevel: 0 }),
      noConnection,
    );
    assert.equal(r1!.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
    deps.groups.table.set('quiet', groupView('quiet', { retryQueueNums: 0 }));
    const before = deps.store.getMaxPhyOffset();
    const r2 = await p.handler(
      request(36, { offset: put.append!.wroteOffset, group: 'quiet', delayLevel: 0 }),
      noConnection,
    );
    assert.equal(r2!.code, ResponseCode.SUCCESS);
    assert.equal(deps.store.getMaxPhyOffset(), before);
  });

  it('refuses with NO_PERMISSION when the broker or the retry topic is not writable', async () => {
    const deps = await testDeps('/nonexistent', { brokerPermission: 4 });
    const put = await deps.store.putMessage(message('T', 0));
    const r1 = await sendBackProcessor(deps, LEVELS).handler(
      request(36, { offset: put.append!.wroteOffset, group: 'g', delayLevel: 0 }),
      noConnection,
    );
    assert.equal(r1!.code, ResponseCode.NO_PERMISSION);
    const open = await testDeps('/nonexistent');
    const put2 = await open.store.putMessage(message('T', 0));
    open.topics.table.set(retryTopicOf('g'), { ...(await open.topics.ensure(retryTopicOf('g'), 1, 4)) });
    const r2 = await sendBackProcessor(open, LEVELS).handler(
      request(36, { offset: put2.append!.wroteOffset, group: 'g', delayLevel: 0 }),
      noConnection,
    );
    assert.equal(r2!.code, ResponseCode.NO_PERMISSION);
    assert.equal(r2!.remark, 'the topic[%RETRY%g] sending message is forbidden');
  });

  it('reports a missing original as SYSTEM_ERROR', async () => {
    const deps = await testDeps('/nonexistent');
    const p = sendBackProcessor(deps, LEVELS);
    const r = await p.handler(request(36, { offset: 4242, group: 'g', delayLevel: 0 }), noConnection);
    assert.equal(r!.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(r!.remark, 'look message by offset failed, 4242');
  });

  it('sends delayLevel -1 straight to %DLQ%<group> without a delay', async () => {
    const deps = await testDeps('/nonexistent');
    const p = sendBackProcessor(deps, LEVELS);
    const put = await deps.store.putMessage(message('T', 0, { DELAY: '2' }));
    const r = await p.handler(
      request(36, { offset: put.append!.wroteOffset, group: 'g', delayLevel: -1 }),
      noConnection,
    );
    assert.equal(r!.code, ResponseCode.SUCCESS);
    const dead = (await lastIn(deps.store, dlqTopicOf('g')))!;
    assert.equal(dead.reconsumeTimes, 1);
    assert.equal(dead.properties.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL), undefined);
    assert.equal(deps.topics.get(dlqTopicOf('g'))!.writeQueueNums, 1);
    assert.equal(deps.topics.get(dlqTopicOf('g'))!.perm, 6);
    assert.equal(deps.store.getMaxOffsetInQueue(RMQ_SYS_SCHEDULE_TOPIC, 1), 0);
  });

  it('honours the header maxReconsumeTimes only from request version 121 (V3_4_9)', async () => {
    const deps = await testDeps('/nonexistent');
    const p = sendBackProcessor(deps, LEVELS);
    const put = await deps.store.putMessage(message('T', 0));
    const ext = { offset: put.append!.wroteOffset, group: 'g', delayLevel: 0, maxReconsumeTimes: 0 };
    await p.handler(request(36, ext, undefined, 120), noConnection);
    assert.equal(deps.store.getMaxOffsetInQueue(dlqTopicOf('g'), 0), 0, 'old client: group retryMaxTimes (16) applies');
    assert.equal(deps.store.getMaxOffsetInQueue(RMQ_SYS_SCHEDULE_TOPIC, 2), 1);
    await p.handler(request(36, ext, undefined, 121), noConnection);
    assert.equal(deps.store.getMaxOffsetInQueue(dlqTopicOf('g'), 0), 1);
  });

  it('cycles retry → delivery → retry and lands in the DLQ after maxReconsumeTimes', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const deps = await testDeps('/nonexistent', {}, clock);
    deps.groups.table.set('g', groupView('g', { retryMaxTimes: 3 }));
    const p = sendBackProcessor(deps, LEVELS);
    const schedule = new ScheduleMessageService(deps, LEVELS);
    const first = await deps.store.putMessage(message('T', 0, { KEYS: 'order-1' }, 'job'));
    let offset = first.append!.wroteOffset;
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await p.handler(request(36, { offset, group: 'g', delayLevel: 0 }, undefined, 121), noConnection);
      assert.equal(r!.code, ResponseCode.SUCCESS);
      const level = 3 + attempt;
      clock.advance(LEVELS[level - 1]!);
      await schedule.deliverDue(level);
      const retried = (await lastIn(deps.store, retryTopicOf('g')))!;
      assert.equal(retried.reconsumeTimes, attempt + 1);
      assert.equal(retried.properties.get(MessageConst.PROPERTY_ORIGIN_MESSAGE_ID), first.append!.msgId);
      assert.equal(retried.properties.get(MessageConst.PROPERTY_RETRY_TOPIC), 'T');
      offset = retried.physicalOffset;
    }
    assert.equal(deps.store.getMaxOffsetInQueue(retryTopicOf('g'), 0), 3);
    const r = await p.handler(request(36, { offset, group: 'g', delayLevel: 0 }), noConnection);
    assert.equal(r!.code, ResponseCode.SUCCESS);
    const dead = (await lastIn(deps.store, dlqTopicOf('g')))!;
    assert.equal(dead.reconsumeTimes, 4);
    assert.equal(dead.body.toString(), 'job');
    assert.equal(dead.properties.get(MessageConst.PROPERTY_ORIGIN_MESSAGE_ID), first.append!.msgId);
  });
});
