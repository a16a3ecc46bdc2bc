import { defineHeader, f } from '../header-schema.js';

// SEND_MESSAGE (10) and SEND_MESSAGE_V2 (310, same fields under one-letter keys) /
// SEND_BATCH_MESSAGE (320, V2 keys with m=true). Field list: docs/formats.md §2.3.
const sendFields = (v2: boolean) => {
  const k = (name: string) => (v2 ? name : undefined);
  return {
    producerGroup: f.string(k('a')),
    topic: f.string(k('b')),
    defaultTopic: f.string(k('c')),
    defaultTopicQueueNums: f.int(k('d')),
    queueId: f.int(k('e')),
    sysFlag: f.int(k('f')),
    bornTimestamp: f.long(k('g')),
    flag: f.int(k('h')),
    properties: f.optString(k('i')),
    reconsumeTimes: f.optInt(k('j')),
    unitMode: f.optBoolean(k('k')),
    maxReconsumeTimes: f.optInt(k('l')),
    batch: f.optBoolean(k('m')),
    brokerName: f.optString(v2 ? 'n' : 'bname'),
  };
};

export const SendMessageRequestHeader = defineHeader('SendMessageRequestHeader', sendFields(false));
export const SendMessageRequestHeaderV2 = defineHeader('SendMessageRequestHeaderV2', sendFields(true));

export const SendMessageResponseHeader = defineHeader('SendMessageResponseHeader', {
  msgId: f.string(),
  queueId: f.int(),
  queueOffset: f.long(),
  transactionId: f.optString(),
  batchUniqId: f.optString(),
  recallHandle: f.optString(),
});

export const ConsumerSendMsgBackRequestHeader = defineHeader('ConsumerSendMsgBackRequestHeader', {
  offset: f.long(),
  group: f.string(),
  delayLevel: f.int(),
  originMsgId: f.optString(),
  originTopic: f.optString(),
  unitMode: f.optBoolean(),
  maxReconsumeTimes: f.optInt(),
});

export const EndTransactionRequestHeader = defineHeader('EndTransactionRequestHeader', {
  topic: f.optString(),
  producerGroup: f.string(),
  tranStateTableOffset: f.long(),
  commitLogOffset: f.long(),
  commitOrRollback: f.int(),
  fromTransactionCheck: f.optBoolean(),
  msgId: f.string(),
  transactionId: f.optString(),
});

export const CheckTransactionStateRequestHeader = defineHeader('CheckTransactionStateRequestHeader', {
  topic: f.optString(),
  tranStateTableOffset: f.long(),
  commitLogOffset: f.long(),
  msgId: f.optString(),
  transactionId: f.optString(),
  offsetMsgId: f.optString(),
  brokerName: f.optString('bname'),
});
