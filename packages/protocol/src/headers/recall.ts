import { defineHeader, f } from '../header-schema.js';

// RECALL_MESSAGE (370, RocketMQ 5.3): cancel a timer message before it fires by the recall
// handle its send returned (SendMessageResponseHeader.recallHandle).
export const RecallMessageRequestHeader = defineHeader('RecallMessageRequestHeader', {
  producerGroup: f.optString(),
  topic: f.string(),
  recallHandle: f.string(),
});

/** `msgId`: the UNIQ_KEY of the recalled message. */
export const RecallMessageResponseHeader = defineHeader('RecallMessageResponseHeader', {
  msgId: f.string(),
});
