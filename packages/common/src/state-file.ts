import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A small text file of server or client state (topics.json, consumerOffset.json,
 * delayOffset.json, kvConfig.json, a broadcast consumer's offsets) rewritten whole and
 * replaced atomically: the new content goes to `<file>.tmp`, is fsynced, renamed over the old
 * file, and the directory is fsynced, so a crash leaves the old or the new version, never a
 * torn one.
 *
 * Saves are serialised and coalesced: a save requested while one is running produces exactly
 * one more write, rendered when it starts so it carries the latest state. All I/O is
 * asynchronous.
 */
export class StateFile {
  private running: Promise<void> | undefined;
  private pending: (() => string | Promise<string>) | undefined;

  constructor(readonly path: string) {}

  /** The file's text, or undefined when it does not exist or is blank. */
  async read(): Promise<string | undefined> {
    try {
      const text = await readFile(this.path, 'utf8');
      return text.trim() === '' ? undefined : text;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** The parsed content, or undefined when the file does not exist. Throws on invalid JSON. */
  async load(): Promise<unknown> {
    const text = await this.read();
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  }

  /**
   * Schedules a write of `render()` (called when the write starts). Resolves once a write that
   * includes this request's state is durable; rejects if that write failed.
   */
  save(render: () => string | Promise<string>): Promise<void> {
    this.pending = render;
    if (this.running === undefined) {
      this.running = this.drain().finally(() => {
        this.running = undefined;
      });
    }
    // A write in progress picks `pending` up when it finishes.
    return this.running;
  }

  /** Replaces the content with `content`; see save(). */
  write(content: string): Promise<void> {
    return this.save(() => content);
  }

  /** Resolves when every save requested so far has finished (successfully or not). */
  idle(): Promise<void> {
    return this.running?.catch(() => {}) ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    while (this.pending !== undefined) {
      const render = this.pending;
      this.pending = undefined;
      await this.writeAtomically(await render());
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
