import {
  buildExtraInfo,
  type ExtraInfo,
  type HeaderType,
  MessageConst,
  type MessageProperties,
  type PopMessageResponseHeader,
  parseExtraInfo,
  parseOrderCountInfo,
  parseStartOffsetInfo,
  popRealTopic,
  popRetryFlagOf,
} from '@rocketmq-ts/protocol';
import { ClientErrorCode, MQClientError } from '../errors.js';
import type { MessageExt } from '../message.js';
import { decodeMessages, type RecordFactory } from './pull-decode.js';
import { ReceivedMessage } from './received-message.js';

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

/**
 * A popped message read lazily from the response buffer (see ReceivedMessage). Its receipt
 * handle is built from the response header's fields only when asked for as text (ACK_MESSAGE,
 * CHANGE_MESSAGE_INVISIBLETIME, or the application); a batched ack reads the fields directly.
 * `POP_CK` and `1ST_POP_TIME` enter the properties when the Map is first built.
 */
export class PoppedMessage extends ReceivedMessage implements PopMessage {
  /**
   * The handle's fields when this client builds the handle from the response; undefined when
   * the record carried its own `POP_CK` or the handle was replaced.
   */
  handleInfo: ExtraInfo | undefined;
  /** Shared by the messages of one (response, retry flag, queue): the ack batcher's grouping key. */
  batchKey: object | undefined;
  popTime = 0;
  private handleText: string | undefined;

  get receiptHandle(): string {
    if (this.handleText === undefined) {
      this.handleText =
        this.handleInfo !== undefined
          ? buildExtraInfo(this.handleInfo)
          : (this.properties.get(MessageConst.PROPERTY_POP_CK) ?? '');
    }
    return this.handleText;
  }
  set receiptHandle(value: string) {
    this.handleText = value;
    this.handleInfo = undefined;
    this.batchKey = undefined;
  }

  get deliveryAttempt(): number {
    return this.reconsumeTimes + 1;
  }

  /** Whether the stored record carries `POP_CK` (a revived message re-encoded by the broker). */
  hasStoredHandle(): boolean {
    return this.hasStoredProperty(MessageConst.PROPERTY_POP_CK);
  }

  protected override addProperties(p: MessageProperties): void {
    if (this.handleInfo !== undefined && !p.has(MessageConst.PROPERTY_POP_CK)) {
      p.set(MessageConst.PROPERTY_POP_CK, this.receiptHandle);
    }
    if (!p.has(MessageConst.PROPERTY_FIRST_POP_TIME)) p.set(MessageConst.PROPERTY_FIRST_POP_TIME, String(this.popTime));
  }
}

const newPopped: RecordFactory<PoppedMessage> = (buf, spans, topic, body, brokerName) =>
  new PoppedMessage(buf, spans, topic, body, brokerName);

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
  const batchKeys = new Map<string, object>();
  // msgOffsetInfo repeats the records' own queue offsets (Java only warns on a mismatch).
  const out = decodeMessages(body, brokerName, undefined, topic, newPopped);
  for (const m of out) {
    m.popTime = h.popTime;
    if (!m.hasStoredHandle()) {
      const flag = popRetryFlagOf(m.topic);
      const key = `${flag}@${m.queueId}`;
      m.handleInfo = {
        ckQueueOffset: startOffsets.get(key) ?? m.queueOffset,
        popTime: h.popTime,
        invisibleTime: h.invisibleTime,
        reviveQid: h.reviveQid,
        retryFlag: flag,
        brokerName,
        queueId: m.queueId,
        queueOffset: m.queueOffset,
      };
      let batchKey = batchKeys.get(key);
      if (batchKey === undefined) {
        batchKey = {};
        batchKeys.set(key, batchKey);
      }
      m.batchKey = batchKey;
      if (orderCounts) {
        const count = orderCounts.get(`${flag}@qo${m.queueId}%${m.queueOffset}`) ?? orderCounts.get(key);
        if (count !== undefined && count > 0) m.reconsumeTimes = count;
      }
    }
    m.topic = topic;
  }
  return out;
}

/** Where an ack or change of a popped message goes, read from its receipt handle. */
export interface AckTarget {
  handle: ExtraInfo;
  /** The topic the message was popped from: the pop retry topic for a redelivered one. */
  realTopic: string;
  /** Same object for the messages of one pop response's (retry flag, queue): see PopAckBatcher. */
  batchKey?: object | undefined;
}

/**
 * The receipt handle of a message, checked: unparsable → ILLEGAL_ARGUMENT; its invisibility
 * already over (`popTime + invisibleTime ≤ now`) → INVALID_RECEIPT_HANDLE, since the broker
 * would take the ack but the message is being (or has been) delivered again.
 */
export function ackTarget(group: string, msg: Pick<PopMessage, 'receiptHandle' | 'topic'>, now: number): AckTarget {
  let handle: ExtraInfo;
  if (msg instanceof PoppedMessage && msg.handleInfo !== undefined) handle = msg.handleInfo;
  else {
    const parsed = parseExtraInfo(msg.receiptHandle ?? '');
    if (!parsed.ok) {
      throw new MQClientError(`bad receipt handle: ${parsed.error}`, { code: ClientErrorCode.ILLEGAL_ARGUMENT });
    }
    handle = parsed.value;
  }
  if (handle.popTime + handle.invisibleTime <= now) {
    throw new MQClientError('receipt handle is expired', { code: ClientErrorCode.INVALID_RECEIPT_HANDLE });
  }
  const batchKey = msg instanceof PoppedMessage ? msg.batchKey : undefined;
  return { handle, realTopic: popRealTopic(handle.retryFlag, group, msg.topic), batchKey };
}

/** The handle after CHANGE_MESSAGE_INVISIBLETIME: a one-message checkpoint at the message's own offset. */
export function changedHandle(old: ExtraInfo, popTime: number, invisibleTime: number, reviveQid: number): string {
  return buildExtraInfo({ ...old, ckQueueOffset: old.queueOffset, popTime, invisibleTime, reviveQid });
}
