import { err, ok, type Result } from '@rocketmq-ts/common';
import { asObject, boundedArray, integerOf, parseJsonBody, textOf } from './json-fields.js';

// HEART_BEAT (34) body and its parts, as the Java client serialises them (fastjson field
// names). Consumers and producers both send it; the broker keeps the latest per client.

export type ConsumeType = 'CONSUME_ACTIVELY' | 'CONSUME_PASSIVELY' | 'CONSUME_POP';
export type MessageModel = 'CLUSTERING' | 'BROADCASTING';
export type ConsumeFromWhere =
  | 'CONSUME_FROM_LAST_OFFSET'
  | 'CONSUME_FROM_FIRST_OFFSET'
  | 'CONSUME_FROM_TIMESTAMP'
  | 'CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST'
  | 'CONSUME_FROM_MIN_OFFSET'
  | 'CONSUME_FROM_MAX_OFFSET';

export interface SubscriptionData {
  topic: string;
  subString: string;
  tagsSet: string[];
  codeSet: number[];
  subVersion: number;
  expressionType: string;
  classFilterMode?: boolean;
}

export interface ConsumerData {
  groupName: string;
  consumeType: ConsumeType;
  messageModel: MessageModel;
  consumeFromWhere: ConsumeFromWhere;
  subscriptionDataSet: SubscriptionData[];
  unitMode: boolean;
}

export interface ProducerData {
  groupName: string;
}

export interface HeartbeatData {
  clientID: string;
  producerDataSet: ProducerData[];
  consumerDataSet: ConsumerData[];
  heartbeatFingerprint?: number;
  withoutSub?: boolean;
}

const CONSUME_TYPES: readonly ConsumeType[] = ['CONSUME_ACTIVELY', 'CONSUME_PASSIVELY', 'CONSUME_POP'];
const MESSAGE_MODELS: readonly MessageModel[] = ['CLUSTERING', 'BROADCASTING'];
const CONSUME_FROM: readonly ConsumeFromWhere[] = [
  'CONSUME_FROM_LAST_OFFSET',
  'CONSUME_FROM_FIRST_OFFSET',
  'CONSUME_FROM_TIMESTAMP',
  'CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST',
  'CONSUME_FROM_MIN_OFFSET',
  'CONSUME_FROM_MAX_OFFSET',
];

/** One of `allowed`, or `dflt` when absent or unknown (fastjson reads an unknown enum name as null). */
function oneOf<T extends string>(v: unknown, allowed: readonly T[], dflt: T): T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : dflt;
}

/** Every entry of a bounded array through `read`; the first error wins. */
function each<T>(v: unknown, what: string, read: (e: unknown) => Result<T, string>): Result<T[], string> {
  const a = boundedArray(v, what);
  if (!a.ok) return a;
  const out: T[] = [];
  for (const e of a.value) {
    const r = read(e);
    if (!r.ok) return r;
    out.push(r.value);
  }
  return ok(out);
}

export function readSubscriptionData(v: unknown): Result<SubscriptionData, string> {
  const o = asObject(v) ?? {};
  const tagsSet = each(o.tagsSet, 'tagsSet', (t) => ok(textOf(t)));
  if (!tagsSet.ok) return tagsSet;
  const codeSet = each(o.codeSet, 'codeSet', (c) => ok(integerOf(c) ?? 0));
  if (!codeSet.ok) return codeSet;
  return ok({
    topic: textOf(o.topic),
    subString: textOf(o.subString, '*'),
    tagsSet: tagsSet.value,
    codeSet: codeSet.value,
    subVersion: integerOf(o.subVersion) ?? 0,
    expressionType: textOf(o.expressionType, 'TAG'),
    classFilterMode: o.classFilterMode === true,
  });
}

function readConsumerData(v: unknown): Result<ConsumerData, string> {
  const d = asObject(v) ?? {};
  const subscriptionDataSet = each(d.subscriptionDataSet, 'subscriptionDataSet', readSubscriptionData);
  if (!subscriptionDataSet.ok) return subscriptionDataSet;
  return ok({
    groupName: textOf(d.groupName),
    consumeType: oneOf(d.consumeType, CONSUME_TYPES, 'CONSUME_PASSIVELY'),
    messageModel: oneOf(d.messageModel, MESSAGE_MODELS, 'CLUSTERING'),
    consumeFromWhere: oneOf(d.consumeFromWhere, CONSUME_FROM, 'CONSUME_FROM_LAST_OFFSET'),
    subscriptionDataSet: subscriptionDataSet.value,
    unitMode: d.unitMode === true,
  });
}

/**
 * Parses a heartbeat body. Tolerant the way fastjson is: missing sets become empty, numbers
 * sent as strings are read, unknown enum names take their defaults. An error value when the
 * body is not a JSON object, has no client id, or a set is not an array or holds more than
 * MAX_ENTRIES entries.
 */
export function decodeHeartbeat(body: Buffer | undefined): Result<HeartbeatData, string> {
  const raw = parseJsonBody(body, 'heartbeat');
  if (!raw.ok) return raw;
  const o = asObject(raw.value) ?? {};
  const clientID = textOf(o.clientID);
  if (clientID === '') return err('heartbeat has no clientID');
  const producerDataSet = each(o.producerDataSet, 'producerDataSet', (p) =>
    ok({ groupName: textOf(asObject(p)?.groupName) }),
  );
  if (!producerDataSet.ok) return producerDataSet;
  const consumerDataSet = each(o.consumerDataSet, 'consumerDataSet', readConsumerData);
  if (!consumerDataSet.ok) return consumerDataSet;
  return ok({
    clientID,
    producerDataSet: producerDataSet.value,
    consumerDataSet: consumerDataSet.value,
    heartbeatFingerprint: integerOf(o.heartbeatFingerprint) ?? 0,
    withoutSub: o.withoutSub === true,
  });
}

export function encodeHeartbeat(h: HeartbeatData): Buffer {
  return Buffer.from(JSON.stringify(h), 'utf8');
}
