import type { MessageExt } from '../message.js';

/**
 * The messages of one assigned queue that were pulled but not yet acknowledged. Pulls add in
 * ascending offset order, so they sit in an array sorted by offset: an acknowledgement finds
 * its slot by binary search over the slots' offsets and leaves a hole, and the head skips holes, so the first live
 * entry is always the lowest in-flight offset: the point a consumer may safely commit up to.
 * No per-message hashing or Map growth, and a batch acknowledged in order costs one pass.
 */
export class ProcessQueue {
  /** Messages by ascending offset from `head`; undefined where acknowledged. */
  private window: (MessageExt | undefined)[] = [];
  /** The offset of each window slot, kept when the slot is acknowledged (for the search). */
  private offsets: number[] = [];
  private head = 0;
  private live = 0;
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
    return this.live;
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
    return this.live === 0 ? -1 : this.window[this.head]!.queueOffset;
  }

  put(list: readonly MessageExt[]): number {
    let added = 0;
    const w = this.window;
    for (const m of list) {
      const offset = m.queueOffset;
      if (offset < this.maxOffset) continue;
      const last = w.length - 1;
      if (offset === this.maxOffset && last >= this.head) {
        // The newest offset again: taken only if it is no longer held.
        if (w[last] !== undefined) continue;
        w[last] = m;
      } else {
        if (this.live === 0) {
          w.length = 0;
          this.offsets.length = 0;
          this.head = 0;
        }
        w.push(m);
        this.offsets.push(offset);
      }
      this.live++;
      this.bytes += m.body.length;
      this.maxOffset = offset;
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
    if (this.live === 0 && this.maxOffset < 0) return -1;
    const w = this.window;
    for (const m of list) {
      const i = this.indexOf(m.queueOffset);
      if (i < 0) continue;
      this.bytes -= w[i]!.body.length;
      w[i] = undefined;
      this.live--;
    }
    if (this.live === 0) {
      w.length = 0;
      this.offsets.length = 0;
      this.head = 0;
      return this.maxOffset + 1;
    }
    let h = this.head;
    while (w[h] === undefined) h++;
    if (h > 1024 && h * 2 > w.length) {
      this.window = w.slice(h);
      this.offsets = this.offsets.slice(h);
      h = 0;
    }
    this.head = h;
    return this.window[h]!.queueOffset;
  }

  /** Index of the live message at `offset`, or -1. */
  private indexOf(offset: number): number {
    const offsets = this.offsets;
    let lo = this.head;
    let hi = offsets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const o = offsets[mid]!;
      if (o < offset) lo = mid + 1;
      else if (o > offset) hi = mid - 1;
      else return this.window[mid] === undefined ? -1 : mid;
    }
    return -1;
  }

  /** Orderly: the oldest `n` messages, left in place until remove() acknowledges them. */
  peek(n: number): MessageExt[] {
    const out: MessageExt[] = [];
    const w = this.window;
    for (let i = this.head; i < w.length && out.length < n; i++) {
      const m = w[i];
      if (m !== undefined) out.push(m);
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
    this.window = [];
    this.offsets = [];
    this.head = 0;
    this.live = 0;
    this.bytes = 0;
  }

  /** Java's ProcessQueueInfo, for GET_CONSUMER_RUNNING_INFO. */
  info(commitOffset: number): Record<string, number | boolean> {
    return {
      commitOffset,
      cachedMsgMinOffset: Math.max(0, this.firstOffset()),
      cachedMsgMaxOffset: Math.max(0, this.maxOffset),
      cachedMsgCount: this.live,
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
