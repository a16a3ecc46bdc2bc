import { decodeProperties, encodeProperties, MessageConst } from '@rocketmq-ts/protocol';
import type { MessageInput } from '@rocketmq-ts/store';

// Delay levels (`messageDelayLevel`) and the rewrite of a delayed message into
// SCHEDULE_TOPIC_XXXX. Shared by the send path (which parks messages) and the schedule
// service (which delivers them when due). Format: docs/formats.md, "Delayed messages".

export const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';
export const DEFAULT_DELAY_LEVELS = '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `messageDelayLevel` into milliseconds per level (index 0 = level 1). Throws on a bad entry. */
export function parseDelayLevels(spec: string): number[] {
  return spec
    .trim()
    .split(/\s+/)
    .map((item) => {
      const m = /^(\d+)([smhd])$/.exec(item);
      if (!m) throw new TypeError(`messageDelayLevel: bad entry "${item}"`);
      return Number(m[1]) * UNIT_MS[m[2]!]!;
    });
}

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
    topic: SCHEDULE_TOPIC,
    queueId: clamped - 1,
    properties: encodeProperties(props),
    tagsCode: now + levelsMs[clamped - 1]!,
  };
}
