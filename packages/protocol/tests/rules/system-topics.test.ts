import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dlqTopicOf,
  isDlqTopic,
  isNotAllowedSendTopic,
  isRetryTopic,
  isSystemTopic,
  retryTopicOf,
} from '../../src/index.js';

describe('system topics', () => {
  it('names retry and DLQ topics with RocketMQ prefixes', () => {
    assert.equal(retryTopicOf('G1'), '%RETRY%G1');
    assert.equal(dlqTopicOf('G1'), '%DLQ%G1');
    assert.ok(isRetryTopic('%RETRY%G1') && !isRetryTopic('RETRY%G1') && !isRetryTopic('%DLQ%G1'));
    assert.ok(isDlqTopic('%DLQ%G1') && !isDlqTopic('%RETRY%G1'));
  });

  it('counts the reserved names and the rmq_sys_ prefix as system topics', () => {
    for (const t of [
      'TBW102',
      'SELF_TEST_TOPIC',
      'OFFSET_MOVED_EVENT',
      'BenchmarkTest',
      'SCHEDULE_TOPIC_XXXX',
      'RMQ_SYS_TRANS_HALF_TOPIC',
      'RMQ_SYS_TRANS_OP_HALF_TOPIC',
      'TRANS_CHECK_MAX_TIME_TOPIC',
      'RMQ_SYS_TRACE_TOPIC',
      'rmq_sys_anything',
    ]) {
      assert.ok(isSystemTopic(t), t);
    }
    assert.ok(!isSystemTopic('%RETRY%G1'));
    assert.ok(!isSystemTopic('RMQ_SYS_other'), 'the prefix is lower case');
  });

  it('forbids sends only to the topics the broker writes itself', () => {
    for (const t of [
      'SCHEDULE_TOPIC_XXXX',
      'RMQ_SYS_TRANS_HALF_TOPIC',
      'RMQ_SYS_TRANS_OP_HALF_TOPIC',
      'TRANS_CHECK_MAX_TIME_TOPIC',
      'rmq_sys_wheel_timer',
      'rmq_sys_REVIVE_LOG',
    ]) {
      assert.ok(isNotAllowedSendTopic(t), t);
    }
    for (const t of ['TBW102', 'SELF_TEST_TOPIC', '%RETRY%G1', '%DLQ%G1', 'T']) assert.ok(!isNotAllowedSendTopic(t), t);
  });
});
