import { defineHeader, f } from '../header-schema.js';

/** UPDATE_AND_CREATE_TOPIC (17). */
export const CreateTopicRequestHeader = defineHeader('CreateTopicRequestHeader', {
  topic: f.string(),
  defaultTopic: f.string(),
  readQueueNums: f.int(),
  writeQueueNums: f.int(),
  perm: f.int(),
  topicFilterType: f.string(),
  topicSysFlag: f.optInt(),
  order: f.boolean(),
  attributes: f.optString(),
  force: f.optBoolean(),
});

/** DELETE_TOPIC_IN_BROKER (215), GET_TOPIC_STATS_INFO (202), GET_TOPIC_CONFIG (351). */
export const TopicRequestHeader = defineHeader('TopicRequestHeader', { topic: f.string() });

export const DeleteSubscriptionGroupRequestHeader = defineHeader('DeleteSubscriptionGroupRequestHeader', {
  groupName: f.string(),
  cleanOffset: f.optBoolean(),
});

export const GetSubscriptionGroupConfigRequestHeader = defineHeader('GetSubscriptionGroupConfigRequestHeader', {
  group: f.string(),
});

/** Topic and subscription-group permission bits. */
export const Perm = { PRIORITY: 8, READ: 4, WRITE: 2, INHERIT: 1 } as const;
