import { deflateSync } from 'node:zlib';
import {
  encodeBatchBody,
  MAX_PROPERTIES_SIZE,
  MessageConst,
  MessageSysFlag,
  NAME_VALUE_SEPARATOR as NV,
  PROPERTY_SEPARATOR as PS,
  TOPIC_MAX_LENGTH,
  topicNameProblem,
} from '@rocketmq-ts/protocol';
import { illegalArgument } from '../errors.js';
import type { Message } from '../message.js';

export const MAX_MESSAGE_SIZE = 4 * 1024 * 1024;

/** Properties a user may not set through `properties` because fields of Message own them. */
const RESERVED = new Set<string>([
  MessageConst.PROPERTY_TAGS,
  MessageConst.PROPERTY_KEYS,
  MessageConst.PROPERTY_DELAY_TIME_LEVEL,
  MessageConst.PROPERTY_WAIT_STORE_MSG_OK,
  MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
]);

/** A client checks every topic against 127 characters, retry topics included (Java's Validators). */
export function validateTopic(topic: string): void {
  const problem = topicNameProblem(topic, TOPIC_MAX_LENGTH);
  if (problem !== undefined) throw illegalArgument(problem);
}

export const bodyBytes = (body: Buffer | string): Buffer =>
  typeof body === 'string' ? Buffer.from(body, 'utf8') : body;

export function validateMessage(msg: Message, body: Buffer): void {
  validateTopic(msg.topic);
  if (body.length === 0) throw illegalArgument('message body is empty');
  if (body.length > MAX_MESSAGE_SIZE)
    throw illegalArgument(`message body is ${body.length} bytes, over ${MAX_MESSAGE_SIZE}`);
  if (msg.delayTimeLevel !== undefined && (!Number.isInteger(msg.delayTimeLevel) || msg.delayTimeLevel < 0)) {
    throw illegalArgument(`bad delayTimeLevel ${msg.delayTimeLevel}`);
  }
  if (isTimerMessage(msg)) validateTimer(msg);
}

/** Whether the message asks for the broker's timer (deliveryTimestamp, delayTimeMs or delayTimeSec). */
export const isTimerMessage = (msg: Message): boolean =>
  msg.deliveryTimestamp !== undefined || msg.delayTimeMs !== undefined || msg.delayTimeSec !== undefined;

function validateTimer(msg: Message): void {
  const set = (['deliveryTimestamp', 'delayTimeMs', 'delayTimeSec'] as const).filter((k) => msg[k] !== undefined);
  if (set.length > 1) throw illegalArgument(`set one of ${set.join(', ')}, not several`);
  const k = set[0]!;
  const v = msg[k]!;
  if (!Number.isSafeInteger(v) || v < 0) throw illegalArgument(`bad ${k} ${v}: a non-negative integer`);
  if (msg.delayTimeLevel !== undefined && msg.delayTimeLevel > 0)
    throw illegalArgument(`${k} and delayTimeLevel are exclusive`);
}

/**
 * The properties string of a message, built by concatenation (no Map per message on the
 * send path). `extra` carries internal properties such as RETRY_TOPIC.
 */
export function buildProperties(msg: Message, uniqKey: string, extra?: Readonly<Record<string, string>>): string {
  let s = '';
  const add = (k: string, v: string | undefined) => {
    if (v !== undefined && v !== '' && k !== '') s += k + NV + v + PS;
  };
  if (msg.properties) {
    for (const k in msg.properties) {
      if (RESERVED.has(k)) throw illegalArgument(`property ${k} is reserved; use the Message field`);
      add(k, msg.properties[k]);
    }
  }
  if (extra) for (const k in extra) add(k, extra[k]);
  add(MessageConst.PROPERTY_TAGS, msg.tags);
  const keys = typeof msg.keys === 'string' ? msg.keys : msg.keys?.join(MessageConst.KEY_SEPARATOR);
  add(MessageConst.PROPERTY_KEYS, keys);
  if (msg.delayTimeLevel && msg.delayTimeLevel > 0)
    add(MessageConst.PROPERTY_DELAY_TIME_LEVEL, String(msg.delayTimeLevel));
  if (msg.deliveryTimestamp !== undefined) add(MessageConst.PROPERTY_TIMER_DELIVER_MS, String(msg.deliveryTimestamp));
  if (msg.delayTimeMs !== undefined) add(MessageConst.PROPERTY_TIMER_DELAY_MS, String(msg.delayTimeMs));
  if (msg.delayTimeSec !== undefined) add(MessageConst.PROPERTY_TIMER_DELAY_SEC, String(msg.delayTimeSec));
  add(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, msg.waitStoreMsgOK === false ? 'false' : 'true');
  add(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, uniqKey);
  if (Buffer.byteLength(s, 'utf8') > MAX_PROPERTIES_SIZE)
    throw illegalArgument('message properties exceed 32767 bytes');
  return s;
}

export interface EncodedBody {
  body: Buffer;
  sysFlag: number;
}

/**
 * Compresses bodies above `over` bytes with zlib (level 5, as Java) and marks the sysFlag:
 * bit 0 plus the ZLIB compression type, which readers that ignore the type bits treat as zlib too.
 */
export function maybeCompress(body: Buffer, over: number): EncodedBody {
  if (over >= 0 && body.length > over) {
    const z = deflateSync(body, { level: 5 });
    if (z.length < body.length) {
      return { body: z, sysFlag: MessageSysFlag.COMPRESSED_FLAG | MessageSysFlag.COMPRESSION_ZLIB_TYPE };
    }
  }
  return { body, sysFlag: 0 };
}

/** SEND_BATCH_MESSAGE body: one inner record per message, each with its own UNIQ_KEY. */
export function encodeBatch(msgs: readonly Message[], nextUniqKey: () => string): { body: Buffer; msgIds: string[] } {
  if (msgs.length === 0) throw illegalArgument('batch is empty');
  const topic = msgs[0]!.topic;
  const msgIds: string[] = [];
  const items = msgs.map((m) => {
    if (m.topic !== topic) throw illegalArgument('all messages of a batch must have the same topic');
    if (m.delayTimeLevel && m.delayTimeLevel > 0) throw illegalArgument('delayed messages cannot be sent in a batch');
    const body = bodyBytes(m.body);
    validateMessage(m, body);
    const id = nextUniqKey();
    msgIds.push(id);
    return { flag: m.flag ?? 0, body, properties: buildProperties(m, id) };
  });
  const body = encodeBatchBody(items);
  if (body.length > MAX_MESSAGE_SIZE) throw illegalArgument(`batch is ${body.length} bytes, over ${MAX_MESSAGE_SIZE}`);
  return { body, msgIds };
}
