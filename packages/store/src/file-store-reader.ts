// Read side of the file store: pulls (ConsumeQueue → CommitLog slices), time lookups, reads by
// physical offset and index queries. Records near the tail come from the write cache without
// copying; older ones are read in one fs.read per contiguous run.
import {
  decodeStoredRecord,
  getPropertyFromString,
  MessageConst,
  probeStoredRecord,
  readStoreTimestamp,
} from '@rocketmq-ts/protocol';
import type { CommitLog } from './commitlog/commit-log.js';
import type { SegmentFiles } from './commitlog/segment-files.js';
import { type ConsumeQueue, CQ_UNIT, entryPhy, entrySize, entryTags } from './consumequeue/consume-queue.js';
import type { ConsumeQueueStore } from './consumequeue/consume-queue-store.js';
import { checkGetOffset, maxScanEntries } from './get-status.js';
import type { IndexService } from './index/index-service.js';
import { ReadGate } from './io/read-gate.js';
import type { GetMessageResult, QueryMessageResult, TagsCodeFilter } from './message-store.js';

/** Largest hole between two records still read in one call, and largest single read. */
const MAX_READ_GAP = 64 * 1024;
const MAX_READ_SPAN = 1024 * 1024;
/** Records per preadv (two iovecs each at most, well under IOV_MAX = 1024). */
const MAX_RUN_RECORDS = 256;
/**
 * Where the bytes between a run's records go: nobody reads it, so every read in flight may
 * share it (the kernel writes other queues' records into it from several pool threads).
 */
const GAP_SINK = Buffer.allocUnsafe(MAX_READ_GAP);
/** Pulls and pops reading from disk at once (ReadGate): as many as the libuv pool has threads. */
const DISK_READS_IN_FLIGHT = 4;

const FILTER_BATCH = 1024;

export class FileStoreReader {
  /** Controller mode: getMessage stops before a record ending past this offset (FileMessageStore.setReadBound). */
  readBound: (() => number) | undefined;
  private readonly gate = new ReadGate(DISK_READS_IN_FLIGHT);

  constructor(
    private readonly queues: ConsumeQueueStore,
    private readonly commitLog: CommitLog,
    private readonly segments: SegmentFiles,
    private readonly index: IndexService,
  ) {}

  minPhy(): number {
    // Segment files open asynchronously: right after the first appends a store may hold its
    // bytes only in the write cache (a fresh master told an empty slave to start past them).
    return this.segments.list[0]?.start ?? this.commitLog.cacheStart();
  }

  async getMessage(
    topic: string,
    queueId: number,
    offset: number,
    maxCount: number,
    maxBytes: number,
    filter?: TagsCodeFilter,
  ): Promise<GetMessageResult> {
    const q = this.queues.get(topic, queueId);
    const min = q ? q.minOffset : 0;
    const max = q ? q.maxOffset : 0;
    const early = checkGetOffset(q !== undefined, offset, min, max);
    if (early && this.readBound !== undefined) early.maxOffset = q ? this.visibleMaxOffset(q) : 0;
    if (early || !q) return early!;
    const records: (Buffer | undefined)[] = [];
    const misses: number[] = []; // triples: index in records, phy, size
    let totalSize = 0;
    let next = offset;
    const scanEnd = Math.min(max, offset + maxScanEntries(maxCount));
    const minPhy = this.minPhy();
    const bound = this.readBound === undefined ? Number.MAX_SAFE_INTEGER : this.readBound();
    let full = false;
    while (!full && next < scanEnd && records.length < maxCount) {
      const want = Math.min(scanEnd - next, filter ? FILTER_BATCH : maxCount - records.length);
      const view = q.memoryView(next, want) ?? (await q.read(next, want));
      if (!view) {
        if (next === offset) {
          // The ConsumeQueue file for this offset is unreadable: as RocketMQ does, answer
          // OFFSET_FOUND_NULL and point past that file so the consumer is not stuck on it.
          const nextFile = (Math.floor(offset / q.entriesPerFile) + 1) * q.entriesPerFile;
          return {
            status: 'OFFSET_FOUND_NULL',
            nextBeginOffset: Math.min(nextFile, max),
            minOffset: min,
            maxOffset: max,
            records: [],
            totalSize: 0,
          };
        }
        break;
      }
      for (let k = 0; k < view.count; k++) {
        const p = view.pos + k * CQ_UNIT;
        const size = entrySize(view.buf, p);
        if (records.length > 0 && totalSize + size > maxBytes) {
          full = true;
          break;
        }
        const phy = entryPhy(view.buf, p);
        if (phy + size > bound) {
          // Not yet held by every replica (controller mode): it may still be truncated.
          full = true;
          break;
        }
        next++;
        if (size <= 0 || phy < minPhy) continue;
        if (filter && !filter(entryTags(view.buf, p))) continue;
        const hit = this.commitLog.readCached(phy, size);
        if (!hit) misses.push(records.length, phy, size);
        records.push(hit);
        totalSize += size;
        if (records.length >= maxCount) break;
      }
    }
    // Controller mode answers the visible max (what a consumer may read), as RocketMQ's
    // ConsumeQueue, built only up to the confirm offset, does.
    const answeredMax = bound === Number.MAX_SAFE_INTEGER ? max : this.visibleMaxOffset(q);
    if (next === offset && records.length === 0 && bound !== Number.MAX_SAFE_INTEGER) {
      // Everything from `offset` on is beyond the confirm offset: "nothing yet", so that a
      // pull is held (PULL_NOT_FOUND) and a pop moves nothing; the hold service's periodic
      // check (against the visible max) or the next arrival re-runs it.
      return {
        status: 'OFFSET_OVERFLOW_ONE',
        nextBeginOffset: offset,
        minOffset: min,
        maxOffset: answeredMax,
        records: [],
        totalSize: 0,
      };
    }
    if (misses.length > 0) await this.fill(records, misses);
    const out: Buffer[] = [];
    let bytes = 0;
    for (const r of records) {
      if (r) {
        out.push(r);
        bytes += r.length;
      }
    }
    return {
      status: out.length > 0 ? 'FOUND' : 'NO_MATCHED_MESSAGE',
      nextBeginOffset: next,
      minOffset: min,
      maxOffset: answeredMax,
      records: out,
      totalSize: bytes,
    };
  }

  /**
   * Reads cache misses, one read per run of nearby records in one segment. Records of one
   * queue are interleaved with other queues' records in the CommitLog, so a run may span
   * gaps (up to 64 KiB each, 1 MiB in all): one larger read costs far less than a read per
   * record on the libuv pool (measured: consume 90k → 172k msg/s with 8 interleaved queues).
   * Each run is one preadv that scatters its records into one buffer sized for the answer and
   * the gaps into a throw-away buffer: the event loop allocates and keeps only the answer's
   * own bytes. (It used to read each span into a buffer of its own and copy the records out:
   * eight non-reading connections pipelining pulls of cold 8 KiB records, 4 queues, made the
   * loop allocate and copy 1.25 MiB per 256 KiB answer, ~320 MiB in a second, and stalled a
   * producer on the same broker for up to 2 s.)
   */
  private async fill(records: (Buffer | undefined)[], misses: number[]): Promise<void> {
    let useful = 0;
    for (let k = 2; k < misses.length; k += 3) useful += misses[k]!;
    const wait = this.gate.acquire();
    if (wait !== undefined) await wait;
    try {
      await this.readRuns(records, misses, Buffer.allocUnsafe(useful));
    } finally {
      this.gate.release();
    }
  }

  private async readRuns(records: (Buffer | undefined)[], misses: number[], out: Buffer): Promise<void> {
    const segSize = this.segments.segmentSize;
    let at = 0;
    let i = 0;
    while (i < misses.length) {
      const runStart = misses[i + 1]!;
      let runEnd = runStart + misses[i + 2]!;
      let j = i + 3;
      while (
        j < misses.length &&
        j - i < MAX_RUN_RECORDS * 3 &&
        misses[j + 1]! >= runEnd &&
        misses[j + 1]! - runEnd <= MAX_READ_GAP &&
        misses[j + 1]! + misses[j + 2]! - runStart <= MAX_READ_SPAN &&
        Math.floor(runStart / segSize) === Math.floor((misses[j + 1]! + misses[j + 2]! - 1) / segSize)
      ) {
        runEnd = misses[j + 1]! + misses[j + 2]!;
        j += 3;
      }
      const parts: Buffer[] = [];
      let pos = runStart;
      for (let k = i; k < j; k += 3) {
        const phy = misses[k + 1]!;
        const size = misses[k + 2]!;
        if (phy > pos) parts.push(GAP_SINK.subarray(0, phy - pos));
        const view = out.subarray(at, at + size);
        parts.push(view);
        records[misses[k]!] = view;
        at += size;
        pos = phy + size;
      }
      if (!(await this.commitLog.readInto(runStart, parts, runEnd - runStart))) {
        for (let k = i; k < j; k += 3) records[misses[k]!] = undefined;
      }
      i = j;
    }
  }

  /** Store timestamp of the record at queue offset `offset`, -1 if unreadable. */
  async timeAt(q: ConsumeQueue, offset: number): Promise<number> {
    const v = q.memoryView(offset, 1) ?? (await q.read(offset, 1));
    if (!v) return -1;
    const phy = entryPhy(v.buf, v.pos);
    const size = entrySize(v.buf, v.pos);
    if (size <= 0 || phy < this.minPhy()) return -1;
    const rec = await this.commitLog.read(phy, Math.min(size, 80)).catch(() => undefined);
    return rec && rec.length >= 64 ? readStoreTimestamp(rec, 0) : -1;
  }

  async offsetByTime(q: ConsumeQueue, timestamp: number, boundary: 'lower' | 'upper'): Promise<number> {
    let lo = q.minOffset;
    let hi = q.maxOffset;
    if (lo >= hi) return lo;
    if (boundary === 'lower') {
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if ((await this.timeAt(q, mid)) < timestamp) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    }
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await this.timeAt(q, mid)) <= timestamp) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(q.minOffset, lo - 1);
  }

  /**
   * The queue's max offset as a consumer may see it: without a read bound the ConsumeQueue's
   * max; in controller mode one past the last entry whose record ends at or below the bound
   * (queue offsets grow with physical offsets, so a binary search over the in-memory tail).
   * Entries no longer in memory are old enough to be below the bound.
   */
  visibleMaxOffset(q: ConsumeQueue): number {
    if (this.readBound === undefined) return q.maxOffset;
    const bound = this.readBound();
    // Nothing readable (controller mode before a role): not even entries no longer in memory.
    if (bound < 0) return q.minOffset;
    let lo = q.minOffset;
    let hi = q.maxOffset;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const v = q.memoryView(mid, 1);
      if (!v || entryPhy(v.buf, v.pos) + entrySize(v.buf, v.pos) <= bound) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  async lookMessageByOffset(phy: number): Promise<Buffer | undefined> {
    if (phy < this.minPhy() || phy + 8 > this.commitLog.appendPos) return undefined;
    const head = this.commitLog.readCached(phy, 8) ?? (await this.commitLog.read(phy, 8).catch(() => undefined));
    if (!head) return undefined;
    const size = head.readInt32BE(0);
    if (size < 8 || size > this.segments.segmentSize) return undefined;
    // Controller mode: a record past the confirm offset is not visible to a lookup by id or
    // key either (it may be truncated at the next failover).
    if (this.readBound !== undefined && phy + size > this.readBound()) return undefined;
    const rec = this.commitLog.readCached(phy, size) ?? (await this.commitLog.read(phy, size).catch(() => undefined));
    if (!rec || probeStoredRecord(rec, 0, rec.length, false).kind !== 'record') return undefined;
    return rec;
  }

  async queryMessage(
    topic: string,
    key: string,
    maxNum: number,
    begin: number,
    end: number,
  ): Promise<QueryMessageResult> {
    const candidates = await this.index.query(`${topic}#${key}`, maxNum * 4 + 16, begin, end);
    const seen = new Set<number>();
    const records: Buffer[] = [];
    for (const phy of candidates) {
      if (records.length >= maxNum) break;
      if (seen.has(phy)) continue;
      seen.add(phy);
      const rec = await this.lookMessageByOffset(phy);
      if (!rec) continue;
      // Hashes collide and index times have second resolution: check the record itself.
      const m = decodeStoredRecord(rec, 0, { properties: false });
      if (!m || m.topic !== topic || m.storeTimestamp < begin || m.storeTimestamp > end) continue;
      const keys = getPropertyFromString(m.propertiesString, MessageConst.PROPERTY_KEYS)?.split(' ') ?? [];
      const uniq = getPropertyFromString(m.propertiesString, MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
      if (uniq === key || keys.includes(key)) records.push(rec);
    }
    const last = this.index.lastUpdate;
    return { records, indexLastUpdateTimestamp: last.timestamp, indexLastUpdatePhyoffset: last.phyOffset };
  }
}
