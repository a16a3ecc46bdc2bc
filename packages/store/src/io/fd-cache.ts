// Open file descriptors shared by many files, least recently used closed first. ConsumeQueue
// files stay open between flushes (opening, writing and closing each one every second was
// thousands of pool operations per second with many queues), but 1024 topics × 8 queues must
// not hold 8192 descriptors: above `max` idle ones are closed. A descriptor is pinned while an
// operation uses it, so it is never closed under a read, write or fdatasync.
import { closeFd } from './fs-async.js';

interface Entry {
  fd: Promise<number>;
  pins: number;
  /** Out of the cache: close when the last user is done. */
  doomed: boolean;
}

export class FdCache {
  /** Map order is use order: the first entries are the least recently used. */
  private readonly open = new Map<string, Entry>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.open.size;
  }

  /**
   * Runs `fn` with the descriptor of `key`, opening it with `openFile` if needed. Returns
   * undefined when opening fails (the failure is not cached: a later call tries again).
   */
  async use<T>(key: string, openFile: () => Promise<number>, fn: (fd: number) => Promise<T>): Promise<T | undefined> {
    let e = this.open.get(key);
    if (e) {
      this.open.delete(key);
      this.open.set(key, e);
    } else {
      e = { fd: openFile(), pins: 0, doomed: false };
      this.open.set(key, e);
    }
    e.pins++;
    let fd: number;
    try {
      fd = await e.fd;
    } catch {
      e.pins--;
      if (this.open.get(key) === e) this.open.delete(key);
      return undefined;
    }
    try {
      return await fn(fd);
    } finally {
      e.pins--;
      if (e.doomed) this.closeIfIdle(e);
      else this.trim();
    }
  }

  /** Closes the descriptor of `key` now, or when its last user is done (file deleted or store closing). */
  forget(key: string): void {
    const e = this.open.get(key);
    if (!e) return;
    this.open.delete(key);
    e.doomed = true;
    this.closeIfIdle(e);
  }

  /** Forgets every key starting with `prefix` (a queue's directory). */
  forgetPrefix(prefix: string): void {
    for (const k of [...this.open.keys()]) if (k.startsWith(prefix)) this.forget(k);
  }

  closeAll(): void {
    for (const k of [...this.open.keys()]) this.forget(k);
  }

  private trim(): void {
    if (this.open.size <= this.max) return;
    for (const [key, e] of this.open) {
      if (this.open.size <= this.max) break;
      if (e.pins === 0) this.forget(key);
    }
  }

  private closeIfIdle(e: Entry): void {
    if (e.pins > 0) return;
    e.fd.then(
      (fd) => closeFd(fd).catch(() => {}),
      () => {},
    );
  }
}
