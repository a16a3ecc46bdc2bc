// Topic and group name rules the admin requests enforce (RocketMQ's TopicValidator):
// letters, digits and `_ % - |`; topics at most 127 characters (retry/DLQ 255); system topics
// may not be created or deleted by admin requests.

const LEGAL = /^[%|a-zA-Z0-9_-]+$/;
const SYSTEM_TOPICS = new Set([
  'TBW102',
  'SELF_TEST_TOPIC',
  'OFFSET_MOVED_EVENT',
  'BenchmarkTest',
  'SCHEDULE_TOPIC_XXXX',
  'RMQ_SYS_TRANS_HALF_TOPIC',
  'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  'TRANS_CHECK_MAX_TIME_TOPIC',
  'RMQ_SYS_TRACE_TOPIC',
]);

export const isSystemTopic = (topic: string): boolean => SYSTEM_TOPICS.has(topic) || topic.startsWith('rmq_sys_');

/** Undefined when acceptable, else the remark to answer with (INVALID_PARAMETER). */
export function topicNameProblem(topic: string): string | undefined {
  if (topic.trim() === '') return 'The specified topic is blank.';
  if (!LEGAL.test(topic)) {
    return `The specified topic[${topic}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`;
  }
  const max = topic.startsWith('%RETRY%') || topic.startsWith('%DLQ%') ? 255 : 127;
  if (topic.length > max) return `The specified topic is longer than topic max length ${max}.`;
  return undefined;
}

export function groupNameProblem(group: string): string | undefined {
  if (group.trim() === '') return 'the specified group is blank';
  if (!LEGAL.test(group)) {
    return `the specified group[${group}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`;
  }
  if (group.length > 255) return 'the specified group is longer than group max length 255.';
  return undefined;
}
