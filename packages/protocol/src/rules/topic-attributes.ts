import { err, ok, type Result } from '@rocketmq-ts/common';
import { MessageConst } from '../message/message-const.js';

// RocketMQ 5.x topic attributes (Java's TopicAttributes, AttributeParser, AttributeUtil and
// TopicMessageType): which keys exist, their values and defaults, the `+key=value,-key`
// modification syntax of UPDATE_AND_CREATE_TOPIC's `attributes` header field, and how a
// modification is applied to a topic's current attributes. Errors carry Java's wording; the
// broker answers them with SYSTEM_ERROR as Java's admin processor does. Pure: no I/O.

/** A topic's message type (`message.type`). UNSPECIFIED is accepted as a value, as in Java. */
export type TopicMessageType = 'UNSPECIFIED' | 'NORMAL' | 'FIFO' | 'DELAY' | 'TRANSACTION' | 'MIXED';

export const TOPIC_MESSAGE_TYPES: readonly TopicMessageType[] = [
  'UNSPECIFIED',
  'NORMAL',
  'FIFO',
  'DELAY',
  'TRANSACTION',
  'MIXED',
];

interface EnumAttribute {
  kind: 'enum';
  name: string;
  /** false: settable only when the topic is created. */
  changeable: boolean;
  values: readonly string[];
  defaultValue: string;
}

interface LongRangeAttribute {
  kind: 'long';
  name: string;
  changeable: boolean;
  min: bigint;
  max: bigint;
  defaultValue: bigint;
}

export type TopicAttribute = EnumAttribute | LongRangeAttribute;

const LONG_MAX = 9223372036854775807n;

export const QUEUE_TYPE_ATTRIBUTE: EnumAttribute = {
  kind: 'enum',
  name: 'queue.type',
  changeable: false,
  values: ['BatchCQ', 'SimpleCQ'],
  defaultValue: 'SimpleCQ',
};

export const CLEANUP_POLICY_ATTRIBUTE: EnumAttribute = {
  kind: 'enum',
  name: 'cleanup.policy',
  changeable: false,
  values: ['DELETE', 'COMPACTION'],
  defaultValue: 'DELETE',
};

export const TOPIC_MESSAGE_TYPE_ATTRIBUTE: EnumAttribute = {
  kind: 'enum',
  name: 'message.type',
  changeable: true,
  values: TOPIC_MESSAGE_TYPES,
  defaultValue: 'NORMAL',
};

/** Retention of a topic in tiered storage (hours, -1 = the store's default). */
export const TOPIC_RESERVE_TIME_ATTRIBUTE: LongRangeAttribute = {
  kind: 'long',
  name: 'reserve.time',
  changeable: true,
  min: -1n,
  max: LONG_MAX,
  defaultValue: -1n,
};

/** Every topic attribute a broker accepts (Java's TopicAttributes.ALL). */
export const TOPIC_ATTRIBUTES: ReadonlyMap<string, TopicAttribute> = new Map(
  [QUEUE_TYPE_ATTRIBUTE, CLEANUP_POLICY_ATTRIBUTE, TOPIC_MESSAGE_TYPE_ATTRIBUTE, TOPIC_RESERVE_TIME_ATTRIBUTE].map(
    (a) => [a.name, a],
  ),
);

/** Subscription groups have no attributes in RocketMQ 5.x (SubscriptionGroupAttributes.ALL is empty). */
export const SUBSCRIPTION_GROUP_ATTRIBUTES: ReadonlyMap<string, TopicAttribute> = new Map();

/** One entry of a modification: `+key` → value, or `-key` → ''. Input order is kept. */
export type AttributeModification = ReadonlyMap<string, string>;

/**
 * Java's AttributeParser.parseToMap: `+k1=v1,+k2=v2,-k3`. Keys keep their sign. An entry
 * with `=` needs a `+` in its key; one without needs a `-`; a key given twice is refused.
 */
export function parseAttributeModification(text: string | undefined): Result<AttributeModification, string> {
  const out = new Map<string, string>();
  if (text === undefined || text === '') return ok(out);
  // Java's String.split drops trailing empty strings.
  const parts = text.split(',');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  for (const kv of parts) {
    let key: string;
    let value: string;
    if (kv.includes('=')) {
      const splits = kv.split('=');
      key = splits[0] ?? '';
      value = splits[1] ?? '';
      if (!key.includes('+')) return err(`add/alter attribute format is wrong: ${key}`);
      if (value === '') return err(`add/alter attribute value is empty: ${key}`);
    } else {
      key = kv;
      value = '';
      if (!key.includes('-')) return err(`delete attribute format is wrong: ${key}`);
    }
    if (out.has(key)) return err(`key duplication: ${key}`);
    out.set(key, value);
  }
  return ok(out);
}

/** Java's AttributeParser.parseToString: the header form of a parsed modification. */
export function formatAttributeModification(mod: AttributeModification): string {
  return [...mod].map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(',');
}

/** Whether `value` is allowed for `attr`; the Java message when not. */
export function attributeValueProblem(attr: TopicAttribute, value: string): string | undefined {
  if (attr.kind === 'enum') {
    return attr.values.includes(value) ? undefined : `value is not in set: [${attr.values.join(', ')}]`;
  }
  if (!/^[+-]?\d+$/.test(value)) return `For input string: "${value}"`;
  const n = BigInt(value);
  if (n < -(LONG_MAX + 1n) || n > LONG_MAX) return `For input string: "${value}"`;
  if (n < attr.min || n > attr.max) return `value is not in range(${attr.min}, ${attr.max})`;
  return undefined;
}

/**
 * Java's AttributeUtil.alterCurrentAttributes. `create`: the topic does not exist yet, and
 * only `+key=value` entries are allowed (unchangeable attributes may be set then, and only
 * then). Otherwise `+` adds or updates, `-` deletes an existing key. Every key must be one of
 * `all` and every value valid; nothing is applied unless all entries are.
 */
export function alterAttributes(
  create: boolean,
  all: ReadonlyMap<string, TopicAttribute>,
  current: Readonly<Record<string, string>>,
  mod: AttributeModification,
): Result<Record<string, string>, string> {
  const seen = new Set<string>();
  const set = new Map<string, string>();
  const init = new Set<string>();
  const remove = new Set<string>();
  for (const [key, value] of mod) {
    const realKey = key.slice(1);
    if (realKey === '' || realKey.includes('+') || realKey.includes('-')) return err('kv string format wrong.');
    if (seen.has(realKey)) return err(`alter duplication key. key: ${realKey}`);
    seen.add(realKey);
    if (create) {
      if (!key.startsWith('+')) {
        return err(`only add attribute is supported while creating topic. key: ${realKey}`);
      }
      init.add(realKey);
      set.set(realKey, value);
    } else if (key.startsWith('+')) {
      set.set(realKey, value);
    } else if (key.startsWith('-')) {
      if (!Object.hasOwn(current, realKey)) return err(`attempt to delete a nonexistent key: ${realKey}`);
      remove.add(realKey);
    } else {
      return err(`wrong format key: ${realKey}`);
    }
  }
  for (const key of [...set.keys(), ...remove]) {
    const attr = all.get(key);
    if (attr === undefined) return err(`unsupported key: ${key}`);
    if (!init.has(key) && !attr.changeable) return err(`attempt to update an unchangeable attribute. key: ${key}`);
    const value = set.get(key);
    if (value !== undefined) {
      const bad = attributeValueProblem(attr, value);
      if (bad !== undefined) return err(bad);
    }
  }
  const out: Record<string, string> = { ...current };
  for (const [k, v] of set) out[k] = v;
  for (const k of remove) delete out[k];
  return ok(out);
}

/** Java's TopicConfig.getTopicMessageType: NORMAL when unset; UNSPECIFIED for a value it cannot read. */
export function topicMessageTypeOf(attributes: Readonly<Record<string, string>> | undefined): TopicMessageType {
  const v = attributes?.[TOPIC_MESSAGE_TYPE_ATTRIBUTE.name];
  if (v === undefined) return 'NORMAL';
  return (TOPIC_MESSAGE_TYPES as readonly string[]).includes(v) ? (v as TopicMessageType) : 'UNSPECIFIED';
}

/**
 * Java's TopicMessageType.parseFromMessageProperty: the type a message asks for, from its
 * properties. TRANSACTION (TRAN_MSG=true) before DELAY (a delay level or a timer property)
 * before FIFO (SHARDING_KEY, the message group).
 */
export function messageTypeOfProperties(get: (name: string) => string | undefined): TopicMessageType {
  if (get(MessageConst.PROPERTY_TRANSACTION_PREPARED) === 'true') return 'TRANSACTION';
  if (
    get(MessageConst.PROPERTY_DELAY_TIME_LEVEL) !== undefined ||
    get(MessageConst.PROPERTY_TIMER_DELIVER_MS) !== undefined ||
    get(MessageConst.PROPERTY_TIMER_DELAY_SEC) !== undefined ||
    get(MessageConst.PROPERTY_TIMER_DELAY_MS) !== undefined
  ) {
    return 'DELAY';
  }
  if (get(MessageConst.PROPERTY_SHARDING_KEY) !== undefined) return 'FIFO';
  return 'NORMAL';
}

/**
 * Java's DefaultTopicMessageTypeValidator: a message of type `actual` may go to a topic of
 * type `expected` when they are equal or the topic is MIXED. The message when it may not
 * (the proxy answers it with MESSAGE_PROPERTY_CONFLICT_WITH_TYPE / gRPC
 * MESSAGE_PROPERTY_CONFLICT_WITH_TYPE).
 */
export function messageTypeProblem(expected: TopicMessageType, actual: TopicMessageType): string | undefined {
  if (actual === 'UNSPECIFIED' || (actual !== expected && expected !== 'MIXED')) {
    return `TopicMessageType validate failed, the expected type is ${expected}, but actual type is ${actual}`;
  }
  return undefined;
}
