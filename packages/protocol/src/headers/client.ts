import { defineHeader, f } from '../header-schema.js';

export const UnregisterClientRequestHeader = defineHeader('UnregisterClientRequestHeader', {
  clientID: f.string(),
  producerGroup: f.optString(),
  consumerGroup: f.optString(),
});

/** GET_CONSUMER_LIST_BY_GROUP (38), NOTIFY_CONSUMER_IDS_CHANGED (40), GET_CONSUMER_CONNECTION_LIST (203). */
export const ConsumerGroupRequestHeader = defineHeader('ConsumerGroupRequestHeader', {
  consumerGroup: f.string(),
});

export const GetConsumeStatsRequestHeader = defineHeader('GetConsumeStatsRequestHeader', {
  consumerGroup: f.string(),
  topic: f.optString(),
});

export const GetConsumerRunningInfoRequestHeader = defineHeader('GetConsumerRunningInfoRequestHeader', {
  consumerGroup: f.string(),
  clientId: f.string(),
  jstackEnable: f.optBoolean(),
});
