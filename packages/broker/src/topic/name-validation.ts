// Topic and group name rules of RocketMQ's TopicValidator: letters, digits and `_ % - |`,
// at most 127 characters (retry and DLQ topics, which prefix a group name, up to 255).

export const RETRY_GROUP_TOPIC_PREFIX = '%RETRY%';
export const DLQ_GROUP_TOPIC_PREFIX = '%DLQ%';
export const AUTO_CREATE_TOPIC_KEY_TOPIC = 'TBW102';
export const SELF_TEST_TOPIC = 'SELF_TEST_TOPIC';
export const OFFSET_MOVED_EVENT = 'OFFSET_MOVED_EVENT';
export const RMQ_SYS_TRANS_HALF_TOPIC = 'RMQ_SYS_TRANS_HALF_TOPIC';
export const RMQ_SYS_TRANS_OP_HALF_TOPIC = 'RMQ_SYS_TRANS_OP_HALF_TOPIC';
export const RMQ_SYS_SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';
export const TRANS_CHECK_MAX_TIME_TOPIC = 'TRANS_CHECK_MAX_TIME_TOPIC';

export const TOPIC_MAX_LENGTH = 127;
export const RETRY_OR_DLQ_TOPIC_MAX_LENGTH = 255;
export const GROUP_MAX_LENGTH = 255;

const LEGAL = /^[%|a-zA-Z0-9_-]+$/;

/** Topics clients may not send to directly: the broker writes them itself. */
const NOT_ALLOWED_SEND = new Set([
  RMQ_SYS_SCHEDULE_TOPIC,
  RMQ_SYS_TRANS_HALF_TOPIC,
  RMQ_SYS_TRANS_OP_HALF_TOPIC,
  TRANS_CHECK_MAX_TIME_TOPIC,
  'rmq_sys_wheel_timer',
  'rmq_sys_REVIVE_LOG',
]);

export const isRetryTopic = (topic: string): boolean => topic.startsWith(RETRY_GROUP_TOPIC_PREFIX);
export const isDlqTopic = (topic: string): boolean => topic.startsWith(DLQ_GROUP_TOPIC_PREFIX);
export const retryTopicOf = (group: string): string => RETRY_GROUP_TOPIC_PREFIX + group;
export const dlqTopicOf = (group: string): string => DLQ_GROUP_TOPIC_PREFIX + group;
export const isNotAllowedSendTopic = (topic: string): boolean => NOT_ALLOWED_SEND.has(topic);

/** Undefined when valid, else the remark RocketMQ answers with. */
export function validateTopicName(topic: string | undefined): string | undefined {
  if (topic === undefined || topic.trim() === '') return 'The specified topic is blank.';
  if (!LEGAL.test(topic)) {
    return `The specified topic[${topic}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`;
  }
  const max = isRetryTopic(topic) || isDlqTopic(topic) ? RETRY_OR_DLQ_TOPIC_MAX_LENGTH : TOPIC_MAX_LENGTH;
  if (topic.length > max) return `The specified topic is longer than topic max length ${max}.`;
  return undefined;
}

export function validateGroupName(group: string | undefined): string | undefined {
  if (group === undefined || group.trim() === '') return 'the specified group is blank';
  if (!LEGAL.test(group)) {
    return `the specified group[${group}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`;
  }
  if (group.length > GROUP_MAX_LENGTH)
    return `the specified group is longer than group max length ${GROUP_MAX_LENGTH}.`;
  return undefined;
}
