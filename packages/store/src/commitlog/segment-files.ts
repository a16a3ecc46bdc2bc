// The CommitLog's segment files: `<root>/commitlog/<20-digit start offset>`, each exactly
// `segmentSize` bytes (created sparse, like RocketMQ's setLength on a mapped file). Opening the
// next segment is started ahead of need so rolling over never waits on open/ftruncate.
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@rocketmq-ts/common';
import { closeFd, ftruncate, isOffsetFileName, offsetFileName, openFd, syncDir, zeroRange } from '../io/fs-async.js';

export interface Segment {
  start: number;
  fd: number;
  path: string;
}

export class SegmentFiles {
  /** Open segments sorted by start offset. */
  readonly list: Segment[] = [];
  private readonly creating = new Map<number, Promise<Segment>>();

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
      this.list.push({ start: Number(name), fd: await openFd(path, 'r+'), path });
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
    // Writing into pages that already exist in the page cache is several times faster than
    // first-touching fresh ones; a segment created ahead of need can pay that cost off the
    // append path. It is listed only afterwards, so appends never race the zero fill.
    if (warm) await zeroRange(fd, 0, this.segmentSize);
    await syncDir(this.dir);
    const seg: Segment = { start, fd, path };
    const i = this.list.findIndex((s) => s.start > start);
    if (i < 0) this.list.push(seg);
    else this.list.splice(i, 0, seg);
    this.logger.debug({ start }, 'commitlog segment created');
    return seg;
  }

  /** Deletes the first (oldest) segment. */
  async deleteFirst(): Promise<Segment | undefined> {
    const seg = this.list.shift();
    if (!seg) return undefined;
    await closeFd(seg.fd).catch(() => {});
    await unlink(seg.path).catch(() => {});
    return seg;
  }

  /** Deletes every segment starting at or after `offset` (recovery truncation). */
  async deleteFrom(offset: number): Promise<void> {
    while (this.list.length > 0 && this.list[this.list.length - 1]!.start >= offset) {
      const seg = this.list.pop()!;
      await closeFd(seg.fd).catch(() => {});
      await unlink(seg.path).catch(() => {});
    }
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.creating.values()]);
    for (const s of this.list) await closeFd(s.fd).catch(() => {});
    this.list.length = 0;
  }
}
