import { RETRY_GROUP_TOPIC_PREFIX, RMQ_SYS_REVIVE_LOG_TOPIC } from '../rules/system-topics.js';

// Names of the Pop system topics and of the pop retry topics (RocketMQ KeyBuilder and
// PopAckConstants), and the retry flag carried in offset-info strings and extraInfo.

export const REVIVE_TOPIC_PREFIX = `${RMQ_SYS_REVIVE_LOG_TOPIC}_`;
/** Group under which each revive queue's progress is stored as a consumer offset. */
export const REVIVE_GROUP = 'CID_RMQ_SYS_REVIVE_GROUP';
/** reviveQid of a FIFO pop: no checkpoint is written. */
export const POP_ORDER_REVIVE_QUEUE = 999;
/** Tags of the revive-topic records. */
export const PopRecordTag = { CK: 'ck', ACK: 'ack', BATCH_ACK: 'bAck' } as const;

export const reviveTopic = (clusterName: string): string => REVIVE_TOPIC_PREFIX + clusterName;

/** `0` normal topic, `1` pop retry topic v1 (`%RETRY%g_t`), `2` v2 (`%RETRY%g+t`). */
export type PopRetryFlag = 0 | 1 | 2;

export const popRetryTopicV1 = (group: string, topic: string): string => `${RETRY_GROUP_TOPIC_PREFIX}${group}_${topic}`;
export const popRetryTopicV2 = (group: string, topic: string): string => `${RETRY_GROUP_TOPIC_PREFIX}${group}+${topic}`;
export const popRetryTopic = (group: string, topic: string, v2: boolean): string =>
  v2 ? popRetryTopicV2(group, topic) : popRetryTopicV1(group, topic);

/** The retry flag of a topic name, as Java ExtraInfoUtil.getRetry derives it. */
export function popRetryFlagOf(topic: string): PopRetryFlag {
  if (!topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) return 0;
  return topic.includes('+') ? 2 : 1;
}

/** The topic a message was popped from, given the original topic and the retry flag. */
export function popRealTopic(flag: PopRetryFlag, group: string, topic: string): string {
  if (flag === 1) return popRetryTopicV1(group, topic);
  if (flag === 2) return popRetryTopicV2(group, topic);
  return topic;
}

/** The original topic of a v2 pop retry topic (`%RETRY%g+t` → `t`); v1 names cannot be split. */
export function originalTopicOfRetryV2(retryTopic: string): string | undefined {
  if (popRetryFlagOf(retryTopic) !== 2) return undefined;
  return retryTopic.slice(retryTopic.indexOf('+') + 1);
}
