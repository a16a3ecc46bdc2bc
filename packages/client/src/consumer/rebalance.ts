import { type ConsumeFromWhere, isRetryTopic, type MessageModel, type MessageQueue } from '@rocketmq-ts/protocol';
import type { MQClientInstance } from '../client-instance.js';
import { compareQueues } from '../route/topic-route.js';
import type { AllocateMessageQueueStrategy } from './allocate.js';
import type { OffsetStore } from './offset-store.js';

/**
 * The queues of `topic` this client should own now. Clustering: the topic's readable queues
 * split among the group's live members as the broker reports them; broadcasting: all of
 * them. `unknown` when the answer cannot be had (no route yet, broker unreachable; another
 * rebalance is then scheduled soon) and `not-member` when the broker does not list us yet
 * (our heartbeat has not reached it): callers then keep what they have rather than dropping
 * queues on a transient state.
 */
export async function assignQueues(
  instance: MQClientInstance,
  group: string,
  topic: string,
  model: MessageModel,
  strategy: AllocateMessageQueueStrategy,
): Promise<MessageQueue[] | 'unknown' | 'not-member'> {
  const assigned = await allocateFromBroker(instance, group, topic, model, strategy);
  if (assigned === 'unknown') instance.retryRebalanceSoon();
  return assigned;
}

async function allocateFromBroker(
  instance: MQClientInstance,
  group: string,
  topic: string,
  model: MessageModel,
  strategy: AllocateMessageQueueStrategy,
): Promise<MessageQueue[] | 'unknown' | 'not-member'> {
  let mqAll: MessageQueue[];
  try {
    mqAll = await instance.fetchSubscribeQueues(topic);
  } catch {
    const cached = instance.cachedSubscribeQueues(topic);
    if (!cached) return 'unknown';
    mqAll = cached;
  }
  mqAll.sort(compareQueues);
  if (model === 'BROADCASTING') return mqAll;
  const addr = instance.anyBrokerAddrOf(topic);
  if (!addr) return 'unknown';
  let cids: string[];
  try {
    cids = await instance.api.getConsumerIdList(addr, group);
  } catch {
    return 'unknown';
  }
  if (!cids.includes(instance.clientId)) return 'not-member';
  cids.sort();
  return strategy.allocate(group, instance.clientId, mqAll, cids);
}

export interface StartOffsetOptions {
  consumeFromWhere: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP, ms since the epoch. */
  consumeTimestamp: number;
}

/**
 * Where a newly assigned queue starts (Java's computePullFromWhere): the stored offset if
 * there is one; otherwise by consumeFromWhere — last offset (retry topics from 0), first
 * offset, or the first message stored at/after the timestamp.
 */
export async function computePullFromWhere(
  instance: MQClientInstance,
  store: OffsetStore,
  mq: MessageQueue,
  opts: StartOffsetOptions,
): Promise<number> {
  const stored = await store.readOffset(mq, 'store');
  if (stored >= 0) return stored;
  const isRetry = isRetryTopic(mq.topic);
  const addr = await instance.requireReadAddr(mq.brokerName, mq.topic);
  switch (opts.consumeFromWhere) {
    case 'CONSUME_FROM_FIRST_OFFSET':
    case 'CONSUME_FROM_MIN_OFFSET':
      return 0;
    case 'CONSUME_FROM_TIMESTAMP':
      if (isRetry) return instance.api.getMaxOffset(addr, mq);
      return instance.api.searchOffset(addr, mq, opts.consumeTimestamp);
    default:
      if (isRetry) return 0;
      return instance.api.getMaxOffset(addr, mq);
  }
}

/** Parses `yyyyMMddHHmmss` (Java's consumeTimestamp format, local time) or passes ms through. */
export function parseConsumeTimestamp(v: string | number | undefined, now = Date.now()): number {
  if (v === undefined) return now - 30 * 60 * 1000;
  if (typeof v === 'number') return v;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(v);
  if (!m) return Number(v);
  return new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!).getTime();
}
