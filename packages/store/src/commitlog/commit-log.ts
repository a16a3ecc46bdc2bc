// CommitLog write path. Records are encoded straight into in-memory blocks (the write cache);
// one fs.write per block range per tick hands them to the kernel; fdatasync runs as a group
// commit. Reads of recent records are zero-copy slices of the cache. See docs/store.md
// ("Flush ordering") for the positions below and the order they advance in.

import { writeSync } from 'node:fs';
import type { Logger } from '@rocketmq-ts/common';
import { writeBlankRecord } from '@rocketmq-ts/protocol';
import { fdatasync, readFully, readvFully } from '../io/fs-async.js';
import { inlineWriter, type RecordWriter } from './record-writer.js';
import type { SegmentFiles } from './segment-files.js';

interface Block {
  /** Physical offset of buf[0]. */
  start: number;
  buf: Buffer;
  /** Bytes holding records (and a blank header) so far. */
  filled: number;
  /** Bytes of `filled` handed to a write (in flight or done). */
  issued: number;
  /** Bytes of `filled` the kernel has (every write below completed). */
  written: number;
  /** Usable bytes: never crosses the segment end. */
  limit: number;
  /** Set when the block ends its segment with a blank filler: offset of the segment end. */
  segmentEnd: number;
  sealed: boolean;
  /** A slice was handed to a reader: the buffer may still be in use, never recycle it. */
  lent: boolean;
  /** Holds replicated bytes (slave): written verbatim, its CRCs are already filled in. */
  raw: boolean;
}

/** Space reserved for one append: encode records into buf[pos…]. */
interface Allocation {
  buf: Buffer;
  pos: number;
  physicalOffset: number;
}

interface CommitLogEvents {
  /** Everything below `position` is in the file (page cache): dispatch may run up to it. */
  onWritten(position: number): void;
  /** Everything below `position` survived fdatasync. */
  onFlushed(position: number): void;
  onWriteError(error: unknown): void;
}

const BLOCK_SIZE = 4 * 1024 * 1024;
const BLANK_HEADER = 8;
/**
 * Writes in flight at once, and the size at which appended bytes are handed to a write
 * without waiting for the end of the loop turn. One write at a time left the loop idle while
 * it ran (a third of the time in the bench): acks wait for writes, so producers stall. With a
 * few smaller writes in flight the first acks come back while later records are encoded.
 */
const MAX_WRITES_IN_FLIGHT = 4;
const EAGER_WRITE_BYTES = 256 * 1024;
/**
 * fdatasyncs in flight at once (group commit). A second one started while the first runs
 * covers what was written meanwhile, and its acks need not wait for the first to finish:
 * SYNC_FLUSH produce, SDK producer at 128 in flight, 77-81k msg/s with one, 86-88k with two
 * (four: no better).
 */
const MAX_SYNCS_IN_FLIGHT = 2;
/**
 * Bytes written since the running sync began before a second one starts. At a low rate a
 * second sync for every small write would double the fdatasyncs (and journal commits) for no
 * gain: the first finishes well before the acks it would speed up matter. (Alternated SYNC_FLUSH
 * latency runs at 5,000 msg/s could not tell one sync from two: p99 1.2–2.6 vs 1.3–4.0 ms.)
 */
const CONCURRENT_SYNC_MIN_BYTES = 64 * 1024;

/** One fs.write in flight: block bytes [from, to). */
interface Flight {
  block: Block;
  to: number;
  done: boolean;
  failed: boolean;
}

export class CommitLog {
  /** Next physical offset to hand out. */
  appendPos = 0;
  /** Bytes below this are written to the segment files. */
  writtenPos = 0;
  /** Bytes below this are durable (fdatasync done). */
  flushedPos = 0;
  /** Counters for runtime info: write and fdatasync calls issued. */
  writes = 0;
  syncs = 0;
  private blocks: Block[] = [];
  private cachedBytes = 0;
  /**
   * Evicted blocks no reader ever saw, kept for reuse: fresh 4 MiB buffers cost page faults
   * and external-memory GC pressure on every block; recycled ones cost neither.
   */
  private spare: Buffer[] = [];
  /** Writes in flight, in issue order; writtenPos advances only over a done prefix. */
  private flights: Flight[] = [];
  /** Bytes allocated but not yet handed to a write. */
  private unissued = 0;
  private writeError: unknown;
  private waitingSegment = false;
  private scheduled = false;
  /** fdatasyncs in flight. */
  private syncsInFlight = 0;
  /** Highest target of an fdatasync issued (never below flushedPos): a new one only when there is more to cover. */
  private syncIssuedTo = 0;
  private syncWanted = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly runWrite = (): void => this.writeNext();
  /** Fills body CRCs and writes; set by the store at start (writer thread or inline). */
  writer: RecordWriter = inlineWriter;

  constructor(
    private readonly segments: SegmentFiles,
    private readonly cacheLimit: number,
    private readonly events: CommitLogEvents,
    private readonly logger: Logger,
    /** Fault injection (tests): awaited before every fdatasync, e.g. to simulate a slow disk. */
    private readonly beforeSync?: () => Promise<void>,
  ) {}

  get segmentSize(): number {
    return this.segments.segmentSize;
  }

  /** Position all cursors at the recovered end of the log. */
  setEnd(position: number): void {
    this.appendPos = this.writtenPos = this.flushedPos = this.syncIssuedTo = position;
    this.blocks = [];
    this.cachedBytes = 0;
    this.unissued = 0;
  }

  /**
   * Reserves `size` contiguous bytes in one segment, first closing the current segment with a
   * blank filler if the bytes plus a filler header would not fit (RocketMQ's rule). `size`
   * must be at most segmentSize − 8; callers check that when validating.
   */
  allocate(size: number): Allocation {
    const segSize = this.segments.segmentSize;
    let segStart = Math.floor(this.appendPos / segSize) * segSize;
    let segEnd = segStart + segSize;
    if (this.appendPos + size + BLANK_HEADER > segEnd && this.appendPos !== segStart) {
      const b = this.blockWithRoom(BLANK_HEADER, segEnd);
      writeBlankRecord(b.buf, b.filled, segEnd - this.appendPos);
      b.filled += BLANK_HEADER;
      this.unissued += BLANK_HEADER;
      b.sealed = true;
      b.segmentEnd = segEnd;
      this.appendPos = segEnd;
      segStart = segEnd;
      segEnd += segSize;
    }
    if (this.appendPos === segStart) this.prepareSegments(segStart);
    const b = this.blockWithRoom(size, segEnd);
    const alloc = { buf: b.buf, pos: b.filled, physicalOffset: this.appendPos };
    b.filled += size;
    this.unissued += size;
    this.appendPos += size;
    return alloc;
  }

  /**
   * The allocated bytes are encoded: write them. Small amounts wait for the end of the loop
   * turn (one write carries everything appended in it); a large backlog goes out at once.
   */
  commit(): void {
    if (this.stopped) return;
    if (this.unissued >= EAGER_WRITE_BYTES && this.flights.length < MAX_WRITES_IN_FLIGHT) this.writeNext();
    if (this.unissued > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.runWrite);
    }
  }

  /** Asks for an fdatasync covering everything written (group commit: one in flight at a time). */
  requestFlush(): void {
    this.syncWanted = true;
    this.flushNow();
  }

  /**
   * Slave side: appends bytes replicated from the master verbatim at appendPos (RocketMQ's
   * appendToCommitLog). They may start or end inside a record but never cross a segment end;
   * they go through the same blocks, writes and fdatasyncs as local appends, so a torn tail
   * after a crash is cut by recovery like any other.
   */
  appendRaw(data: Buffer): void {
    const segSize = this.segments.segmentSize;
    const segStart = Math.floor(this.appendPos / segSize) * segSize;
    const segEnd = segStart + segSize;
    if (this.appendPos + data.length > segEnd) throw new RangeError('replicated bytes cross a commitlog segment');
    if (this.appendPos === segStart && data.length > 0) this.prepareSegments(segStart);
    let from = 0;
    while (from < data.length) {
      const b = this.blockWithRoom(1, segEnd, true);
      const n = Math.min(b.limit - b.filled, data.length - from);
      data.copy(b.buf, b.filled, from, from + n);
      b.filled += n;
      this.unissued += n;
      this.appendPos += n;
      from += n;
      if (b.filled === b.limit) b.sealed = true;
    }
    this.commit();
  }

  /**
   * Master side: up to `max` written bytes from `offset`, never past the end of its segment
   * (RocketMQ's getData for HA transfer). Undefined if nothing is written there yet or the
   * segment is gone.
   */
  readAvailable(offset: number, max: number): Promise<Buffer | undefined> | undefined {
    const size = this.availableSize(offset, max);
    if (size <= 0) return undefined;
    const hit = this.readCached(offset, size);
    return hit ? Promise.resolve(hit) : this.read(offset, size);
  }

  /** readAvailable's bytes if they are all in the write cache (zero-copy), else undefined. */
  readAvailableCached(offset: number, max: number): Buffer | undefined {
    const size = this.availableSize(offset, max);
    return size > 0 ? this.readCached(offset, size) : undefined;
  }

  /** Written bytes from `offset`, at most `max`, within one segment. */
  private availableSize(offset: number, max: number): number {
    const segSize = this.segments.segmentSize;
    const segEnd = Math.floor(offset / segSize) * segSize + segSize;
    return Math.min(max, this.writtenPos - offset, segEnd - offset);
  }

  /** The record bytes at `offset` if still cached (zero-copy). */
  readCached(offset: number, size: number): Buffer | undefined {
    // Unwritten records may still lack their body CRC (the writer fills it in).
    if (offset + size > this.writtenPos) return undefined;
    const bl = this.blocks;
    for (let i = bl.length - 1; i >= 0; i--) {
      const b = bl[i]!;
      if (offset >= b.start) {
        const rel = offset - b.start;
        if (rel + size > b.filled) return undefined;
        b.lent = true;
        return b.buf.subarray(rel, rel + size);
      }
    }
    return undefined;
  }

  /** Lowest physical offset served from the cache. */
  cacheStart(): number {
    return this.blocks[0]?.start ?? this.appendPos;
  }

  /** Reads [offset, offset+size) from memory or the segment file; undefined past the end. */
  async read(offset: number, size: number): Promise<Buffer | undefined> {
    const hit = this.readCached(offset, size);
    if (hit) return hit;
    if (offset + size > this.writtenPos) return undefined;
    const seg = this.segments.find(offset);
    if (!seg || offset - seg.start + size > this.segments.segmentSize) return undefined;
    const out = Buffer.allocUnsafe(size);
    const n = await readFully(seg.fd, out, 0, size, offset - seg.start);
    return n === size ? out : undefined;
  }

  /**
   * Reads the written bytes from `offset` on into `parts`, back to back, in one pool request
   * (a run of records interleaved with others', the others' bytes going to throw-away views).
   * False if the range is not all written, crosses a segment, or cannot be read.
   */
  async readInto(offset: number, parts: Buffer[], size: number): Promise<boolean> {
    if (offset + size > this.writtenPos) return false;
    const seg = this.segments.find(offset);
    if (!seg || offset - seg.start + size > this.segments.segmentSize) return false;
    return (await readvFully(seg.fd, parts, offset - seg.start).catch(() => -1)) === size;
  }

  /** Waits for every allocated byte to be written and synced. */
  async drain(): Promise<void> {
    for (
      let i = 0;
      i < 10_000 && (this.writtenPos < this.appendPos || this.flights.length > 0 || this.syncsInFlight > 0);
      i++
    ) {
      if (this.flights.length === 0 && !this.scheduled) this.writeNext();
      await new Promise((r) => setTimeout(r, 2));
    }
    if (this.flushedPos < this.writtenPos) {
      this.requestFlush();
      for (let i = 0; i < 10_000 && (this.flushedPos < this.writtenPos || this.syncsInFlight > 0); i++) {
        await new Promise((r) => setTimeout(r, 2));
      }
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.writer.close();
  }

  private blockWithRoom(size: number, segEnd: number, raw = false): Block {
    const last = this.blocks[this.blocks.length - 1];
    if (
      last &&
      !last.sealed &&
      last.raw === raw &&
      last.start + last.filled === this.appendPos &&
      last.limit - last.filled >= size
    ) {
      return last;
    }
    if (last) last.sealed = true;
    const cap = Math.min(Math.max(BLOCK_SIZE, size), segEnd - this.appendPos);
    // allocUnsafe: the bytes are always overwritten before they are written or read.
    const buf = cap === BLOCK_SIZE && this.spare.length > 0 ? this.spare.pop()! : this.writer.alloc(cap);
    const b: Block = {
      start: this.appendPos,
      buf,
      filled: 0,
      issued: 0,
      written: 0,
      limit: cap,
      segmentEnd: 0,
      sealed: false,
      lent: false,
      raw,
    };
    this.blocks.push(b);
    this.cachedBytes += cap;
    return b;
  }

  private prepareSegments(segStart: number): void {
    // The segment being entered and the one after it: rolling over then never waits on open.
    const size = this.segments.segmentSize;
    for (const s of [segStart, segStart + size]) {
      this.segments
        .ensure(s, s > segStart)
        .catch((e) => this.logger.error({ err: e, start: s }, 'cannot create commitlog segment'));
    }
  }

  private writeNext(): void {
    this.scheduled = false;
    while (!this.stopped && this.writeError === undefined && !this.waitingSegment) {
      if (this.flights.length >= MAX_WRITES_IN_FLIGHT || this.unissued === 0) return;
      const b = this.blocks.find((x) => x.issued < x.filled);
      if (!b) return;
      const seg = this.segments.find(b.start);
      const fill = seg && seg.stopFill !== true ? this.segments.stopFill(seg) : undefined;
      if (fill) {
        // Warm-up zero writes still in flight in this segment: let the last one land first.
        this.waitingSegment = true;
        void fill.finally(() => {
          this.waitingSegment = false;
          this.writeNext();
        });
        return;
      }
      if (!seg || seg.start > b.start) {
        // Segment still being created: wait for it, then carry on.
        this.waitingSegment = true;
        const segSize = this.segments.segmentSize;
        this.segments.ensure(Math.floor(b.start / segSize) * segSize).then(
          () => {
            this.waitingSegment = false;
            this.writeNext();
          },
          (e) => {
            this.waitingSegment = false;
            this.writeError = e;
            this.settleFailure();
          },
        );
        return;
      }
      // Always up to `filled`, a record boundary: the writer fills CRCs record by record from
      // `from`, so a range must never start inside a record.
      const from = b.issued;
      const to = b.filled;
      b.issued = to;
      this.unissued -= to - from;
      const f: Flight = { block: b, to, done: false, failed: false };
      this.flights.push(f);
      this.writes++;
      this.writeRange(seg.fd, f, from);
    }
  }

  /** Writes block bytes [from, f.to) (the writer fills in their body CRCs first). */
  private writeRange(fd: number, f: Flight, from: number): void {
    const b = f.block;
    const segStart = b.start - (b.start % this.segments.segmentSize);
    if (b.raw) {
      writeRaw(b.buf, fd, from, f.to, b.start - segStart + from, (e) => this.wrote(f, e));
      return;
    }
    this.writer.write(b.buf, fd, from, f.to, b.start - segStart + from, (e) => this.wrote(f, e));
  }

  private wrote(f: Flight, e: Error | undefined): void {
    f.done = true;
    if (e) {
      this.writeError ??= e;
      f.failed = true;
      this.settleFailure();
    } else {
      this.advance();
    }
  }

  /** Moves writtenPos over the completed prefix of the writes in flight. */
  private advance(): void {
    const fl = this.flights;
    let moved = false;
    while (fl.length > 0 && fl[0]!.done && !fl[0]!.failed) {
      const f = fl.shift()!;
      const b = f.block;
      b.written = f.to;
      this.writtenPos = b.written === b.filled && b.segmentEnd > 0 ? b.segmentEnd : b.start + b.written;
      moved = true;
    }
    if (this.writeError !== undefined) {
      this.settleFailure();
      return;
    }
    if (moved) {
      this.evict();
      this.events.onWritten(this.writtenPos);
      if (this.syncWanted) this.flushNow();
    }
    if (this.unissued > 0) this.writeNext();
  }

  /** After a failed write: once nothing is in flight, re-issue everything past writtenPos in 1 s. */
  private settleFailure(): void {
    if (this.flights.some((f) => !f.done) || this.waitingSegment) return;
    const e = this.writeError;
    this.flights = [];
    for (const b of this.blocks) {
      if (b.issued > b.written) {
        this.unissued += b.issued - b.written;
        b.issued = b.written;
      }
    }
    this.logger.error({ err: e }, 'commitlog write failed; retrying in 1 s');
    this.events.onWriteError(e);
    if (!this.stopped) {
      this.retryTimer = setTimeout(() => {
        this.writeError = undefined;
        this.writeNext();
      }, 1000);
    }
  }

  private evict(): void {
    while (this.cachedBytes > this.cacheLimit && this.blocks.length > 1) {
      const first = this.blocks[0]!;
      if (!first.sealed || first.written < first.filled) break;
      this.blocks.shift();
      this.cachedBytes -= first.limit;
      if (!first.lent && first.buf.length === BLOCK_SIZE && this.spare.length < 4) this.spare.push(first.buf);
      else this.writer.release(first.buf);
    }
  }

  /** Starts an fdatasync if one is due: something unsynced, a free slot, and for a second one a large backlog. */
  private flushNow(): void {
    if (this.syncsInFlight >= MAX_SYNCS_IN_FLIGHT) return;
    if (this.writtenPos <= this.syncIssuedTo) {
      if (this.syncsInFlight === 0) this.syncWanted = false;
      return;
    }
    // A second sync only for a large backlog; a small one waits for the first to finish.
    if (this.syncsInFlight > 0 && this.writtenPos - this.syncIssuedTo < CONCURRENT_SYNC_MIN_BYTES) return;
    this.syncsInFlight++;
    this.syncWanted = false;
    const target = this.writtenPos;
    this.syncIssuedTo = target;
    this.syncs++;
    const fds: number[] = [];
    for (const s of this.segments.list) {
      // Segments overlapping (flushedPos, target]: the tail one, or two across a rollover.
      // From flushedPos, not from what a sync in flight covers: this one may finish first.
      if (s.start < target && s.start + this.segments.segmentSize > this.flushedPos) fds.push(s.fd);
    }
    const sync = () => Promise.all(fds.map((fd) => fdatasync(fd)));
    (this.beforeSync ? this.beforeSync().then(sync) : sync()).then(
      () => {
        this.syncsInFlight--;
        // fdatasync makes everything written before it started durable, whatever an earlier
        // one still in flight covers: flushedPos may jump over it.
        if (target > this.flushedPos) {
          this.flushedPos = target;
          // After a failed sync lowered it, syncIssuedTo must not stay below flushedPos.
          if (target > this.syncIssuedTo) this.syncIssuedTo = target;
          this.events.onFlushed(this.flushedPos);
        }
        if (this.syncWanted) this.flushNow();
      },
      (e) => {
        this.syncsInFlight--;
        this.syncIssuedTo = this.flushedPos;
        this.logger.error({ err: e }, 'commitlog fdatasync failed');
        this.events.onWriteError(e);
      },
    );
  }
}

/** Replicated bytes: their CRCs came with them, so they are written as they are (see inlineWriter). */
function writeRaw(
  buf: Buffer,
  fd: number,
  from: number,
  to: number,
  position: number,
  done: (e: Error | undefined) => void,
): void {
  let error: Error | undefined;
  try {
    for (let n = from; n < to; ) n += writeSync(fd, buf, n, to - n, position + n - from);
  } catch (e) {
    error = e as Error;
  }
  queueMicrotask(() => done(error));
}
