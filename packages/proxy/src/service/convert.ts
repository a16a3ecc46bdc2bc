import { createHash } from 'node:crypto';
import type { PopMessage } from '@rocketmq-ts/client';
import {
  MAX_PROPERTIES_SIZE,
  MessageConst,
  MessageSysFlag,
  NAME_VALUE_SEPARATOR as NV,
  PROPERTY_SEPARATOR as PS,
  TOPIC_MAX_LENGTH,
  topicNameProblem,
} from '@rocketmq-ts/protocol';
import { Code, ProxyError } from '../grpc/codes.js';
import {
  DigestType,
  type Duration,
  Encoding,
  type Message,
  MessageType,
  type SystemProperties,
  type Timestamp,
} from '../grpc/types.js';

// gRPC Message ⇄ RocketMQ message (the Java proxy's GrpcConverter and validators): the
// checks each field gets before a send, the properties it becomes, and the SystemProperties a
// delivered message carries.

export const MAX_USER_PROPERTIES = 128;
export const MAX_USER_PROPERTIES_BYTES = 16 * 1024;
export const MAX_MESSAGE_GROUP_LENGTH = 64;
export const MAX_DELIVERY_AHEAD_MS = 24 * 3600 * 1000;

/** Property names a client may not set as user properties (RocketMQ's system property set). */
const SYSTEM_PROPERTIES: ReadonlySet<string> = new Set<string>([
  ...Object.values(MessageConst).filter((v) => typeof v === 'string' && /^[_A-Z0-9#]+$/.test(v) && v.length > 1),
  'TRACE_CONTEXT',
]);

export const millisOf = (d: Duration | Timestamp | undefined | null): number =>
  d ? Number(d.seconds ?? 0) * 1000 + Math.floor(Number(d.nanos ?? 0) / 1e6) : 0;

export const durationOf = (ms: number): Duration => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

export function messageTypeOfProps(props: ReadonlyMap<string, string>): number {
  if (props.get(MessageConst.PROPERTY_TRANSACTION_PREPARED) === 'true') return MessageType.TRANSACTION;
  if (
    props.has(MessageConst.PROPERTY_DELAY_TIME_LEVEL) ||
    props.has(MessageConst.PROPERTY_TIMER_DELIVER_MS) ||
    props.has(MessageConst.PROPERTY_TIMER_DELAY_SEC) ||
    props.has(MessageConst.PROPERTY_TIMER_DELAY_MS)
  ) {
    return MessageType.DELAY;
  }
  if (props.has(MessageConst.PROPERTY_SHARDING_KEY)) return MessageType.FIFO;
  return MessageType.NORMAL;
}

/** The type of a message to send, from its fields (client-declared message_type is not trusted). */
export function messageTypeOfSend(m: Message): number {
  const sp = m.systemProperties ?? {};
  if (sp.messageType === MessageType.TRANSACTION) return MessageType.TRANSACTION;
  if (sp.deliveryTimestamp) return MessageType.DELAY;
  if (sp.messageGroup) return MessageType.FIFO;
  return MessageType.NORMAL;
}

export function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

export function checkTopic(topic: string | undefined): string {
  const problem = topicNameProblem(topic ?? '', TOPIC_MAX_LENGTH);
  if (problem !== undefined || !topic) throw new ProxyError(Code.ILLEGAL_TOPIC, problem ?? 'topic is blank');
  return topic;
}

export interface SendForm {
  topic: string;
  messageId: string;
  body: Buffer;
  sysFlag: number;
  properties: string;
  bornTimestamp: number;
  messageType: number;
  /** __SHARDINGKEY, for the queue choice. */
  messageGroup: string | undefined;
}

/**
 * Checks a message to send and builds its properties. `maxBodySize` is the proxy's limit
 * (MESSAGE_BODY_TOO_LARGE past it); `bornHost` is the peer address when the client sent none.
 */
export function toSendForm(m: Message, maxBodySize: number, bornHost: string, now: number): SendForm {
  const topic = checkTopic(m.topic?.name);
  const sp: SystemProperties = m.systemProperties ?? {};
  const messageId = sp.messageId ?? '';
  if (messageId === '') throw new ProxyError(Code.ILLEGAL_MESSAGE_ID, 'message id cannot be empty');
  const body = m.body ? Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength) : Buffer.alloc(0);
  if (body.length === 0) throw new ProxyError(Code.MESSAGE_BODY_EMPTY, 'message body cannot be empty');
  if (body.length > maxBodySize) {
    throw new ProxyError(Code.MESSAGE_BODY_TOO_LARGE, `message body cannot exceed ${maxBodySize} bytes`);
  }
  let props = '';
  const add = (k: string, v: string): void => {
    props += k + NV + v + PS;
  };
  const user = m.userProperties ?? {};
  let userCount = 0;
  let userBytes = 0;
  for (const k of Object.keys(user)) {
    const v = user[k] ?? '';
    if (k === '' || SYSTEM_PROPERTIES.has(k) || hasControlChar(k) || k.includes(NV) || k.includes(PS)) {
      throw new ProxyError(Code.ILLEGAL_MESSAGE_PROPERTY_KEY, `property key ${JSON.stringify(k)} is not allowed`);
    }
    if (v.includes(NV) || v.includes(PS)) {
      throw new ProxyError(Code.ILLEGAL_MESSAGE_PROPERTY_KEY, `property ${k} has a separator character`);
    }
    userCount++;
    userBytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    add(k, v);
  }
  if (userCount > MAX_USER_PROPERTIES || userBytes > MAX_USER_PROPERTIES_BYTES) {
    throw new ProxyError(
      Code.MESSAGE_PROPERTIES_TOO_LARGE,
      `at most ${MAX_USER_PROPERTIES} user properties of ${MAX_USER_PROPERTIES_BYTES} bytes`,
    );
  }
  if (sp.tag) {
    if (sp.tag.trim() === '' || sp.tag.includes('|') || hasControlChar(sp.tag)) {
      throw new ProxyError(Code.ILLEGAL_MESSAGE_TAG, 'tag cannot be blank or contain | or control characters');
    }
    add(MessageConst.PROPERTY_TAGS, sp.tag);
  }
  if (sp.keys && sp.keys.length > 0) {
    for (const k of sp.keys) {
      if (k.trim() === '' || hasControlChar(k)) throw new ProxyError(Code.ILLEGAL_MESSAGE_KEY, 'key cannot be blank');
    }
    add(MessageConst.PROPERTY_KEYS, sp.keys.join(MessageConst.KEY_SEPARATOR));
  }
  const messageType = messageTypeOfSend(m);
  let sysFlag = 0;
  if (messageType === MessageType.TRANSACTION) {
    add(MessageConst.PROPERTY_TRANSACTION_PREPARED, 'true');
    sysFlag |= MessageSysFlag.TRANSACTION_PREPARED_TYPE;
    const immunity = millisOf(sp.orphanedTransactionRecoveryDuration);
    if (immunity > 0) {
      add(MessageConst.PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS, String(Math.min(3600, Math.ceil(immunity / 1000))));
    }
  }
  if (sp.deliveryTimestamp) {
    const at = millisOf(sp.deliveryTimestamp);
    if (at - now > MAX_DELIVERY_AHEAD_MS) {
      throw new ProxyError(Code.ILLEGAL_DELIVERY_TIME, 'delivery time cannot be more than one day ahead');
    }
    add(MessageConst.PROPERTY_TIMER_DELIVER_MS, String(at));
  }
  const group = sp.messageGroup || undefined;
  if (group !== undefined) {
    if (Buffer.byteLength(group) >= MAX_MESSAGE_GROUP_LENGTH || hasControlChar(group)) {
      throw new ProxyError(
        Code.ILLEGAL_MESSAGE_GROUP,
        `message group must be shorter than ${MAX_MESSAGE_GROUP_LENGTH} bytes`,
      );
    }
    add(MessageConst.PROPERTY_SHARDING_KEY, group);
  }
  if (sp.traceContext) add('TRACE_CONTEXT', sp.traceContext);
  add(MessageConst.PROPERTY_BORN_HOST, sp.bornHost || bornHost);
  add(MessageConst.PROPERTY_PRODUCER_GROUP, topic);
  add(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, messageId);
  add(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, 'true');
  if (sp.bodyEncoding === Encoding.GZIP) sysFlag |= MessageSysFlag.COMPRESSED_FLAG;
  if (Buffer.byteLength(props) > MAX_PROPERTIES_SIZE) {
    throw new ProxyError(Code.MESSAGE_PROPERTIES_TOO_LARGE, `properties exceed ${MAX_PROPERTIES_SIZE} bytes`);
  }
  const born = millisOf(sp.bornTimestamp);
  return {
    topic,
    messageId,
    body,
    sysFlag,
    properties: props,
    bornTimestamp: born > 0 ? born : now,
    messageType,
    messageGroup: group,
  };
}

/** Properties that become SystemProperties fields and are not repeated as user properties. */
const NOT_USER: ReadonlySet<string> = SYSTEM_PROPERTIES;

const timestamp = (ms: number): Timestamp => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

/** What a delivered message is built from: a popped message, or a record from a transaction check. */
export type DeliverView = Pick<
  PopMessage,
  | 'topic'
  | 'body'
  | 'msgId'
  | 'bornTimestamp'
  | 'bornHost'
  | 'storeTimestamp'
  | 'storeHost'
  | 'queueId'
  | 'queueOffset'
  | 'reconsumeTimes'
> & { properties: ReadonlyMap<string, string> };

/** A message as the client receives it; `receiptHandle` is the proxy's 9-field handle (none for checks). */
export function toGrpcMessage(m: DeliverView, receiptHandle: string | undefined, now: number): Message {
  const props = m.properties;
  const user: Record<string, string> = {};
  for (const [k, v] of props) if (!NOT_USER.has(k)) user[k] = v;
  const sp: SystemProperties = {
    keys: (props.get(MessageConst.PROPERTY_KEYS) ?? '').split(MessageConst.KEY_SEPARATOR).filter((k) => k !== ''),
    messageId: props.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? m.msgId,
    bodyDigest: { type: DigestType.MD5, checksum: createHash('md5').update(m.body).digest('hex').toUpperCase() },
    bodyEncoding: Encoding.IDENTITY,
    messageType: messageTypeOfProps(props),
    bornTimestamp: timestamp(m.bornTimestamp),
    bornHost: props.get(MessageConst.PROPERTY_BORN_HOST) ?? m.bornHost,
    storeTimestamp: timestamp(m.storeTimestamp),
    storeHost: m.storeHost,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    deliveryAttempt: m.reconsumeTimes + 1,
  };
  if (receiptHandle !== undefined) sp.receiptHandle = receiptHandle;
  const tag = props.get(MessageConst.PROPERTY_TAGS);
  if (tag !== undefined) sp.tag = tag;
  const deliverAt = props.get(MessageConst.PROPERTY_TIMER_DELIVER_MS);
  const delaySec = props.get(MessageConst.PROPERTY_TIMER_DELAY_SEC);
  if (deliverAt !== undefined) sp.deliveryTimestamp = timestamp(Number(deliverAt));
  else if (delaySec !== undefined) sp.deliveryTimestamp = timestamp(now + Number(delaySec) * 1000);
  const group = props.get(MessageConst.PROPERTY_SHARDING_KEY);
  if (group !== undefined) sp.messageGroup = group;
  const trace = props.get('TRACE_CONTEXT');
  if (trace !== undefined) sp.traceContext = trace;
  const dlqTopic = props.get(MessageConst.PROPERTY_DLQ_ORIGIN_TOPIC);
  if (dlqTopic !== undefined) {
    sp.deadLetterQueue = { topic: dlqTopic, messageId: props.get(MessageConst.PROPERTY_DLQ_ORIGIN_MESSAGE_ID) ?? '' };
  }
  return { topic: { name: m.topic }, userProperties: user, systemProperties: sp, body: m.body };
}
