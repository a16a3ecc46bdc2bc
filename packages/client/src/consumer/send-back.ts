import {
  AUTO_CREATE_TOPIC_KEY_TOPIC,
  MessageConst,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
  retryTopicOf,
} from '@rocketmq-ts/protocol';
import type { MQClientInstance } from '../client-instance.js';
import type { MessageExt } from '../message.js';

/**
 * Hands a failed message back for redelivery: CONSUMER_SEND_MSG_BACK to the broker that
 * holds it (it schedules the copy into %RETRY%<group>, or %DLQ%<group> once
 * maxReconsumeTimes is reached). If that fails, sends the copy to %RETRY%<group> ourselves,
 * as the Java client does. Throws only when both fail.
 */
export async function sendMessageBack(
  instance: MQClientInstance,
  group: string,
  msg: MessageExt,
  delayLevel: number,
  maxReconsumeTimes: number,
): Promise<void> {
  try {
    const addr = await instance.requireMasterAddr(msg.brokerName, msg.topic);
    const origin = msg.properties.get(MessageConst.PROPERTY_ORIGIN_MESSAGE_ID) ?? msg.msgId;
    await instance.api.consumerSendMessageBack(
      addr,
      group,
      msg.commitLogOffset,
      delayLevel,
      origin,
      msg.topic,
      maxReconsumeTimes,
    );
    return;
  } catch (first) {
    instance.logger.warn({ err: first, msgId: msg.msgId }, 'send-back failed; re-sending to the retry topic');
  }
  const topic = retryTopicOf(group);
  const props = new Map(msg.properties);
  if (!props.has(MessageConst.PROPERTY_RETRY_TOPIC)) props.set(MessageConst.PROPERTY_RETRY_TOPIC, msg.topic);
  if (!props.has(MessageConst.PROPERTY_ORIGIN_MESSAGE_ID))
    props.set(MessageConst.PROPERTY_ORIGIN_MESSAGE_ID, msg.offsetMsgId);
  props.set(MessageConst.PROPERTY_RECONSUME_TIME, String(msg.reconsumeTimes + 1));
  props.set(MessageConst.PROPERTY_MAX_RECONSUME_TIMES, String(maxReconsumeTimes));
  props.set(MessageConst.PROPERTY_DELAY_TIME_LEVEL, String(delayLevel > 0 ? delayLevel : 3 + msg.reconsumeTimes));
  let properties = '';
  for (const [k, v] of props) if (k && v) properties += k + NAME_VALUE_SEPARATOR + v + PROPERTY_SEPARATOR;
  const info = await instance.getPublishInfo(topic);
  const mq = info.queues[Math.floor(Math.random() * info.queues.length)]!;
  const addr = await instance.requireMasterAddr(mq.brokerName, topic);
  await instance.api.sendMessage(
    addr,
    mq,
    {
      producerGroup: 'CLIENT_INNER_PRODUCER',
      topic,
      defaultTopic: AUTO_CREATE_TOPIC_KEY_TOPIC,
      defaultTopicQueueNums: 4,
      queueId: mq.queueId,
      sysFlag: msg.sysFlag & ~1 /* body is already inflated */,
      bornTimestamp: Date.now(),
      flag: msg.flag,
      properties,
      reconsumeTimes: msg.reconsumeTimes + 1,
      unitMode: false,
      maxReconsumeTimes,
    },
    msg.body,
    msg.msgId,
    instance.config.requestTimeoutMs,
  );
}

/**
 * A message redelivered from %RETRY%<group> shows its original topic to the listener. Only a
 * queue of the retry topic holds such messages: for any other `queueTopic` nothing is looked at.
 */
export function resetRetryTopic(msgs: MessageExt[], group: string, queueTopic: string): void {
  const rt = retryTopicOf(group);
  if (queueTopic !== rt) return;
  for (const m of msgs) {
    if (m.topic !== rt) continue;
    const original = m.properties.get(MessageConst.PROPERTY_RETRY_TOPIC);
    if (original) m.topic = original;
  }
}
