import { defineHeader, f } from '../header-schema.js';

export const QueryConsumerOffsetRequestHeader = defineHeader('QueryConsumerOffsetRequestHeader', {
  consumerGroup: f.string(),
  topic: f.string(),
  queueId: f.int(),
  setZeroIfNotFound: f.optBoolean(),
});

export const UpdateConsumerOffsetRequestHeader = defineHeader('UpdateConsumerOffsetRequestHeader', {
  consumerGroup: f.string(),
  topic: f.string(),
  queueId: f.int(),
  commitOffset: f.long(),
});

/** Response of 14, 29, 30, 31. */
export const OffsetResponseHeader = defineHeader('OffsetResponseHeader', { offset: f.long() });

export const GetMaxOffsetRequestHeader = defineHeader('GetMaxOffsetRequestHeader', {
  topic: f.string(),
  queueId: f.int(),
  committed: f.optBoolean(),
});

/** GET_MIN_OFFSET (31) and GET_EARLIEST_MSG_STORETIME (32). */
export const TopicQueueRequestHeader = defineHeader('TopicQueueRequestHeader', {
  topic: f.string(),
  queueId: f.int(),
});

export const SearchOffsetRequestHeader = defineHeader('SearchOffsetRequestHeader', {
  topic: f.string(),
  queueId: f.int(),
  timestamp: f.long(),
  boundaryType: f.optString(),
});

export const GetEarliestMsgStoretimeResponseHeader = defineHeader('GetEarliestMsgStoretimeResponseHeader', {
  timestamp: f.long(),
});

export const ResetOffsetRequestHeader = defineHeader('ResetOffsetRequestHeader', {
  topic: f.string(),
  group: f.string(),
  timestamp: f.long(),
  isForce: f.boolean(),
  queueId: f.optInt(),
  offset: f.optLong(),
});
