// Topic names RocketMQ reserves (Java's TopicValidator and MixAll), and the predicates over
// them. Every package takes these from here; the spelling is RocketMQ's, so configs and
// scripts written for RocketMQ carry over.

/** `%RETRY%<group>`: a consumer group's redeliveries. */
export const RETRY_GROUP_TOPIC_PREFIX = '%RETRY%';
/** `%DLQ%<group>`: messages a group gave up on. */
export const DLQ_GROUP_TOPIC_PREFIX = '%DLQ%';
/** Template topic whose route stands in for a topic not created yet. */
export const AUTO_CREATE_TOPIC_KEY_TOPIC = 'TBW102';
export const SELF_TEST_TOPIC = 'SELF_TEST_TOPIC';
export const OFFSET_MOVED_EVENT = 'OFFSET_MOVED_EVENT';
export const BENCHMARK_TOPIC = 'BenchmarkTest';
/** Delayed messages wait here, one queue per delay level. */
export const RMQ_SYS_SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';
export const RMQ_SYS_TRANS_HALF_TOPIC = 'RMQ_SYS_TRANS_HALF_TOPIC';
export const RMQ_SYS_TRANS_OP_HALF_TOPIC = 'RMQ_SYS_TRANS_OP_HALF_TOPIC';
export const TRANS_CHECK_MAX_TIME_TOPIC = 'TRANS_CHECK_MAX_TIME_TOPIC';
export const RMQ_SYS_TRACE_TOPIC = 'RMQ_SYS_TRACE_TOPIC';
export const RMQ_SYS_WHEEL_TIMER_TOPIC = 'rmq_sys_wheel_timer';
export const RMQ_SYS_REVIVE_LOG_TOPIC = 'rmq_sys_REVIVE_LOG';
/** Any topic starting with this is a system topic. */
export const SYSTEM_TOPIC_PREFIX = 'rmq_sys_';

/** Request-reply: `<cluster>_REPLY_TOPIC` holds a cluster's reply messages (MixAll.getReplyTopic). */
export const REPLY_TOPIC_POSTFIX = 'REPLY_TOPIC';
/** MSG_TYPE of a reply message (MixAll.REPLY_MESSAGE_FLAG): it goes out as SEND_REPLY_MESSAGE. */
export const REPLY_MESSAGE_FLAG = 'reply';
export const replyTopicOf = (clusterName: string): string => `${clusterName}_${REPLY_TOPIC_POSTFIX}`;

export const retryTopicOf = (group: string): string => RETRY_GROUP_TOPIC_PREFIX + group;
export const dlqTopicOf = (group: string): string => DLQ_GROUP_TOPIC_PREFIX + group;
export const isRetryTopic = (topic: string): boolean => topic.startsWith(RETRY_GROUP_TOPIC_PREFIX);
export const isDlqTopic = (topic: string): boolean => topic.startsWith(DLQ_GROUP_TOPIC_PREFIX);

const SYSTEM_TOPICS: ReadonlySet<string> = new Set([
  AUTO_CREATE_TOPIC_KEY_TOPIC,
  SELF_TEST_TOPIC,
  OFFSET_MOVED_EVENT,
  BENCHMARK_TOPIC,
  RMQ_SYS_SCHEDULE_TOPIC,
  RMQ_SYS_TRANS_HALF_TOPIC,
  RMQ_SYS_TRANS_OP_HALF_TOPIC,
  TRANS_CHECK_MAX_TIME_TOPIC,
  RMQ_SYS_TRACE_TOPIC,
]);

/** Topics the broker writes itself: a client may not send to them. */
const NOT_ALLOWED_SEND_TOPICS: ReadonlySet<string> = new Set([
  RMQ_SYS_SCHEDULE_TOPIC,
  RMQ_SYS_TRANS_HALF_TOPIC,
  RMQ_SYS_TRANS_OP_HALF_TOPIC,
  TRANS_CHECK_MAX_TIME_TOPIC,
  RMQ_SYS_WHEEL_TIMER_TOPIC,
  RMQ_SYS_REVIVE_LOG_TOPIC,
]);

/** Topics admin requests may not create or delete. */
export const isSystemTopic = (topic: string): boolean =>
  SYSTEM_TOPICS.has(topic) || topic.startsWith(SYSTEM_TOPIC_PREFIX);
export const isNotAllowedSendTopic = (topic: string): boolean => NOT_ALLOWED_SEND_TOPICS.has(topic);
