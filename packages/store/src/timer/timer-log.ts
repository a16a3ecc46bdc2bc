import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  closeFd,
  fdatasync,
  fstatSize,
  ftruncate,
  isOffsetFileName,
  offsetFileName,
  openFd,
  readFully,
  syncDir,
  writeFully,
} from '../io/fs-async.js';

// The timer log (RocketMQ's `timerlog/`): an append-only sequence of fixed 52-byte units, one
// per message taken into the wheel, in segment files named by their 20-digit start offset.
// Each unit links back to the previous unit of its wheel slot (prevPos), so a slot is read
// by walking its chain from the slot's lastPos. Layout (big-endian), as Java's TimerLog:
//
//   0 size (52)  4 prevPos (int64, -1 = first of its slot)  12 magic  16 enqueue time ms
//   24 delay ms from the enqueue time (int32)  28 commit log offset  36 record size
//   40 real-topic hash  44 reserved: rmq_sys_wheel_timer queue offset of the message
//
// A unit never spans two segments: when fewer than 52 bytes are left in a segment the next
// unit starts at the next segment (the rest stays zero). Appends are buffered in memory and
// written by flush(); reads see buffered units too.

export const TIMER_LOG_UNIT_SIZE = 52;
export const TimerMagic = { DEFAULT: 1, ROLL: 1 << 1, DELETE: 1 << 2 } as const;

export interface TimerUnit {
  pos: number;
  prevPos: number;
  magic: number;
  enqueueTimeMs: number;
  /** enqueueTimeMs + the stored delay: the slot time the unit was filed under. */
  delayedTimeMs: number;
  offsetPy: number;
  sizePy: number;
  topicHash: number;
  queueOffset: number;
}

/** Writes one unit at `at` of `buf`. */
export function writeTimerUnit(buf: Buffer, at: number, u: Omit<TimerUnit, 'pos'>): void {
  buf.writeInt32BE(TIMER_LOG_UNIT_SIZE, at);
  buf.writeBigInt64BE(BigInt(u.prevPos), at + 4);
  buf.writeInt32BE(u.magic, at + 12);
  buf.writeBigInt64BE(BigInt(u.enqueueTimeMs), at + 16);
  buf.writeInt32BE(u.delayedTimeMs - u.enqueueTimeMs, at + 24);
  buf.writeBigInt64BE(BigInt(u.offsetPy), at + 28);
  buf.writeInt32BE(u.sizePy, at + 36);
  buf.writeInt32BE(u.topicHash | 0, at + 40);
  buf.writeBigInt64BE(BigInt(u.queueOffset), at + 44);
}

const VALID_MAGIC = TimerMagic.DEFAULT | TimerMagic.ROLL | TimerMagic.DELETE;

/** The unit at `at` of `buf`, or undefined when those bytes are not a complete unit. */
export function readTimerUnit(buf: Buffer, at: number, pos: number): TimerUnit | undefined {
  if (at + TIMER_LOG_UNIT_SIZE > buf.length) return undefined;
  if (buf.readInt32BE(at) !== TIMER_LOG_UNIT_SIZE) return undefined;
  const magic = buf.readInt32BE(at + 12);
  if ((magic & TimerMagic.DEFAULT) === 0 || (magic & ~VALID_MAGIC) !== 0) return undefined;
  const prevPos = Number(buf.readBigInt64BE(at + 4));
  const enqueueTimeMs = Number(buf.readBigInt64BE(at + 16));
  const offsetPy = Number(buf.readBigInt64BE(at + 28));
  const sizePy = buf.readInt32BE(at + 36);
  const queueOffset = Number(buf.readBigInt64BE(at + 44));
  if (prevPos < -1 || prevPos >= pos || offsetPy < 0 || sizePy <= 0 || queueOffset < 0) return undefined;
  return {
    pos,
    prevPos,
    magic,
    enqueueTimeMs,
    delayedTimeMs: enqueueTimeMs + buf.readInt32BE(at + 24),
    offsetPy,
    sizePy,
    topicHash: buf.readInt32BE(at + 40),
    queueOffset,
  };
}

interface Segment {
  start: number;
  fd: number;
}

/** Bytes read from disk at once when a unit is not in memory (slot chains cluster). */
const WINDOW = 64 * 1024;
const MAX_WINDOWS = 32;

export class TimerLog {
  private readonly segments: Segment[] = [];
  /** Units appended and not yet written, as [segment-contained run start, buffer] pieces. */
  private pending: { pos: number; buf: Buffer; used: number }[] = [];
  private writePos = 0;
  private flushedPos = 0;
  private readonly windows = new Map<number, Buffer>();

  constructor(
    readonly dir: string,
    readonly fileSize: number,
  ) {
    if (fileSize < TIMER_LOG_UNIT_SIZE) throw new RangeError(`timer log file size ${fileSize} is below one unit`);
  }

  /** Next append position. */
  get endPos(): number {
    return this.writePos;
  }

  /** Bytes written and fsynced. */
  get durablePos(): number {
    return this.flushedPos;
  }

  /** Lowest position still on disk. */
  get minPos(): number {
    return this.segments[0]?.start ?? this.writePos;
  }

  /** Opens the segments; the end is the last segment's length (recover() trims it). */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).filter(isOffsetFileName).sort();
    for (const name of names) {
      const start = Number(name);
      const fd = await openFd(join(this.dir, name), 'r+');
      this.segments.push({ start, fd });
    }
    const last = this.segments[this.segments.length - 1];
    this.writePos = last ? last.start + Math.min(await fstatSize(last.fd), this.fileSize) : 0;
    this.flushedPos = this.writePos;
  }

  /**
   * Reads units from `from` (a unit boundary) to the end, calling `visit` for each complete
   * one in order, and cuts the log after the last complete unit (a torn tail after a crash).
   * Yields between chunks so a long tail does not hold the event loop.
   */
  async recover(from: number, visit: (u: TimerUnit) => void): Promise<void> {
    // Positions inside a segment are start + k·52; a damaged checkpoint is rounded down to one.
    const base = Math.max(this.minPos, from);
    const inSeg = base % this.fileSize;
    let pos = this.aligned(base - (inSeg % TIMER_LOG_UNIT_SIZE));
    const end = this.writePos;
    const chunk = Buffer.alloc(TIMER_LOG_UNIT_SIZE * 4096);
    let good = pos;
    outer: while (pos < end) {
      const seg = this.segmentOf(pos);
      if (!seg) break;
      const segEnd = Math.min(seg.start + this.fileSize, end);
      const want = Math.min(chunk.length, segEnd - pos);
      const n = await readFully(seg.fd, chunk, 0, want, pos - seg.start);
      let at = 0;
      while (at + TIMER_LOG_UNIT_SIZE <= n) {
        const u = readTimerUnit(chunk, at, pos + at);
        if (!u) break outer;
        visit(u);
        at += TIMER_LOG_UNIT_SIZE;
        good = this.aligned(pos + at);
      }
      if (at === 0) break;
      pos = this.aligned(pos + at);
      await new Promise<void>((r) => setImmediate(r));
    }
    await this.truncate(Math.min(good, end));
  }

  /** Appends one unit (buffered); returns its position. */
  append(u: Omit<TimerUnit, 'pos'>): number {
    const pos = this.aligned(this.writePos);
    let piece = this.pending[this.pending.length - 1];
    if (!piece || piece.pos + piece.used !== pos || piece.used + TIMER_LOG_UNIT_SIZE > piece.buf.length) {
      piece = { pos, buf: Buffer.allocUnsafe(TIMER_LOG_UNIT_SIZE * 1024), used: 0 };
      this.pending.push(piece);
    }
    writeTimerUnit(piece.buf, piece.used, u);
    piece.used += TIMER_LOG_UNIT_SIZE;
    this.writePos = pos + TIMER_LOG_UNIT_SIZE;
    return pos;
  }

  /** Reads the unit at `pos` (buffered, cached or from disk). */
  async read(pos: number): Promise<TimerUnit | undefined> {
    if (pos < 0 || pos + TIMER_LOG_UNIT_SIZE > this.writePos) return undefined;
    if (pos >= this.flushedPos) {
      for (const p of this.pending) {
        if (pos >= p.pos && pos + TIMER_LOG_UNIT_SIZE <= p.pos + p.used) return readTimerUnit(p.buf, pos - p.pos, pos);
      }
    }
    const seg = this.segmentOf(pos);
    if (!seg) return undefined;
    const inSeg = pos - seg.start;
    const wStart = seg.start + inSeg - (inSeg % WINDOW);
    let w = this.windows.get(wStart);
    if (!w || pos + TIMER_LOG_UNIT_SIZE > wStart + w.length) {
      const len = Math.min(WINDOW, seg.start + this.fileSize - wStart, this.flushedPos - wStart);
      const buf = Buffer.allocUnsafe(Math.max(len, 0));
      const n = await readFully(seg.fd, buf, 0, buf.length, wStart - seg.start);
      w = buf.subarray(0, n);
      // Only whole windows are cached: a partial one may grow.
      if (n === WINDOW) {
        if (this.windows.size >= MAX_WINDOWS) this.windows.delete(this.windows.keys().next().value as number);
        this.windows.set(wStart, w);
      }
    }
    return readTimerUnit(w, pos - wStart, pos);
  }

  /** Writes the buffered units and fsyncs them; resolves to the durable end. */
  async flush(): Promise<number> {
    const pieces = this.pending;
    this.pending = [];
    const touched = new Set<Segment>();
    for (const p of pieces) {
      const seg = await this.segmentFor(p.pos);
      await writeFully(seg.fd, p.buf, 0, p.used, p.pos - seg.start);
      touched.add(seg);
    }
    for (const seg of touched) await fdatasync(seg.fd);
    const end = pieces.length > 0 ? pieces[pieces.length - 1]!.pos + pieces[pieces.length - 1]!.used : this.flushedPos;
    this.flushedPos = Math.max(this.flushedPos, end);
    return this.flushedPos;
  }

  /** Deletes whole segments that end at or below `pos` (their units are all delivered). */
  async deleteBefore(pos: number): Promise<number> {
    let removed = 0;
    while (this.segments.length > 1 && this.segments[0]!.start + this.fileSize <= pos) {
      const seg = this.segments.shift()!;
      await closeFd(seg.fd);
      await unlink(join(this.dir, offsetFileName(seg.start)));
      removed++;
    }
    if (removed > 0) await syncDir(this.dir);
    return removed;
  }

  async close(): Promise<void> {
    for (const seg of this.segments.splice(0)) await closeFd(seg.fd);
    this.windows.clear();
  }

  /** `pos`, or the next segment's start when no whole unit fits before the segment end. */
  private aligned(pos: number): number {
    const inSeg = pos % this.fileSize;
    return inSeg + TIMER_LOG_UNIT_SIZE > this.fileSize ? pos - inSeg + this.fileSize : pos;
  }

  private segmentOf(pos: number): Segment | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i]!;
      if (pos >= s.start) return pos < s.start + this.fileSize ? s : undefined;
    }
    return undefined;
  }

  private async segmentFor(pos: number): Promise<Segment> {
    const found = this.segmentOf(pos);
    if (found) return found;
    const start = pos - (pos % this.fileSize);
    const fd = await openFd(join(this.dir, offsetFileName(start)), 'a+');
    await closeFd(fd);
    const seg = { start, fd: await openFd(join(this.dir, offsetFileName(start)), 'r+') };
    this.segments.push(seg);
    this.segments.sort((a, b) => a.start - b.start);
    await syncDir(this.dir);
    return seg;
  }

  private async truncate(end: number): Promise<void> {
    // Segments wholly past the end go; the one holding the end is cut there.
    while (this.segments.length > 0 && this.segments[this.segments.length - 1]!.start > end) {
      const seg = this.segments.pop()!;
      await closeFd(seg.fd);
      await unlink(join(this.dir, offsetFileName(seg.start)));
    }
    const last = this.segments[this.segments.length - 1];
    if (last && end - last.start < this.fileSize) {
      const size = await fstatSize(last.fd);
      if (size > end - last.start) await ftruncate(last.fd, end - last.start);
    }
    this.windows.clear();
    this.writePos = end;
    this.flushedPos = end;
  }
}
