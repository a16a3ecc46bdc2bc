import { readInt64, writeInt64 } from '@rocketmq-ts/protocol';
import { closeFd, fdatasync, fstatSize, openFd, readFully, writeFully } from '../io/fs-async.js';

// The time wheel (RocketMQ's `timerwheel` file): 2 × slotsTotal slots of 32 bytes, slot i
// holding the timer-log chain of the moment t with t / precision ≡ i (mod 2 × slotsTotal).
// Layout per slot (big-endian): time / precision (int64), firstPos (int64), lastPos (int64),
// num (int32), magic (int32). A slot whose stored time differs from the asked one is empty
// (it belongs to another revolution).
//
// The whole wheel is one Buffer (Node has no mmap): Buffer.alloc is lazily zeroed by the OS,
// so untouched slots cost no memory; writes mark 4 KiB pages dirty and flush() writes only
// those.

export const TIMER_SLOT_SIZE = 32;
/** RocketMQ's TIMER_WHEEL_TTL_DAY × DAY_SECS: the slot count does not depend on the precision. */
export const DEFAULT_TIMER_SLOTS_TOTAL = 7 * 24 * 3600;
const PAGE = 4096;
const READ_CHUNK = 1024 * 1024;

export interface TimerSlot {
  /** Slot time in ms, -1 for an empty slot. */
  timeMs: number;
  firstPos: number;
  lastPos: number;
  num: number;
  magic: number;
}

const EMPTY: TimerSlot = { timeMs: -1, firstPos: -1, lastPos: -1, num: 0, magic: 0 };

export class TimerWheel {
  private readonly buf: Buffer;
  private readonly slots: number;
  private readonly dirty = new Set<number>();
  private fd: number | undefined;
  /** Pages loaded or written since the last load: a reload zeroes them first. */
  private readonly used = new Set<number>();

  constructor(
    readonly path: string,
    readonly slotsTotal: number,
    readonly precisionMs: number,
  ) {
    this.slots = slotsTotal * 2;
    this.buf = Buffer.alloc(this.slots * TIMER_SLOT_SIZE);
  }

  /** Reads the wheel file if there is one (in chunks, yielding between them). */
  async load(): Promise<void> {
    // Loaded again after a close (a broker promoted once more): the file is the truth, and
    // only the pages this buffer ever held are zeroed (the rest were never touched).
    for (const p of this.used) this.buf.fill(0, p * PAGE, Math.min((p + 1) * PAGE, this.buf.length));
    this.used.clear();
    this.dirty.clear();
    let fd: number;
    try {
      fd = await openFd(this.path, 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    this.fd = fd;
    const size = Math.min(await fstatSize(fd), this.buf.length);
    for (let p = 0; p * PAGE < size; p++) this.used.add(p);
    for (let at = 0; at < size; at += READ_CHUNK) {
      await readFully(fd, this.buf, at, Math.min(READ_CHUNK, size - at), at);
    }
  }

  /** Empties every slot (a rebuild from the timer log follows); the next flush writes it all. */
  clear(): void {
    this.buf.fill(0);
    for (let p = 0; p * PAGE < this.buf.length; p++) this.dirty.add(p);
  }

  slotIndex(timeMs: number): number {
    return Math.floor(timeMs / this.precisionMs) % this.slots;
  }

  /** The slot of `timeMs` (floored to the precision), or the empty slot. */
  getSlot(timeMs: number): TimerSlot {
    const at = this.slotIndex(timeMs) * TIMER_SLOT_SIZE;
    const t = readInt64(this.buf, at);
    if (t !== Math.floor(timeMs / this.precisionMs) || t === 0) return EMPTY;
    return {
      timeMs: t * this.precisionMs,
      firstPos: readInt64(this.buf, at + 8),
      lastPos: readInt64(this.buf, at + 16),
      num: this.buf.readInt32BE(at + 24),
      magic: this.buf.readInt32BE(at + 28),
    };
  }

  putSlot(timeMs: number, firstPos: number, lastPos: number, num: number, magic: number): void {
    const at = this.slotIndex(timeMs) * TIMER_SLOT_SIZE;
    writeInt64(this.buf, Math.floor(timeMs / this.precisionMs), at);
    writeInt64(this.buf, firstPos, at + 8);
    writeInt64(this.buf, lastPos, at + 16);
    this.buf.writeInt32BE(num, at + 24);
    this.buf.writeInt32BE(magic, at + 28);
    this.dirty.add(Math.floor(at / PAGE));
    this.used.add(Math.floor(at / PAGE));
  }

  /** Marks a slot delivered: its count drops to zero (the chain stays for a re-read after a crash). */
  setNum(timeMs: number, num: number): void {
    const s = this.getSlot(timeMs);
    if (s.timeMs < 0) return;
    this.putSlot(timeMs, s.firstPos, s.lastPos, num, s.magic);
  }

  /** Sum of `num` over `count` slots from `fromMs` (callers spread a long scan over calls). */
  sumNum(fromMs: number, count: number): number {
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const s = this.getSlot(fromMs + i * this.precisionMs);
      if (s.timeMs >= 0) sum += s.num;
    }
    return sum;
  }

  /** Smallest firstPos among slots of the next full turn from `fromMs` (timer log retention). */
  minFirstPos(fromMs: number, count: number): number {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < count; i++) {
      const s = this.getSlot(fromMs + i * this.precisionMs);
      if (s.timeMs >= 0 && s.num > 0 && s.firstPos >= 0 && s.firstPos < min) min = s.firstPos;
    }
    return min;
  }

  /** Writes the dirty pages and fsyncs the file (created on the first flush). */
  async flush(): Promise<void> {
    if (this.dirty.size === 0) return;
    if (this.fd === undefined) {
      await closeFd(await openFd(this.path, 'a+'));
      this.fd = await openFd(this.path, 'r+');
    }
    const pages = [...this.dirty].sort((a, b) => a - b);
    this.dirty.clear();
    const fd: number = this.fd;
    let i = 0;
    while (i < pages.length) {
      // Adjacent pages go out in one write.
      let j = i;
      while (j + 1 < pages.length && pages[j + 1] === pages[j]! + 1 && j - i < 255) j++;
      const from = pages[i]! * PAGE;
      const to = Math.min((pages[j]! + 1) * PAGE, this.buf.length);
      await writeFully(fd, this.buf, from, to - from, from);
      i = j + 1;
    }
    await fdatasync(fd);
  }

  async close(): Promise<void> {
    if (this.fd !== undefined) await closeFd(this.fd);
    this.fd = undefined;
  }
}
