import {
  getPropertyFromString,
  MessageConst,
  type MessageView,
  RETRY_GROUP_TOPIC_PREFIX,
  ResponseCode,
  RMQ_SYS_WHEEL_TIMER_TOPIC,
} from '@rocketmq-ts/protocol';
import type { MessageInput } from '@rocketmq-ts/store';
import { TIMER_NOT_ENABLED, withProperty } from '../processors/message-rewrite.js';
import { copyOf, editProperties } from '../retry/message-copy.js';

// The rules of RocketMQ 5.x timer messages (HookUtils.transformTimerMessage and the
// TimerMessageStore conversions), kept free of I/O: what a send with TIMER_* properties
// becomes, and what the wheel stores when a timer fires or rolls. docs/timer.md.

export interface TimerRules {
  timerWheelEnable: boolean;
  /** 100, 200, 500 or 1000 (Java rounds other values down to one of these). */
  timerPrecisionMs: number;
  timerMaxDelaySec: number;
}

/** Java's setTimerPrecisionMs: the largest candidate not above the value (100 at least). */
export function normalizePrecision(ms: number): number {
  const candidates = [100, 200, 500, 1000];
  let chosen = candidates[0]!;
  for (const c of candidates) if (ms >= c) chosen = c;
  return chosen;
}

/** Java's remark for WHEEL_TIMER_MSG_ILLEGAL (answered with MESSAGE_ILLEGAL). */
export const timerIllegalRemark = (maxDelaySec: number): string =>
  `timer message illegal, the delay time should not be bigger than the max delay ${maxDelaySec * 1000}ms; ` +
  'or if set del msg, the delay time should be bigger than the current time';

const INT64 = /^[+-]?\d{1,19}$/;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Long.parseLong: undefined for anything Java would refuse (text, blanks, overflow). */
export function parseJavaLong(text: string): bigint | undefined {
  if (!INT64.test(text)) return undefined;
  const v = BigInt(text);
  return v > INT64_MAX || v < INT64_MIN ? undefined : v;
}

/**
 * The moment a message asks to be delivered at: TIMER_DELAY_SEC, else TIMER_DELAY_MS, else
 * TIMER_DELIVER_MS (Java's order). Undefined when the chosen value is not a long, or negative
 * (a deliberate difference: Java delivers a negative delay at once; see docs/timer.md). A
 * moment beyond the safe-integer range comes back as +Infinity, beyond any max delay.
 */
export function deliverTimeOf(props: string, now: number): number | undefined {
  const sec = getPropertyFromString(props, MessageConst.PROPERTY_TIMER_DELAY_SEC);
  const ms = sec === undefined ? getPropertyFromString(props, MessageConst.PROPERTY_TIMER_DELAY_MS) : undefined;
  const at =
    sec === undefined && ms === undefined
      ? getPropertyFromString(props, MessageConst.PROPERTY_TIMER_DELIVER_MS)
      : undefined;
  const text = sec ?? ms ?? at;
  if (text === undefined) return undefined;
  const v = parseJavaLong(text);
  if (v === undefined || v < 0n) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) return Number.POSITIVE_INFINITY;
  if (sec !== undefined) return n > Number.MAX_SAFE_INTEGER / 1000 ? Number.POSITIVE_INFINITY : now + n * 1000;
  return ms !== undefined ? now + n : n;
}

export type TimerPlacement =
  /** Not parked: a time in the past (delivered now, as Java). */
  | { kind: 'now' }
  | { kind: 'parked'; msg: MessageInput; timerOutMs: number }
  | { kind: 'refused'; code: number; remark: string };

/**
 * HookUtils.transformTimerMessage for a message that asks for the timer (requestsTimer):
 * a future time within timerMaxDelaySec parks it in rmq_sys_wheel_timer queue 0 with
 * TIMER_OUT_MS (the time floored to the precision, one step back when already on it, so the
 * slot ends at or after the asked time), REAL_TOPIC and REAL_QID.
 */
export function placeTimerMessage(msg: MessageInput, rules: TimerRules, now: number): TimerPlacement {
  if (!rules.timerWheelEnable) return { kind: 'refused', code: ResponseCode.SYSTEM_ERROR, remark: TIMER_NOT_ENABLED };
  const illegal = {
    kind: 'refused',
    code: ResponseCode.MESSAGE_ILLEGAL,
    remark: timerIllegalRemark(rules.timerMaxDelaySec),
  } as const;
  let deliverMs = deliverTimeOf(msg.properties, now);
  if (deliverMs === undefined) return illegal;
  if (deliverMs <= now) {
    return getPropertyFromString(msg.properties, MessageConst.PROPERTY_TIMER_DEL_UNIQKEY) === undefined
      ? { kind: 'now' }
      : illegal;
  }
  if (deliverMs - now > rules.timerMaxDelaySec * 1000) return illegal;
  const p = rules.timerPrecisionMs;
  deliverMs = deliverMs % p === 0 ? deliverMs - p : Math.floor(deliverMs / p) * p;
  let props = withProperty(msg.properties, MessageConst.PROPERTY_TIMER_OUT_MS, String(deliverMs));
  props = withProperty(props, MessageConst.PROPERTY_REAL_TOPIC, msg.topic);
  props = withProperty(props, MessageConst.PROPERTY_REAL_QUEUE_ID, String(msg.queueId));
  return {
    kind: 'parked',
    msg: { ...msg, topic: RMQ_SYS_WHEEL_TIMER_TOPIC, queueId: 0, properties: props },
    timerOutMs: deliverMs,
  };
}

/** TimerMessageStore.buildDeleteKey: how a recall names the message it cancels. */
export const timerDeleteKey = (realTopic: string, uniqKey: string): string => `${realTopic}+${uniqKey}`;

/** The recall handle's timestamp for a parked message, or undefined when it gets none (retry topics). */
export function recallTimestampOf(parked: MessageInput, timerOutMs: number): string | undefined {
  const realTopic = getPropertyFromString(parked.properties, MessageConst.PROPERTY_REAL_TOPIC);
  if (realTopic === undefined || realTopic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) return undefined;
  return String(timerOutMs + 1);
}

/** A fired timer message as stored in its real topic and queue (REAL_TOPIC/REAL_QID dropped). */
export function firedCopy(view: MessageView, enqueueMs: number, now: number): MessageInput | undefined {
  const topic = view.properties.get(MessageConst.PROPERTY_REAL_TOPIC);
  const qid = Number(view.properties.get(MessageConst.PROPERTY_REAL_QUEUE_ID));
  if (topic === undefined || !Number.isInteger(qid) || qid < 0) return undefined;
  return copyOf(view, {
    topic,
    queueId: qid,
    properties: editProperties(view.propertiesString, {
      remove: (k) => k === MessageConst.PROPERTY_REAL_TOPIC || k === MessageConst.PROPERTY_REAL_QUEUE_ID,
      set: {
        [MessageConst.PROPERTY_TIMER_ENQUEUE_MS]: String(enqueueMs),
        [MessageConst.PROPERTY_TIMER_DEQUEUE_MS]: String(now),
      },
    }),
  });
}

/** A message beyond the wheel's window, stored again in rmq_sys_wheel_timer for another turn. */
export function rolledCopy(view: MessageView, enqueueMs: number, now: number): MessageInput {
  const times = Number(view.properties.get(MessageConst.PROPERTY_TIMER_ROLL_TIMES) ?? 0);
  return copyOf(view, {
    properties: editProperties(view.propertiesString, {
      set: {
        [MessageConst.PROPERTY_TIMER_ROLL_TIMES]: String((Number.isInteger(times) ? times : 0) + 1),
        [MessageConst.PROPERTY_TIMER_ENQUEUE_MS]: String(enqueueMs),
        [MessageConst.PROPERTY_TIMER_DEQUEUE_MS]: String(now),
      },
    }),
  });
}
