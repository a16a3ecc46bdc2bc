import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * One JSON file of broker state (topics.json, subscriptionGroup.json, consumerOffset.json),
 * replaced atomically: the new content goes to `<file>.tmp`, is fsynced, then renamed over
 * the old file and the directory is fsynced, so a crash leaves either the old or the new
 * version, never a torn one. Saves are serialised and coalesced: a save requested while one
 * is running produces exactly one more write with the latest content.
 *
 * All I/O is asynchronous (the event loop is never blocked after start-up).
 */
export class JsonStateFile {
  private running: Promise<void> | undefined;
  private pending: (() => string) | undefined;

  constructor(readonly path: string) {}

  /** The parsed content, or undefined when the file does not exist. Throws on invalid JSON. */
  async load(): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    if (text.trim() === '') return undefined;
    return JSON.parse(text) as unknown;
  }

  /**
   * Schedules a write of `render()` (called when the write starts, so it sees the latest
   * state). Resolves once a write that includes this request's state is durable.
   */
  save(render: () => string): Promise<void> {
    this.pending = render;
    if (this.running === undefined) {
      this.running = this.drain().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    // A write is in progress; the drain loop picks `pending` up after it.
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending !== undefined) {
      const render = this.pending;
      this.pending = undefined;
      await this.writeAtomically(render());
    }
  }

  private async writeAtomically(content: string): Promise<void> {
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true });
    const tmp = `${this.path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(content, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
    // The rename is durable only once the directory entry is.
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } catch {
      // Some filesystems refuse fsync on a directory; the rename is still atomic.
    } finally {
      await dh.close();
    }
  }
}
