import { defineHeader, f } from '../header-schema.js';

export const PopMessageRequestHeader = defineHeader('PopMessageRequestHeader', {
  consumerGroup: f.string(),
  topic: f.string(),
  queueId: f.int(),
  maxMsgNums: f.int(),
  invisibleTime: f.long(),
  pollTime: f.long(),
  bornTime: f.long(),
  initMode: f.int(),
  expType: f.optString(),
  exp: f.optString(),
  order: f.optBoolean(),
  attemptId: f.optString(),
});

export const PopMessageResponseHeader = defineHeader('PopMessageResponseHeader', {
  popTime: f.long(),
  invisibleTime: f.long(),
  reviveQid: f.int(),
  restNum: f.long(),
  startOffsetInfo: f.optString(),
  msgOffsetInfo: f.optString(),
  orderCountInfo: f.optString(),
});

export const AckMessageRequestHeader = defineHeader('AckMessageRequestHeader', {
  consumerGroup: f.string(),
  topic: f.string(),
  queueId: f.int(),
  extraInfo: f.string(),
  offset: f.long(),
});

export const ChangeInvisibleTimeRequestHeader = defineHeader('ChangeInvisibleTimeRequestHeader', {
  consumerGroup: f.string(),
  topic: f.string(),
  queueId: f.int(),
  extraInfo: f.string(),
  offset: f.long(),
  invisibleTime: f.long(),
});

export const ChangeInvisibleTimeResponseHeader = defineHeader('ChangeInvisibleTimeResponseHeader', {
  popTime: f.long(),
  invisibleTime: f.long(),
  reviveQid: f.int(),
});

export const PeekMessageRequestHeader = defineHeader('PeekMessageRequestHeader', {
  consumerGroup: f.string(),
  topic: f.string(),
  queueId: f.int(),
  maxMsgNums: f.int(),
});

export const NotificationRequestHeader = defineHeader('NotificationRequestHeader', {
  consumerGroup: f.string(),
  topic: f.string(),
  queueId: f.int(),
  pollTime: f.long(),
  bornTime: f.long(),
  order: f.optBoolean(),
  attemptId: f.optString(),
});

export const NotificationResponseHeader = defineHeader('NotificationResponseHeader', {
  hasMsg: f.boolean(),
  pollingFull: f.optBoolean(),
});

export const PollingInfoRequestHeader = defineHeader('PollingInfoRequestHeader', {
  consumerGroup: f.string(),
  topic: f.string(),
  queueId: f.int(),
});

export const PollingInfoResponseHeader = defineHeader('PollingInfoResponseHeader', {
  pollingNum: f.int(),
});
