import { isDlqTopic, isRetryTopic } from './system-topics.js';

// Topic and group name rules of RocketMQ's TopicValidator: letters, digits and `_ % - |`;
// topics at most 127 characters (retry and DLQ topics, which prefix a group name, 255),
// groups at most 255. The answers are RocketMQ's remarks, word for word.

export const TOPIC_MAX_LENGTH = 127;
export const RETRY_OR_DLQ_TOPIC_MAX_LENGTH = 255;
export const GROUP_MAX_LENGTH = 255;

const LEGAL = /^[%|a-zA-Z0-9_-]+$/;
const LEGAL_TEXT = '^[%|a-zA-Z0-9_-]+$';

/** The longest name the broker accepts for `topic`: retry and DLQ topics may be longer. */
export const topicMaxLength = (topic: string): number =>
  isRetryTopic(topic) || isDlqTopic(topic) ? RETRY_OR_DLQ_TOPIC_MAX_LENGTH : TOPIC_MAX_LENGTH;

/**
 * Undefined when `topic` is a legal name, else the remark RocketMQ answers with. `maxLength`
 * defaults to the broker's limit; a client checks against TOPIC_MAX_LENGTH for every topic.
 */
export function topicNameProblem(
  topic: string | undefined,
  maxLength: number = topicMaxLength(topic ?? ''),
): string | undefined {
  if (topic === undefined || topic.trim() === '') return 'The specified topic is blank.';
  if (!LEGAL.test(topic)) {
    return `The specified topic[${topic}] contains illegal characters, allowing only ${LEGAL_TEXT}`;
  }
  if (topic.length > maxLength) return `The specified topic is longer than topic max length ${maxLength}.`;
  return undefined;
}

/** Undefined when `group` is a legal name, else the remark RocketMQ answers with. */
export function groupNameProblem(group: string | undefined): string | undefined {
  if (group === undefined || group.trim() === '') return 'the specified group is blank';
  if (!LEGAL.test(group)) {
    return `the specified group[${group}] contains illegal characters, allowing only ${LEGAL_TEXT}`;
  }
  if (group.length > GROUP_MAX_LENGTH) {
    return `the specified group is longer than group max length ${GROUP_MAX_LENGTH}.`;
  }
  return undefined;
}
