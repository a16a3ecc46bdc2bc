// The CommitLog's segment files: `<root>/commitlog/<20-digit start offset>`, each exactly
// `segmentSize` bytes (created sparse, like RocketMQ's setLength on a mapped file). Opening the
// next segment is started ahead of need so rolling over never waits on open/ftruncate.
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@rocketmq-ts/common';
import {
  closeFd,
  fdatasync,
  fstatSize,
  ftruncate,
  isOffsetFileName,
  offsetFileName,
  openFd,
  syncDir,
  writeFully,
} from '../io/fs-async.js';

export interface Segment {
  start: number;
  fd: number;
  path: string;
  /** warmMapedFileEnable: the zero-fill chunk in flight, while the fill runs. */
  filling?: Promise<void> | undefined;
  stopFill?: boolean;
}

/**
 * Paced warm-up: 1 MiB zero writes with a pause after each, ~64 MiB/s at most. A full-speed
 * fill of a 1 GiB segment dirtied 1 GiB of page cache in about two seconds and the writeback
 * then saturated the disk right after start-up (latency tails in the broker); paced, the
 * kernel writes it back as it goes.
 */
const FILL_CHUNK = 1024 * 1024;
const FILL_PAUSE_MS = 16;
const ZEROS = Buffer.alloc(FILL_CHUNK);

export class SegmentFiles {
  /** Open segments sorted by start offset. */
  readonly list: Segment[] = [];
  private readonly creating = new Map<number, Promise<Segment>>();
  /** Set by closeAll: no warm-up may start or continue after it (see fill). */
  private closed = false;

  constructor(
    readonly dir: string,
    readonly segmentSize: number,
    private readonly logger: Logger,
    /** Zero-fill segments created ahead of need (RocketMQ warmMapedFileEnable). */
    private readonly warm = false,
  ) {}

  async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).filter(isOffsetFileName).sort();
    for (const name of names) {
      const path = join(this.dir, name);
      const fd = await openFd(path, 'r+');
      // A crash between creating a segment and sizing it (see create) leaves it short, often
      // empty. Records written into it later would stop at its end of file, and its end
      // filler would run past it: grow it to full size (zeros), as create would have.
      const length = await fstatSize(fd);
      if (length < this.segmentSize) {
        this.logger.warn({ path, length }, 'commitlog segment shorter than its size; growing it');
        await ftruncate(fd, this.segmentSize);
        await fdatasync(fd);
      }
      this.list.push({ start: Number(name), fd, path });
    }
  }

  /** The segment holding `offset`, if it exists and is open. */
  find(offset: number): Segment | undefined {
    const l = this.list;
    let lo = 0;
    let hi = l.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = l[mid]!;
      if (offset < s.start) hi = mid - 1;
      else if (offset >= s.start + this.segmentSize) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  /** Opens (creating and sizing if needed) the segment starting at `start`. Idempotent. */
  ensure(start: number, ahead = false): Promise<Segment> {
    const have = this.find(start);
    if (have && have.start === start) return Promise.resolve(have);
    let p = this.creating.get(start);
    if (!p) {
      p = this.create(start, ahead && this.warm);
      this.creating.set(start, p);
      p.finally(() => this.creating.delete(start)).catch(() => {});
    }
    return p;
  }

  private async create(start: number, warm: boolean): Promise<Segment> {
    const path = join(this.dir, offsetFileName(start));
    const fd = await openFd(path, 'a+').then(async (probe) => {
      // 'a+' creates without truncating; reopen r+ for positional writes (append mode ignores positions on Linux).
      await closeFd(probe);
      return openFd(path, 'r+');
    });
    await ftruncate(fd, this.segmentSize);
    await syncDir(this.dir);
    const seg: Segment = { start, fd, path };
    const i = this.list.findIndex((s) => s.start > start);
    if (i < 0) this.list.push(seg);
    else this.list.splice(i, 0, seg);
    this.logger.debug({ start, warm }, 'commitlog segment created');
    // Writing into pages already in the page cache is several times cheaper than first-touch
    // writes, so a segment created ahead of need may be zero-filled in the background. The
    // fill stops for good before the first record is written into the segment (stopFill).
    if (warm && !this.closed) this.fill(seg, 0);
    return seg;
  }

  private fill(seg: Segment, pos: number): void {
    // After closeAll a fill step could land in a file another store instance (same process,
    // e.g. a restart) has reopened and written records into: zeros would erase them.
    if (seg.stopFill || this.closed || pos >= this.segmentSize) {
      seg.filling = undefined;
      return;
    }
    const len = Math.min(FILL_CHUNK, this.segmentSize - pos);
    seg.filling = writeFully(seg.fd, ZEROS, 0, len, pos).then(
      () => {
        setTimeout(() => this.fill(seg, pos + len), FILL_PAUSE_MS).unref();
      },
      (e) => {
        seg.filling = undefined;
        this.logger.warn({ err: e, start: seg.start }, 'commitlog segment warm-up stopped');
      },
    );
  }

  /**
   * Ends a segment's warm-up before records are written into it: resolves once no zero
   * write is in flight (a zero write landing after a record would erase it).
   */
  stopFill(seg: Segment): Promise<void> | undefined {
    seg.stopFill = true;
    return seg.filling;
  }

  /** Deletes the first (oldest) segment. */
  async deleteFirst(): Promise<Segment | undefined> {
    const seg = this.list.shift();
    if (!seg) return undefined;
    await this.stopFill(seg);
    await closeFd(seg.fd).catch(() => {});
    await unlink(seg.path).catch(() => {});
    return seg;
  }

  /** Deletes every segment starting at or after `offset` (recovery truncation). */
  async deleteFrom(offset: number): Promise<void> {
    while (this.list.length > 0 && this.list[this.list.length - 1]!.start >= offset) {
      const seg = this.list.pop()!;
      // A zero write still in flight on a closed descriptor number would land in the next file opened.
      await this.stopFill(seg);
      await closeFd(seg.fd).catch(() => {});
      await unlink(seg.path).catch(() => {});
    }
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.creating.values()]);
    await Promise.allSettled(this.list.map((s) => this.stopFill(s) ?? Promise.resolve()));
    for (const s of this.list) await closeFd(s.fd).catch(() => {});
    this.list.length = 0;
  }
}
