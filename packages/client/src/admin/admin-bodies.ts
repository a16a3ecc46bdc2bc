import { type MessageQueue, mqKey, parseFastjson } from '@rocketmq-ts/protocol';
import { ClientErrorCode, MQClientError } from '../errors.js';

// Decoders for admin response bodies. Java writes them with fastjson, whose maps keyed by
// MessageQueue have object keys; parseFastjson returns those as Maps.

const bad = (what: string, cause?: unknown) =>
  new MQClientError(`bad ${what} body`, { code: ClientErrorCode.BAD_RESPONSE, cause });

export function parseBody(body: Buffer | undefined, what: string): Record<string, unknown> {
  if (!body || body.length === 0) return {};
  const v = parseFastjson(body.toString('utf8'));
  if (!v.ok) throw bad(what, new Error(v.error));
  if (typeof v.value !== 'object' || v.value === null || Array.isArray(v.value) || v.value instanceof Map) {
    throw bad(what);
  }
  return v.value as Record<string, unknown>;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

function toQueue(k: unknown): MessageQueue | undefined {
  if (typeof k === 'string') {
    // Standard-JSON writers may stringify the key object.
    try {
      return toQueue(JSON.parse(k));
    } catch {
      return undefined;
    }
  }
  if (typeof k !== 'object' || k === null) return undefined;
  const o = k as Record<string, unknown>;
  return { topic: str(o.topic), brokerName: str(o.brokerName), queueId: num(o.queueId) };
}

/** Entries of a `{mq: value}` table, whichever JSON dialect carried it. */
export function mqTableEntries(table: unknown): { mq: MessageQueue; value: unknown }[] {
  const out: { mq: MessageQueue; value: unknown }[] = [];
  const entries: [unknown, unknown][] =
    table instanceof Map
      ? [...table.entries()]
      : typeof table === 'object' && table !== null
        ? Object.entries(table)
        : [];
  for (const [k, value] of entries) {
    const mq = toQueue(k);
    if (mq) out.push({ mq, value });
  }
  return out;
}

/** ResetOffsetBody `{"offsetTable":{mq:offset}}` → mqKey → offset. */
export function parseOffsetTable(body: Buffer, value: (v: unknown) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of mqTableEntries(parseBody(body, 'offset table').offsetTable)) out.set(mqKey(e.mq), value(e.value));
  return out;
}

export interface QueueConsumeStats {
  mq: MessageQueue;
  brokerOffset: number;
  consumerOffset: number;
  lastTimestamp: number;
  /** Pop groups: messages handed out and not acked yet (0 otherwise). */
  inflight: number;
}

export function parseConsumeStats(body: Buffer | undefined): { consumeTps: number; queues: QueueConsumeStats[] } {
  const o = parseBody(body, 'ConsumeStats');
  const queues = mqTableEntries(o.offsetTable).map(({ mq, value }) => {
    const w = (value ?? {}) as Record<string, unknown>;
    return {
      mq,
      brokerOffset: num(w.brokerOffset),
      consumerOffset: num(w.consumerOffset),
      lastTimestamp: num(w.lastTimestamp),
      inflight: num(w.inflight),
    };
  });
  return { consumeTps: num(o.consumeTps), queues };
}

export interface QueueStats {
  mq: MessageQueue;
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}

export function parseTopicStats(body: Buffer | undefined): QueueStats[] {
  return mqTableEntries(parseBody(body, 'TopicStatsTable').offsetTable).map(({ mq, value }) => {
    const w = (value ?? {}) as Record<string, unknown>;
    return {
      mq,
      minOffset: num(w.minOffset),
      maxOffset: num(w.maxOffset),
      lastUpdateTimestamp: num(w.lastUpdateTimestamp),
    };
  });
}

export interface ConsumerConnection {
  connections: { clientId: string; clientAddr: string; language: string; version: number }[];
  subscriptions: { topic: string; subString: string }[];
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
}

export function parseConsumerConnection(body: Buffer | undefined): ConsumerConnection {
  const o = parseBody(body, 'ConsumerConnection');
  const set = Array.isArray(o.connectionSet) ? o.connectionSet : [];
  const subs = o.subscriptionTable;
  const subEntries: [string, unknown][] =
    subs instanceof Map ? [...subs.entries()].map(([k, v]) => [str(k), v]) : Object.entries((subs ?? {}) as object);
  return {
    connections: set.map((c: unknown) => {
      const w = (c ?? {}) as Record<string, unknown>;
      return {
        clientId: str(w.clientId),
        clientAddr: str(w.clientAddr),
        language: str(w.language),
        version: num(w.version),
      };
    }),
    subscriptions: subEntries.map(([topic, v]) => ({
      topic,
      subString: str((v as Record<string, unknown>)?.subString ?? '*'),
    })),
    consumeType: str(o.consumeType),
    messageModel: str(o.messageModel),
    consumeFromWhere: str(o.consumeFromWhere),
  };
}

/** KVTable `{"table":{k:v}}` → plain record. */
export function parseKVTable(body: Buffer | undefined): Record<string, string> {
  const t = parseBody(body, 'KVTable').table;
  const out: Record<string, string> = {};
  const entries: [unknown, unknown][] = t instanceof Map ? [...t.entries()] : Object.entries((t ?? {}) as object);
  for (const [k, v] of entries) out[str(k)] = str(v);
  return out;
}

export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable?: boolean;
  consumeFromMinEnable?: boolean;
  consumeBroadcastEnable?: boolean;
  consumeMessageOrderly?: boolean;
  retryQueueNums?: number;
  retryMaxTimes?: number;
  brokerId?: number;
  whichBrokerWhenConsumeSlowly?: number;
  notifyConsumerIdsChangedEnable?: boolean;
  /** RocketMQ 5.x group attributes; sent with their `+`/`-` signs (none are defined in 5.x). */
  attributes?: Record<string, string>;
}

const optBool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const optInt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

/** One SubscriptionGroupConfig bean, read field by field (absent or mistyped fields are left out). */
export function readSubscriptionGroupConfig(v: unknown, what = 'SubscriptionGroupConfig'): SubscriptionGroupConfig {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Map) throw bad(what);
  const o = v as Record<string, unknown>;
  if (typeof o.groupName !== 'string') throw bad(what);
  const out: SubscriptionGroupConfig = { groupName: o.groupName };
  for (const k of [
    'consumeEnable',
    'consumeFromMinEnable',
    'consumeBroadcastEnable',
    'consumeMessageOrderly',
    'notifyConsumerIdsChangedEnable',
  ] as const) {
    const b = optBool(o[k]);
    if (b !== undefined) out[k] = b;
  }
  for (const k of ['retryQueueNums', 'retryMaxTimes', 'brokerId', 'whichBrokerWhenConsumeSlowly'] as const) {
    const n = optInt(o[k]);
    if (n !== undefined) out[k] = n;
  }
  if (typeof o.attributes === 'object' && o.attributes !== null && !Array.isArray(o.attributes)) {
    const attributes: Record<string, string> = {};
    const entries = o.attributes instanceof Map ? [...o.attributes] : Object.entries(o.attributes);
    for (const [k, v] of entries)
      if (typeof k === 'string' && typeof v === 'string' && k !== '__proto__') attributes[k] = v;
    out.attributes = attributes;
  }
  return out;
}

export interface ConsumerRunningInfo {
  properties: Record<string, string>;
  subscriptions: { topic: string; subString: string }[];
  queues: {
    mq: MessageQueue;
    commitOffset: number;
    cachedMsgCount: number;
    cachedMsgMinOffset: number;
    cachedMsgMaxOffset: number;
    locked: boolean;
    lastPullTimestamp: number;
    lastConsumeTimestamp: number;
  }[];
}

export function parseConsumerRunningInfo(body: Buffer | undefined): ConsumerRunningInfo {
  const o = parseBody(body, 'ConsumerRunningInfo');
  const props: Record<string, string> = {};
  const p = o.properties;
  const pEntries: [unknown, unknown][] = p instanceof Map ? [...p.entries()] : Object.entries((p ?? {}) as object);
  for (const [k, v] of pEntries) props[str(k)] = str(v);
  const subs = Array.isArray(o.subscriptionSet) ? o.subscriptionSet : [];
  return {
    properties: props,
    subscriptions: subs.map((s: unknown) => {
      const w = (s ?? {}) as Record<string, unknown>;
      return { topic: str(w.topic), subString: str(w.subString) };
    }),
    queues: mqTableEntries(o.mqTable).map(({ mq, value }) => {
      const w = (value ?? {}) as Record<string, unknown>;
      return {
        mq,
        commitOffset: num(w.commitOffset),
        cachedMsgCount: num(w.cachedMsgCount),
        cachedMsgMinOffset: num(w.cachedMsgMinOffset),
        cachedMsgMaxOffset: num(w.cachedMsgMaxOffset),
        locked: w.locked === true,
        lastPullTimestamp: num(w.lastPullTimestamp),
        lastConsumeTimestamp: num(w.lastConsumeTimestamp),
      };
    }),
  };
}
