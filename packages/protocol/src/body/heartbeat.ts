import { err, ok, type Result } from '@rocketmq-ts/common';
import { MAX_ENTRIES, occursMoreThan } from '../decode-limits.js';
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
function each<T>(
  v: unknown,
  what: string,
  read: (e: unknown) => Result<T, string>,
  max = MAX_ENTRIES,
): Result<T[], string> {
  const a = boundedArray(v, what);
  if (!a.ok) return a;
  if (a.value.length > max) return err(`${what} has ${a.value.length} entries, more than ${max}`);
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

function readConsumerData(v: unknown, maxSubscriptions = MAX_ENTRIES): Result<ConsumerData, string> {
  const d = asObject(v) ?? {};
  const subscriptionDataSet = each(
    d.subscriptionDataSet,
    'subscriptionDataSet',
    readSubscriptionData,
    maxSubscriptions,
  );
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

/** Bounds a server applies to one heartbeat (each at most MAX_ENTRIES). */
export interface HeartbeatLimits {
  /** Most entries in consumerDataSet (and in producerDataSet). */
  maxGroups: number;
  /** Most subscriptions over all consumer groups of the heartbeat. */
  maxSubscriptions: number;
}

/**
 * Parses a heartbeat body. Tolerant the way fastjson is: missing sets become empty, numbers
 * sent as strings are read, unknown enum names take their defaults. An error value when the
 * body is not a JSON object, has no client id, or a set is not an array or holds more entries
 * than `limits` allow (checked before the entries are read).
 */
export function decodeHeartbeat(
  body: Buffer | undefined,
  limits: HeartbeatLimits = { maxGroups: MAX_ENTRIES, maxSubscriptions: MAX_ENTRIES },
): Result<HeartbeatData, string> {
  // Counts past the limits are refused before the parse, which is what costs: each group and
  // each subscription names its key once (an upper bound: a value may also spell the key).
  if (body !== undefined && occursMoreThan(body, '"groupName"', 2 * limits.maxGroups)) {
    return err(`heartbeat names more than ${2 * limits.maxGroups} groups`);
  }
  if (body !== undefined && occursMoreThan(body, '"topic"', limits.maxSubscriptions)) {
    return err(`heartbeat has more than ${limits.maxSubscriptions} subscriptions`);
  }
  const raw = parseJsonBody(body, 'heartbeat');
  if (!raw.ok) return raw;
  const o = asObject(raw.value) ?? {};
  const clientID = textOf(o.clientID);
  if (clientID === '') return err('heartbeat has no clientID');
  const producerDataSet = each(
    o.producerDataSet,
    'producerDataSet',
    (p) => ok({ groupName: textOf(asObject(p)?.groupName) }),
    limits.maxGroups,
  );
  if (!producerDataSet.ok) return producerDataSet;
  let subscriptions = 0;
  const consumerDataSet = each(
    o.consumerDataSet,
    'consumerDataSet',
    (c) => {
      // The budget left bounds each group's set before its entries are read.
      const r = readConsumerData(c, limits.maxSubscriptions - subscriptions);
      if (r.ok) subscriptions += r.value.subscriptionDataSet.length;
      return r;
    },
    limits.maxGroups,
  );
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
