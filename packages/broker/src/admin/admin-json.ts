import { err, ok, type Result } from '@rocketmq-ts/common';
import {
  alterAttributes,
  encodeFastjson,
  type MessageQueue,
  parseFastjson,
  SUBSCRIPTION_GROUP_ATTRIBUTES,
} from '@rocketmq-ts/protocol';
import type { SubscriptionGroupView, TopicView } from '../runtime/ports.js';

// JSON bodies of the admin requests in the shapes Java's admin tools (mqadmin, the dashboard)
// read: fastjson field order, MessageQueue-keyed maps with the key object in place.

export interface DataVersionView {
  stateVersion: number;
  timestamp: number;
  counter: number;
}

export const ZERO_VERSION: DataVersionView = { stateVersion: 0, timestamp: 0, counter: 0 };

/** MessageQueue as fastjson writes it (fields alphabetical). */
export const mqJson = (topic: string, brokerName: string, queueId: number): MessageQueue => ({
  brokerName,
  queueId,
  topic,
});

/** TopicConfig bean: the fields Java serialises. */
export function topicConfigJson(t: TopicView): Record<string, unknown> {
  return {
    attributes: t.attributes,
    order: t.order,
    perm: t.perm,
    readQueueNums: t.readQueueNums,
    topicFilterType: t.topicFilterType,
    topicName: t.topicName,
    topicSysFlag: t.topicSysFlag,
    writeQueueNums: t.writeQueueNums,
  };
}

/** SubscriptionGroupConfig bean, with the Java-only fields at their defaults. */
export function groupConfigJson(g: SubscriptionGroupView): Record<string, unknown> {
  return {
    attributes: {},
    brokerId: g.brokerId,
    consumeBroadcastEnable: g.consumeBroadcastEnable,
    consumeEnable: g.consumeEnable,
    consumeFromMinEnable: g.consumeFromMinEnable,
    consumeMessageOrderly: g.consumeMessageOrderly,
    consumeTimeoutMinute: 15,
    groupName: g.groupName,
    groupRetryPolicy: { type: 'CUSTOMIZED' },
    groupSysFlag: 0,
    notifyConsumerIdsChangedEnable: g.notifyConsumerIdsChangedEnable,
    retryMaxTimes: g.retryMaxTimes,
    retryQueueNums: g.retryQueueNums,
    subscriptionDataSet: [],
    whichBrokerWhenConsumeSlowly: g.whichBrokerWhenConsumeSlowly,
  };
}

const bool = (v: unknown, d: boolean): boolean =>
  typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : d;
const int = (v: unknown, d: number): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : Number.NaN;
  return Number.isInteger(n) ? n : d;
};

/**
 * UPDATE_AND_CREATE_SUBSCRIPTIONGROUP body → view, missing fields at RocketMQ's defaults.
 * An error when the body is not a JSON object with a groupName.
 */
export function parseGroupConfig(body: Buffer | undefined): Result<SubscriptionGroupView, string> {
  if (!body || body.length === 0) return err('subscription group config body is empty');
  const raw = parseFastjson(body.toString('utf8'));
  if (!raw.ok) return err(`subscription group config is not JSON: ${raw.error}`);
  const v = raw.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Map) {
    return err('subscription group config is not an object');
  }
  const o = v as Record<string, unknown>;
  if (typeof o.groupName !== 'string' || o.groupName === '') return err('subscription group config has no groupName');
  return ok({
    groupName: o.groupName,
    consumeEnable: bool(o.consumeEnable, true),
    consumeFromMinEnable: bool(o.consumeFromMinEnable, true),
    consumeBroadcastEnable: bool(o.consumeBroadcastEnable, true),
    consumeMessageOrderly: bool(o.consumeMessageOrderly, false),
    retryQueueNums: int(o.retryQueueNums, 1),
    retryMaxTimes: int(o.retryMaxTimes, 16),
    brokerId: int(o.brokerId, 0),
    whichBrokerWhenConsumeSlowly: int(o.whichBrokerWhenConsumeSlowly, 1),
    notifyConsumerIdsChangedEnable: bool(o.notifyConsumerIdsChangedEnable, true),
  });
}

/**
 * The `attributes` of an UPDATE_AND_CREATE_SUBSCRIPTIONGROUP body (`{"+key": "value"}`)
 * checked as Java's SubscriptionGroupManager does (AttributeUtil over
 * SubscriptionGroupAttributes.ALL, which is empty in 5.x): the message when refused.
 */
export function groupAttributesProblem(body: Buffer | undefined, create: boolean): string | undefined {
  if (!body || body.length === 0) return undefined;
  const raw = parseFastjson(body.toString('utf8'));
  if (!raw.ok || typeof raw.value !== 'object' || raw.value === null) return undefined;
  const a = (raw.value as Record<string, unknown>).attributes;
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return undefined;
  const entries = a instanceof Map ? [...a] : Object.entries(a);
  const mod = new Map<string, string>();
  for (const [k, v] of entries) mod.set(String(k), typeof v === 'string' ? v : String(v));
  const altered = alterAttributes(create, SUBSCRIPTION_GROUP_ATTRIBUTES, {}, mod);
  return altered.ok ? undefined : altered.error;
}

export const fastjsonBody = (value: unknown): Buffer => Buffer.from(encodeFastjson(value), 'utf8');
