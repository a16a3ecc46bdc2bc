// The table of ConsumeQueues: loading from disk, flushing, truncation after recovery and
// minimum-offset correction after CommitLog segments are deleted.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@rocketmq-ts/common';
import { FdCache } from '../io/fd-cache.js';
import { ConsumeQueue, CQ_UNIT, entryPhy, entrySize } from './consume-queue.js';

/** Queues flushed at the same time: fdatasyncs overlap a little, the libuv pool stays free. */
const FLUSH_CONCURRENCY = 2;

export class ConsumeQueueStore {
  readonly table = new Map<string, Map<number, ConsumeQueue>>();
  private readonly fds: FdCache;
  /** ConsumeQueue fdatasyncs so far (runtime info, bench). */
  syncs = 0;

  constructor(
    readonly dir: string,
    private readonly fileSize: number,
    private readonly logger: Logger,
    maxOpenFiles = 256,
  ) {
    this.fds = new FdCache(maxOpenFiles);
  }

  /** Open ConsumeQueue files (tests, runtime info). */
  get openFiles(): number {
    return this.fds.size;
  }

  get(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.table.get(topic)?.get(queueId);
  }

  getOrCreate(topic: string, queueId: number): ConsumeQueue {
    let qs = this.table.get(topic);
    if (!qs) {
      qs = new Map();
      this.table.set(topic, qs);
    }
    let q = qs.get(queueId);
    if (!q) {
      q = new ConsumeQueue(topic, queueId, join(this.dir, topic, String(queueId)), this.fileSize, this.fds);
      qs.set(queueId, q);
    }
    return q;
  }

  *all(): IterableIterator<ConsumeQueue> {
    for (const qs of this.table.values()) yield* qs.values();
  }

  async exists(): Promise<boolean> {
    return stat(this.dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  /**
   * Loads every queue found on disk: max offset = first invalid entry of the last file, min
   * offset = first entry at or above `minPhy`. Entries ending past `logEnd` are dropped.
   */
  async load(minPhy: number, logEnd: number): Promise<void> {
    let topics: string[];
    try {
      topics = await readdir(this.dir);
    } catch {
      return;
    }
    for (const topic of topics) {
      let ids: string[];
      try {
        ids = await readdir(join(this.dir, topic));
      } catch {
        continue;
      }
      for (const id of ids) {
        if (!/^\d+$/.test(id)) continue;
        const q = this.getOrCreate(topic, Number(id));
        await this.loadQueue(q, minPhy, logEnd);
      }
    }
  }

  private async loadQueue(q: ConsumeQueue, minPhy: number, logEnd: number): Promise<void> {
    const files = await q.files();
    if (files.length === 0) {
      q.reset(0, 0);
      return;
    }
    let max = files[0]!;
    let dropped = false;
    // Walk files from the last: find the last valid entry that still points inside the log.
    // Valid entries form a prefix of a file: binary-search its end with 20-byte reads, so a
    // start-up costs ~20 small reads per queue, not a whole 6 MB file.
    const e = Buffer.alloc(CQ_UNIT);
    for (let f = files.length - 1; f >= 0; f--) {
      const first = files[f]!;
      const at = async (i: number): Promise<Buffer | undefined> => ((await q.readEntry(first, i, e)) ? e : undefined);
      let lo = 0;
      let hi = q.entriesPerFile;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const b = await at(mid);
        if (b && entrySize(b, 0) > 0) lo = mid + 1;
        else hi = mid;
      }
      let n = lo;
      const valid = n;
      for (;;) {
        if (n === 0) break;
        const b = await at(n - 1);
        if (b && entryPhy(b, 0) + entrySize(b, 0) <= logEnd) break;
        n--;
      }
      if (n < valid) dropped = true;
      if (n > 0 || f === 0) {
        max = first + n;
        break;
      }
      dropped = true;
    }
    q.reset(Math.min(files[0]!, max), max);
    await this.correctQueueMin(q, minPhy);
    const min = q.minOffset;
    // Erase what was dropped so a later load cannot resurrect it.
    if (dropped) await q.eraseFrom(max);
    q.minOffset = min;
    this.logger.debug({ topic: q.topic, queueId: q.queueId, min, max }, 'consumequeue loaded');
  }

  /**
   * After recovery: drops entries whose record ends past `logEnd` (the log lost its tail, the
   * ConsumeQueue did not). Such entries were loaded from files, so they sit below the in-memory tail.
   */
  async truncateAbove(logEnd: number): Promise<void> {
    for (const q of this.all()) {
      let max = q.maxOffset;
      while (max > q.minOffset) {
        const v = await q.read(max - 1, 1);
        if (!v || entryPhy(v.buf, v.pos) + entrySize(v.buf, v.pos) <= logEnd) break;
        max--;
      }
      if (max < q.maxOffset) {
        this.logger.warn({ topic: q.topic, queueId: q.queueId, from: q.maxOffset, to: max }, 'consumequeue truncated');
        await q.eraseFrom(max);
        q.reset(q.minOffset, max);
      }
    }
  }

  /**
   * Flushes every queue with at least `leastPages` dirty 4 KiB pages (0: every dirty queue),
   * as RocketMQ's flushConsumeQueueLeastPages. Returns the physical offset below which every
   * record's entry is on disk afterwards (Infinity when nothing is left unflushed): the
   * first unflushed entry of each queue bounds it.
   */
  async flush(leastPages: number): Promise<number> {
    const due: ConsumeQueue[] = [];
    for (const q of this.all()) if (q.dirty && (leastPages <= 0 || q.dirtyPages >= leastPages)) due.push(q);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < due.length) this.syncs += await due[next++]!.flush();
    };
    await Promise.all(Array.from({ length: Math.min(FLUSH_CONCURRENCY, due.length) }, worker));
    let bound = Number.POSITIVE_INFINITY;
    for (const q of this.all()) {
      const phy = q.firstUnflushedPhy();
      if (phy !== undefined && phy < bound) bound = phy;
    }
    return bound;
  }

  /** After CommitLog segments below `minPhy` are gone: move min offsets and delete dead files. */
  async correctMinOffset(minPhy: number): Promise<void> {
    for (const q of this.all()) await this.correctQueueMin(q, minPhy);
  }

  private async correctQueueMin(q: ConsumeQueue, minPhy: number): Promise<void> {
    const files = await q.files();
    for (let f = 0; f < files.length; f++) {
      const first = files[f]!;
      const last = first + q.entriesPerFile; // exclusive
      if (last > q.flushedTo) break;
      const e = Buffer.alloc(CQ_UNIT);
      if (!(await q.readEntry(first, q.entriesPerFile - 1, e)) || entryPhy(e, 0) + entrySize(e, 0) > minPhy) break;
      await q.deleteFile(Math.floor(first / q.entriesPerFile));
      if (q.minOffset < last) q.minOffset = last;
    }
    // Within the first remaining file (or memory), skip entries whose record is gone.
    while (q.minOffset < q.maxOffset) {
      const v = await q.read(q.minOffset, 256);
      if (!v) break;
      let k = 0;
      while (k < v.count && entryPhy(v.buf, v.pos + k * CQ_UNIT) < minPhy) k++;
      q.minOffset += k;
      if (k < v.count) break;
    }
  }

  async deleteTopic(topic: string): Promise<void> {
    const qs = this.table.get(topic);
    this.table.delete(topic);
    if (qs) for (const q of qs.values()) await q.destroy();
  }

  close(): void {
    this.fds.closeAll();
  }
}
