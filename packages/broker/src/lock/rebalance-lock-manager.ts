import type { Clock } from '@rocketmq-ts/common';
import { type MessageQueue, mqKey } from '@rocketmq-ts/protocol';

// Queue locks for orderly consumption (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ): a consumer may
// consume a queue in order only while it holds the queue's lock here. Locks expire after
// `lockMaxLiveTime` (60 s) without renewal; clients renew every 20 s. Time comes from the
// injected Clock, so expiry is decided without timers and tests move time by hand.

export const DEFAULT_LOCK_MAX_LIVE_TIME_MS = 60_000;

interface LockEntry {
  mq: MessageQueue;
  clientId: string;
  lastUpdate: number;
}

/** Pure decision: may `clientId` take (or keep) a lock whose current holder is `entry`? */
export function canLock(entry: LockEntry | undefined, clientId: string, now: number, maxLiveMs: number): boolean {
  return entry === undefined || entry.clientId === clientId || now - entry.lastUpdate > maxLiveMs;
}

export class RebalanceLockManager {
  /** group → mqKey → holder. */
  private readonly table = new Map<string, Map<string, LockEntry>>();

  constructor(
    private readonly clock: Clock,
    private readonly maxLiveMs = DEFAULT_LOCK_MAX_LIVE_TIME_MS,
  ) {}

  /**
   * Locks every queue of `mqs` that is free, expired or already held by `clientId`, and
   * returns the queues the client holds afterwards (in request order).
   */
  tryLockBatch(group: string, mqs: readonly MessageQueue[], clientId: string): MessageQueue[] {
    const now = this.clock.now();
    let locks = this.table.get(group);
    if (!locks) {
      locks = new Map();
      this.table.set(group, locks);
    }
    const held: MessageQueue[] = [];
    for (const mq of mqs) {
      const key = mqKey(mq);
      const entry = locks.get(key);
      if (!canLock(entry, clientId, now, this.maxLiveMs)) continue;
      locks.set(key, {
        mq: { topic: mq.topic, brokerName: mq.brokerName, queueId: mq.queueId },
        clientId,
        lastUpdate: now,
      });
      held.push(mq);
    }
    return held;
  }

  /** Releases the queues `clientId` holds; locks of other clients are left alone. */
  unlockBatch(group: string, mqs: readonly MessageQueue[], clientId: string): void {
    const locks = this.table.get(group);
    if (!locks) return;
    for (const mq of mqs) {
      const key = mqKey(mq);
      if (locks.get(key)?.clientId === clientId) locks.delete(key);
    }
    if (locks.size === 0) this.table.delete(group);
  }

  /** The client holding `mq`, when its lock has not expired. */
  holder(group: string, mq: MessageQueue): string | undefined {
    const entry = this.table.get(group)?.get(mqKey(mq));
    if (!entry || this.clock.now() - entry.lastUpdate > this.maxLiveMs) return undefined;
    return entry.clientId;
  }

  /** True when no queue of the group is locked any more (retry sends of orderly groups). */
  isLockAllExpired(group: string): boolean {
    const locks = this.table.get(group);
    if (!locks) return true;
    const now = this.clock.now();
    for (const entry of locks.values()) if (now - entry.lastUpdate <= this.maxLiveMs) return false;
    return true;
  }

  /** Drops expired entries so groups that went away do not keep memory. */
  purgeExpired(): void {
    const now = this.clock.now();
    for (const [group, locks] of this.table) {
      for (const [key, entry] of locks) if (now - entry.lastUpdate > this.maxLiveMs) locks.delete(key);
      if (locks.size === 0) this.table.delete(group);
    }
  }
}
