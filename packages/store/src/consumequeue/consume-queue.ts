// One ConsumeQueue: `consumequeue/<topic>/<queueId>/<20-digit start byte offset>` files of
// fixed 20-byte entries (physical offset i64, size i32, tags code i64); entry i is queue
// offset i. Recent entries live in an in-memory chunk in the same byte format, so the flusher
// writes them as they are and pulls near the tail never touch the disk.
import { mkdir, readdir, rm, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { readInt64, writeInt64 } from '@rocketmq-ts/protocol';
import type { FdCache } from '../io/fd-cache.js';
import {
  closeFd,
  fdatasync,
  ftruncate,
  isOffsetFileName,
  offsetFileName,
  openFd,
  readFully,
  writeFully,
} from '../io/fs-async.js';

export const CQ_UNIT = 20;
const INITIAL_CHUNK = 64;
/** RocketMQ's OS page size for counting dirty ConsumeQueue pages. */
const PAGE = 4096;

/** Entries as stored: a buffer and the index of the first wanted entry in it. */
interface EntryView {
  buf: Buffer;
  /** Byte position of the first entry. */
  pos: number;
  count: number;
}

export const entryPhy = (b: Buffer, p: number): number => readInt64(b, p);
export const entrySize = (b: Buffer, p: number): number => b.readInt32BE(p + 8);
/** The tags field is a long: a sign-extended tag hash, or a delivery time for SCHEDULE_TOPIC_XXXX. */
export const entryTags = (b: Buffer, p: number): number => readInt64(b, p + 12);

const viewOf = (b: Buffer): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

export class ConsumeQueue {
  minOffset = 0;
  /** Next offset to dispatch (entries below exist). */
  maxOffset = 0;
  /** Next offset to assign at append time (≥ maxOffset; the gap is in flight). */
  assigned = 0;
  /** Entries below this are written to files. */
  flushedTo = 0;
  private chunk = Buffer.alloc(INITIAL_CHUNK * CQ_UNIT);
  /** View of `chunk` for put(): DataView stores skip Buffer#write*'s argument checks. */
  private chunkView = viewOf(this.chunk);
  private chunkStart = 0;
  private prev: Buffer | undefined;
  private prevStart = 0;
  private prevCount = 0;
  /** Entries to rewrite in place: offset, phy, size, tags (flat). */
  private repairs: number[] = [];
  readonly entriesPerFile: number;

  constructor(
    readonly topic: string,
    readonly queueId: number,
    readonly dir: string,
    readonly fileSize: number,
    /** Open files, shared by all queues of the store and capped. */
    private readonly fds: FdCache,
  ) {
    this.entriesPerFile = Math.floor(fileSize / CQ_UNIT);
  }

  /** Positions an empty in-memory tail at `max` (after loading or truncating files). */
  reset(min: number, max: number): void {
    this.minOffset = min;
    this.maxOffset = this.assigned = this.flushedTo = this.chunkStart = max;
    this.prev = undefined;
    this.prevCount = 0;
    this.repairs = [];
  }

  /** Appends the entry for queue offset `offset` (must be maxOffset, or re-dispatch of an older one). */
  put(offset: number, phy: number, size: number, tagsCode: number): void {
    if (offset < this.maxOffset) {
      // Recovery re-dispatch of an entry the files should already hold: rewrite it at the next
      // flush anyway, so a torn ConsumeQueue write (a hole of zeros) heals.
      if (offset < this.chunkStart && offset >= this.minOffset) this.repairs.push(offset, phy, size, tagsCode);
      return;
    }
    if (offset > this.maxOffset) {
      // A gap: only after damage. Keep positions aligned with queue offsets; the hole reads as invalid.
      while (this.maxOffset < offset) this.put(this.maxOffset, 0, 0, 0);
    }
    let i = this.maxOffset - this.chunkStart;
    if ((i + 1) * CQ_UNIT > this.chunk.length) {
      this.roll();
      i = this.maxOffset - this.chunkStart;
    }
    const p = i * CQ_UNIT;
    const v = this.chunkView;
    v.setInt32(p, Math.floor(phy / 0x100000000));
    v.setUint32(p + 4, phy >>> 0);
    v.setInt32(p + 8, size);
    v.setInt32(p + 12, Math.floor(tagsCode / 0x100000000));
    v.setUint32(p + 16, tagsCode >>> 0);
    this.maxOffset++;
    if (this.assigned < this.maxOffset) this.assigned = this.maxOffset;
  }

  private roll(): void {
    const used = this.maxOffset - this.chunkStart;
    if (this.flushedTo >= this.maxOffset) {
      // Everything written: keep the full chunk for tail reads and start a fresh one.
      this.prev = this.chunk;
      this.prevStart = this.chunkStart;
      this.prevCount = used;
      this.chunk = Buffer.alloc(this.chunk.length);
      this.chunkView = viewOf(this.chunk);
      this.chunkStart = this.maxOffset;
      return;
    }
    // Unwritten entries must stay in memory: grow instead.
    const bigger = Buffer.alloc(this.chunk.length * 2);
    this.chunk.copy(bigger, 0, 0, used * CQ_UNIT);
    this.chunk = bigger;
    this.chunkView = viewOf(bigger);
  }

  /** In-memory view of up to `count` entries from `offset`, or undefined if they are on disk only. */
  memoryView(offset: number, count: number): EntryView | undefined {
    if (offset >= this.chunkStart && offset < this.maxOffset) {
      return {
        buf: this.chunk,
        pos: (offset - this.chunkStart) * CQ_UNIT,
        count: Math.min(count, this.maxOffset - offset),
      };
    }
    if (this.prev && offset >= this.prevStart && offset < this.prevStart + this.prevCount) {
      return {
        buf: this.prev,
        pos: (offset - this.prevStart) * CQ_UNIT,
        count: Math.min(count, this.prevStart + this.prevCount - offset),
      };
    }
    return undefined;
  }

  /** Reads up to `count` entries from `offset`, never across a file boundary. */
  async read(offset: number, count: number): Promise<EntryView | undefined> {
    const mem = this.memoryView(offset, count);
    if (mem) return mem;
    if (offset < this.minOffset || offset >= this.maxOffset) return undefined;
    const fileIndex = Math.floor(offset / this.entriesPerFile);
    const inFile = offset - fileIndex * this.entriesPerFile;
    const n = Math.min(count, this.entriesPerFile - inFile, this.maxOffset - offset, this.flushedTo - offset);
    if (n <= 0) return undefined;
    const buf = Buffer.allocUnsafe(n * CQ_UNIT);
    const got = await this.withFile(fileIndex, false, (fd) => readFully(fd, buf, 0, n * CQ_UNIT, inFile * CQ_UNIT));
    if (got === undefined) return undefined;
    const whole = Math.floor(got / CQ_UNIT);
    return whole > 0 ? { buf, pos: 0, count: whole } : undefined;
  }

  /** Whether flush() has anything to write. */
  get dirty(): boolean {
    return this.flushedTo < this.maxOffset || this.repairs.length > 0;
  }

  /**
   * 4 KiB pages holding unflushed entries, counted as RocketMQ does (page of the write
   * position minus page of the flush position). Pending repairs make a queue due at once:
   * they rewrite entries the checkpoint already counts as flushed.
   */
  get dirtyPages(): number {
    if (this.repairs.length > 0) return Number.MAX_SAFE_INTEGER;
    return Math.floor((this.maxOffset * CQ_UNIT) / PAGE) - Math.floor((this.flushedTo * CQ_UNIT) / PAGE);
  }

  /** Physical offset of the first entry not yet on disk, if any: every record below it is. */
  firstUnflushedPhy(): number | undefined {
    if (this.flushedTo >= this.maxOffset) return undefined;
    const v = this.memoryView(this.flushedTo, 1);
    return v ? entryPhy(v.buf, v.pos) : 0;
  }

  /** Writes entries [flushedTo, maxOffset) (and pending repairs) to their files and fdatasyncs them; returns the fdatasyncs. */
  async flush(): Promise<number> {
    let syncs = 0;
    const end = this.maxOffset;
    let from = this.flushedTo;
    if (this.repairs.length > 0) {
      const rs = this.repairs;
      this.repairs = [];
      try {
        syncs += await this.writeRepairs(rs);
      } catch (e) {
        this.repairs = rs.concat(this.repairs);
        throw e;
      }
    }
    while (from < end) {
      const fileIndex = Math.floor(from / this.entriesPerFile);
      const upto = Math.min(end, (fileIndex + 1) * this.entriesPerFile);
      const view = this.memoryView(from, upto - from);
      if (!view) throw new Error(`consumequeue ${this.topic}/${this.queueId}: entries ${from} not in memory`);
      const len = view.count * CQ_UNIT;
      // Copy: the chunk keeps changing while the write is on the pool.
      const bytes = Buffer.from(view.buf.subarray(view.pos, view.pos + len));
      await this.writeSynced(fileIndex, bytes, (from - fileIndex * this.entriesPerFile) * CQ_UNIT);
      syncs++;
      from += view.count;
    }
    this.flushedTo = Math.max(this.flushedTo, end);
    return syncs;
  }

  /** Rewrites re-dispatched entries in place. Re-dispatch comes in queue order: one write per run of consecutive offsets. */
  private async writeRepairs(rs: number[]): Promise<number> {
    let i = 0;
    let syncs = 0;
    while (i < rs.length) {
      const first = rs[i]!;
      const fileIndex = Math.floor(first / this.entriesPerFile);
      let j = i + 4;
      while (j < rs.length && rs[j] === rs[j - 4]! + 1 && Math.floor(rs[j]! / this.entriesPerFile) === fileIndex)
        j += 4;
      const run = Buffer.alloc(((j - i) / 4) * CQ_UNIT);
      for (let k = i, p = 0; k < j; k += 4, p += CQ_UNIT) {
        writeInt64(run, rs[k + 1]!, p);
        run.writeInt32BE(rs[k + 2]!, p + 8);
        writeInt64(run, rs[k + 3]!, p + 12);
      }
      await this.writeSynced(fileIndex, run, (first - fileIndex * this.entriesPerFile) * CQ_UNIT);
      syncs++;
      i = j;
    }
    return syncs;
  }

  /** Writes `bytes` at `position` of a file (created if needed) and fdatasyncs it. */
  private async writeSynced(fileIndex: number, bytes: Buffer, position: number): Promise<void> {
    const ok = await this.withFile(fileIndex, true, async (fd) => {
      await writeFully(fd, bytes, 0, bytes.length, position);
      await fdatasync(fd);
      return true;
    });
    if (!ok) throw new Error(`consumequeue ${this.topic}/${this.queueId}: cannot open file ${fileIndex}`);
  }

  private filePath(fileIndex: number): string {
    return join(this.dir, offsetFileName(fileIndex * this.entriesPerFile * CQ_UNIT));
  }

  /**
   * Runs `fn` with the open file (opened, or with `create` created at full size, if needed);
   * undefined when the file is absent (and not created) or cannot be opened.
   */
  private withFile<T>(fileIndex: number, create: boolean, fn: (fd: number) => Promise<T>): Promise<T | undefined> {
    const path = this.filePath(fileIndex);
    return this.fds.use(path, () => openQueueFile(path, this.dir, this.entriesPerFile * CQ_UNIT, create), fn);
  }

  /** File start offsets (in entries) present on disk, ascending. */
  async files(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    return names
      .filter(isOffsetFileName)
      .map((n) => Number(n) / CQ_UNIT)
      .sort((a, b) => a - b);
  }

  /** Reads entry `index` of the file starting at entry `firstEntry` into `out`; false if absent. */
  async readEntry(firstEntry: number, index: number, out: Buffer): Promise<boolean> {
    const fileIndex = Math.floor(firstEntry / this.entriesPerFile);
    const got = await this.withFile(fileIndex, false, (fd) => readFully(fd, out, 0, CQ_UNIT, index * CQ_UNIT));
    return got === CQ_UNIT;
  }

  /** Zeroes on-disk entries [from, to) of the file holding `from` onwards (drops them for good). */
  async eraseFrom(from: number): Promise<void> {
    for (const first of await this.files()) {
      const last = first + this.entriesPerFile;
      if (last <= from) continue;
      const fileIndex = Math.floor(first / this.entriesPerFile);
      if (first >= from) {
        await this.deleteFile(fileIndex);
        continue;
      }
      const zeros = Buffer.alloc((last - from) * CQ_UNIT);
      await this.withFile(fileIndex, false, async (fd) => {
        await writeFully(fd, zeros, 0, zeros.length, (from - first) * CQ_UNIT);
        await fdatasync(fd);
      });
    }
  }

  async deleteFile(fileIndex: number): Promise<void> {
    const path = this.filePath(fileIndex);
    this.fds.forget(path);
    await unlink(path).catch(() => {});
  }

  /** Closes this queue's open files (they reopen on demand). */
  close(): void {
    this.fds.forgetPrefix(this.dir + sep);
  }

  async destroy(): Promise<void> {
    this.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Opens a queue file read-write; with `create`, creates it (and its folder) at full size. */
async function openQueueFile(path: string, dir: string, size: number, create: boolean): Promise<number> {
  try {
    return await openFd(path, 'r+');
  } catch (e) {
    if (!create || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dir, { recursive: true });
  // 'a+' creates without truncating (another open may have raced us); then r+ for positional writes.
  await closeFd(await openFd(path, 'a+'));
  const fd = await openFd(path, 'r+');
  await ftruncate(fd, size);
  return fd;
}
