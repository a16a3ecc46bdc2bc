import { decodeProperties, encodeProperties, MessageConst, RMQ_SYS_SCHEDULE_TOPIC } from '@rocketmq-ts/protocol';
import type { MessageInput } from '@rocketmq-ts/store';

// The rewrite of a delayed message into SCHEDULE_TOPIC_XXXX (levels: `parseDelayLevels` in
// @rocketmq-ts/protocol). Shared by the send path (which parks messages) and the schedule
// service (which delivers them when due). Format: docs/formats.md, "Delayed messages".

/**
 * Parks `msg` for delay `level` (1-based, clamped to the highest level): topic becomes
 * SCHEDULE_TOPIC_XXXX, queue `level - 1`, the real topic and queue go into REAL_TOPIC /
 * REAL_QID, and the ConsumeQueue tag field carries the delivery time instead of a tag hash.
 */
export function toScheduled(msg: MessageInput, level: number, levelsMs: number[], now: number): MessageInput {
  const clamped = Math.min(Math.max(level, 1), levelsMs.length);
  const props = decodeProperties(msg.properties);
  props.set(MessageConst.PROPERTY_REAL_TOPIC, msg.topic);
  props.set(MessageConst.PROPERTY_REAL_QUEUE_ID, String(msg.queueId));
  props.set(MessageConst.PROPERTY_DELAY_TIME_LEVEL, String(clamped));
  return {
    ...msg,
    topic: RMQ_SYS_SCHEDULE_TOPIC,
    queueId: clamped - 1,
    properties: encodeProperties(props),
    tagsCode: now + levelsMs[clamped - 1]!,
  };
}
