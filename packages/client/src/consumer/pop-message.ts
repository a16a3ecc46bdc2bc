import {
  buildExtraInfo,
  type ExtraInfo,
  type HeaderType,
  MessageConst,
  type PopMessageResponseHeader,
  parseExtraInfo,
  parseOrderCountInfo,
  parseStartOffsetInfo,
  popRealTopic,
  popRetryFlagOf,
} from '@rocketmq-ts/protocol';
import { ClientErrorCode, MQClientError } from '../errors.js';
import type { MessageExt } from '../message.js';
import { decodeMessages } from './pull-decode.js';

/**
 * A message received through Pop. It stays invisible to every other consumer of the group
 * until `popTime + invisibleTime`; acknowledge it, or change that deadline, with its
 * receipt handle before then, or it is delivered again with `reconsumeTimes + 1`.
 */
export interface PopMessage extends MessageExt {
  /**
   * The receipt handle: the broker's extraInfo (`POP_CK` property) of this delivery. It
   * changes when the invisible duration is changed.
   */
  receiptHandle: string;
  /** 1 on the first delivery, `reconsumeTimes + 1` after that (RocketMQ 5.x's name). */
  readonly deliveryAttempt: number;
}

export type PopHeader = HeaderType<typeof PopMessageResponseHeader>;

/** Handles this client built, kept parsed so an ack does not parse its own text again. */
const parsedHandles = new WeakMap<object, { text: string; info: ExtraInfo }>();

/**
 * Turns a POP_MESSAGE response body into messages carrying their receipt handles, as Java's
 * MQClientAPIImpl.processPopResponse does: a record that already has `POP_CK` (a revived
 * message the broker re-encoded under its original topic) keeps it; any other gets one built
 * from the response header and the start offset of its (retry flag, queue). The listener sees
 * `topic` (the topic it popped), whatever topic the record was stored under. In FIFO mode the
 * broker's consumed count becomes reconsumeTimes.
 */
export function decodePopMessages(
  body: Buffer,
  h: PopHeader,
  brokerName: string,
  topic: string,
  order: boolean,
): PopMessage[] {
  const startOffsets = parseStartOffsetInfo(h.startOffsetInfo);
  const orderCounts = order ? parseOrderCountInfo(h.orderCountInfo) : undefined;
  // msgOffsetInfo repeats the records' own queue offsets (Java only warns on a mismatch).
  const out: PopMessage[] = [];
  for (const m of decodeMessages(body, brokerName)) {
    const props = m.properties;
    let handle = props.get(MessageConst.PROPERTY_POP_CK);
    if (handle === undefined) {
      const flag = popRetryFlagOf(m.topic);
      const key = `${flag}@${m.queueId}`;
      const info: ExtraInfo = {
        ckQueueOffset: startOffsets.get(key) ?? m.queueOffset,
        popTime: h.popTime,
        invisibleTime: h.invisibleTime,
        reviveQid: h.reviveQid,
        retryFlag: flag,
        brokerName,
        queueId: m.queueId,
        queueOffset: m.queueOffset,
      };
      handle = buildExtraInfo(info);
      parsedHandles.set(m, { text: handle, info });
      props.set(MessageConst.PROPERTY_POP_CK, handle);
      if (orderCounts) {
        const count = orderCounts.get(`${flag}@qo${m.queueId}%${m.queueOffset}`) ?? orderCounts.get(key);
        if (count !== undefined && count > 0) m.reconsumeTimes = count;
      }
    }
    if (!props.has(MessageConst.PROPERTY_FIRST_POP_TIME))
      props.set(MessageConst.PROPERTY_FIRST_POP_TIME, String(h.popTime));
    m.topic = topic;
    const pm = m as typeof m & { receiptHandle: string; deliveryAttempt: number };
    pm.receiptHandle = handle;
    pm.deliveryAttempt = m.reconsumeTimes + 1;
    out.push(pm);
  }
  return out;
}

/** Where an ack or change of a popped message goes, read from its receipt handle. */
export interface AckTarget {
  handle: ExtraInfo;
  /** The topic the message was popped from: the pop retry topic for a redelivered one. */
  realTopic: string;
}

/**
 * The receipt handle of a message, checked: unparsable → ILLEGAL_ARGUMENT; its invisibility
 * already over (`popTime + invisibleTime ≤ now`) → INVALID_RECEIPT_HANDLE, since the broker
 * would take the ack but the message is being (or has been) delivered again.
 */
export function ackTarget(group: string, msg: Pick<PopMessage, 'receiptHandle' | 'topic'>, now: number): AckTarget {
  const text = msg.receiptHandle ?? '';
  const cached = parsedHandles.get(msg);
  let handle: ExtraInfo;
  if (cached !== undefined && cached.text === text) handle = cached.info;
  else {
    const parsed = parseExtraInfo(text);
    if (!parsed.ok) {
      throw new MQClientError(`bad receipt handle: ${parsed.error}`, { code: ClientErrorCode.ILLEGAL_ARGUMENT });
    }
    handle = parsed.value;
  }
  if (handle.popTime + handle.invisibleTime <= now) {
    throw new MQClientError('receipt handle is expired', { code: ClientErrorCode.INVALID_RECEIPT_HANDLE });
  }
  return { handle, realTopic: popRealTopic(handle.retryFlag, group, msg.topic) };
}

/** The handle after CHANGE_MESSAGE_INVISIBLETIME: a one-message checkpoint at the message's own offset. */
export function changedHandle(old: ExtraInfo, popTime: number, invisibleTime: number, reviveQid: number): string {
  return buildExtraInfo({ ...old, ckQueueOffset: old.queueOffset, popTime, invisibleTime, reviveQid });
}
