import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

// Progress of background services (delayOffset.json, the transaction check offsets) is a
// small text file rewritten whole. A crash must leave the old or the new content, never a
// torn mix: write `<file>.tmp`, fsync it, rename it over the file, fsync the directory.
// Writes are serialised so an older snapshot never lands after a newer one.

export class ProgressFile {
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** The file's text, or undefined when it does not exist (or is empty). */
  async read(): Promise<string | undefined> {
    try {
      const text = await readFile(this.path, 'utf8');
      return text.trim() === '' ? undefined : text;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Replaces the content atomically; resolves once it is durable. */
  write(content: string): Promise<void> {
    const next = this.chain.then(() => this.writeNow(content));
    // A failed write must not wedge later ones; the caller still sees this failure.
    this.chain = next.catch(() => {});
    return next;
  }

  private async writeNow(content: string): Promise<void> {
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
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } catch {
      // Some filesystems refuse fsync on directories; the rename itself is still atomic.
    } finally {
      await dh.close();
    }
  }
}
