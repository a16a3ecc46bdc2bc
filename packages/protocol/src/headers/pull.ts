import { defineHeader, f } from '../header-schema.js';

/** PULL_MESSAGE (11) and LITE_PULL_MESSAGE (361). */
export const PullMessageRequestHeader = defineHeader('PullMessageRequestHeader', {
  consumerGroup: f.string(),
  topic: f.string(),
  queueId: f.int(),
  queueOffset: f.long(),
  maxMsgNums: f.int(),
  sysFlag: f.int(),
  commitOffset: f.long(),
  suspendTimeoutMillis: f.long(),
  subscription: f.optString(),
  subVersion: f.long(),
  expressionType: f.optString(),
  maxMsgBytes: f.optInt(),
  requestSource: f.optInt(),
  proxyFrowardClientId: f.optString(),
});

/** Pull request sysFlag bits. */
export const PullSysFlag = {
  COMMIT_OFFSET: 1,
  SUSPEND: 2,
  SUBSCRIPTION: 4,
  CLASS_FILTER: 8,
  LITE_PULL_MESSAGE: 16,
} as const;

/** ali-ons does arithmetic on the first four even for 19/20/21: always send them. */
export const PullMessageResponseHeader = defineHeader('PullMessageResponseHeader', {
  suggestWhichBrokerId: f.long(),
  nextBeginOffset: f.long(),
  minOffset: f.long(),
  maxOffset: f.long(),
  offsetDelta: f.optLong(),
  topicSysFlag: f.optInt(),
  groupSysFlag: f.optInt(),
  forbiddenType: f.optInt(),
});

export const QueryMessageRequestHeader = defineHeader('QueryMessageRequestHeader', {
  topic: f.string(),
  key: f.string(),
  maxNum: f.int(),
  beginTimestamp: f.long(),
  endTimestamp: f.long(),
});

export const QueryMessageResponseHeader = defineHeader('QueryMessageResponseHeader', {
  indexLastUpdateTimestamp: f.long(),
  indexLastUpdatePhyoffset: f.long(),
});

export const ViewMessageRequestHeader = defineHeader('ViewMessageRequestHeader', {
  offset: f.long(),
  topic: f.optString(),
});
