import type { MessageExt } from '../message.js';

/**
 * The messages of one assigned queue that were pulled but not yet acknowledged. Pulls add
 * in ascending offset order and a Map iterates in insertion order, so the first key is
 * always the lowest in-flight offset: the point a consumer may safely commit up to.
 */
export class ProcessQueue {
  private readonly msgs = new Map<number, MessageExt>();
  private bytes = 0;
  /** Highest offset ever put here; -1 when none. */
  maxOffset = -1;
  /** Next offset to pull. */
  nextOffset = 0;
  dropped = false;
  /** Orderly: whether the broker lock is held, and when it was last confirmed. */
  locked = false;
  lastLockAt = 0;
  /** Orderly: set while a batch of this queue is in the listener. */
  consuming = false;
  /** Handlers currently running for this queue (concurrent mode). */
  inFlight = 0;
  /** For running-info reports. */
  lastPullAt = 0;
  lastConsumeAt = 0;

  get count(): number {
    return this.msgs.size;
  }

  get size(): number {
    return this.bytes;
  }

  /** Offset distance between the oldest and newest message held (concurrent flow control). */
  get span(): number {
    const first = this.firstOffset();
    return first < 0 ? 0 : this.maxOffset - first;
  }

  firstOffset(): number {
    const it = this.msgs.keys().next();
    return it.done ? -1 : it.value;
  }

  put(list: readonly MessageExt[]): number {
    let added = 0;
    for (const m of list) {
      if (m.queueOffset <= this.maxOffset && this.msgs.has(m.queueOffset)) continue;
      if (m.queueOffset < this.maxOffset) continue;
      this.msgs.set(m.queueOffset, m);
      this.bytes += m.body.length;
      this.maxOffset = m.queueOffset;
      added++;
    }
    return added;
  }

  /**
   * Acknowledges messages; returns the offset that may now be committed (-1 if nothing was
   * held): the lowest offset still in flight, or one past the highest seen when none is.
   */
  remove(list: readonly MessageExt[]): number {
    this.lastConsumeAt = Date.now();
    if (this.msgs.size === 0 && this.maxOffset < 0) return -1;
    for (const m of list) {
      const had = this.msgs.get(m.queueOffset);
      if (had) {
        this.msgs.delete(m.queueOffset);
        this.bytes -= had.body.length;
      }
    }
    return this.msgs.size === 0 ? this.maxOffset + 1 : this.firstOffset();
  }

  /** Orderly: the oldest `n` messages, left in place until remove() acknowledges them. */
  peek(n: number): MessageExt[] {
    const out: MessageExt[] = [];
    for (const m of this.msgs.values()) {
      if (out.length >= n) break;
      out.push(m);
    }
    return out;
  }

  /** Lite pull: takes (and forgets) up to `n` messages. */
  take(n: number): MessageExt[] {
    const out = this.peek(n);
    this.remove(out);
    return out;
  }

  clear(): void {
    this.msgs.clear();
    this.bytes = 0;
  }

  /** Java's ProcessQueueInfo, for GET_CONSUMER_RUNNING_INFO. */
  info(commitOffset: number): Record<string, number | boolean> {
    return {
      commitOffset,
      cachedMsgMinOffset: Math.max(0, this.firstOffset()),
      cachedMsgMaxOffset: Math.max(0, this.maxOffset),
      cachedMsgCount: this.msgs.size,
      cachedMsgSizeInMiB: Math.floor(this.bytes / (1024 * 1024)),
      transactionMsgMinOffset: 0,
      transactionMsgMaxOffset: 0,
      transactionMsgCount: 0,
      locked: this.locked,
      tryUnlockTimes: 0,
      lastLockTimestamp: this.lastLockAt,
      droped: this.dropped,
      lastPullTimestamp: this.lastPullAt,
      lastConsumeTimestamp: this.lastConsumeAt,
    };
  }

  lockExpired(now: number, maxLiveMs = 30_000): boolean {
    return now - this.lastLockAt > maxLiveMs;
  }
}
