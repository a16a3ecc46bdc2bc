import { defineHeader, f } from '../header-schema.js';

/**
 * PUSH_REPLY_MESSAGE_TO_CLIENT (326): a reply message the broker pushes to the requesting
 * client over that client's own connection. The send header's fields plus where the reply
 * came from (bornHost: the replier's address) and where it was handled (storeHost).
 */
export const ReplyMessageRequestHeader = defineHeader('ReplyMessageRequestHeader', {
  producerGroup: f.string(),
  topic: f.string(),
  defaultTopic: f.string(),
  defaultTopicQueueNums: f.int(),
  queueId: f.int(),
  sysFlag: f.int(),
  bornTimestamp: f.long(),
  flag: f.int(),
  properties: f.optString(),
  reconsumeTimes: f.optInt(),
  unitMode: f.optBoolean(),
  bornHost: f.string(),
  storeHost: f.string(),
  storeTimestamp: f.long(),
});
