// Thin promise wrappers over the callback fs API on raw fds. The callback API is used (not
// FileHandle) because the append path calls write/fdatasync constantly and raw fds avoid the
// FileHandle bookkeeping; everything here runs on the libuv pool, never on the event loop.
import * as fs from 'node:fs';

export function openFd(path: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(path, flags, 0o644, (e, fd) => (e ? reject(e) : resolve(fd))));
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, (e) => (e ? reject(e) : resolve())));
}

/** Reads exactly `length` bytes unless the file ends first; returns the count read. */
export async function readFully(
  fd: number,
  buf: Buffer,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await new Promise<number>((resolve, reject) =>
      fs.read(fd, buf, offset + done, length - done, position + done, (e, bytes) => (e ? reject(e) : resolve(bytes))),
    );
    if (n === 0) break;
    done += n;
  }
  return done;
}

/**
 * Reads the file from `position` into `parts` in order (preadv), filling each before the next;
 * returns the count read (short only if the file ends first). One pool request scatters a
 * range over many buffers: callers skip bytes they do not want by passing throw-away views.
 */
export async function readvFully(fd: number, parts: Buffer[], position: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < parts.length; i++) total += parts[i]!.length;
  let done = 0;
  let list = parts;
  while (done < total) {
    const n = await new Promise<number>((resolve, reject) =>
      fs.readv(fd, list, position + done, (e, bytes) => (e ? reject(e) : resolve(bytes))),
    );
    if (n === 0) break;
    done += n;
    if (done < total) list = after(parts, done);
  }
  return done;
}

/** The views of `parts` past its first `skip` bytes. */
function after(parts: Buffer[], skip: number): Buffer[] {
  let i = 0;
  while (skip >= parts[i]!.length) skip -= parts[i++]!.length;
  return [parts[i]!.subarray(skip), ...parts.slice(i + 1)];
}

/** Writes all of `length` bytes at `position` (retrying short writes). */
export async function writeFully(
  fd: number,
  buf: Buffer,
  offset: number,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const n = await new Promise<number>((resolve, reject) =>
      fs.write(fd, buf, offset + done, length - done, position + done, (e, bytes) => (e ? reject(e) : resolve(bytes))),
    );
    done += n;
  }
}

export function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (e) => (e ? reject(e) : resolve())));
}

export function ftruncate(fd: number, length: number): Promise<void> {
  return new Promise((resolve, reject) => fs.ftruncate(fd, length, (e) => (e ? reject(e) : resolve())));
}

export function fstatSize(fd: number): Promise<number> {
  return new Promise((resolve, reject) => fs.fstat(fd, (e, st) => (e ? reject(e) : resolve(st.size))));
}

/** Fsyncs a directory so a created, renamed or deleted entry survives power loss. */
export async function syncDir(path: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = await openFd(path, 'r');
    await fdatasync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; entry durability is then best effort.
  } finally {
    if (fd !== undefined) await closeFd(fd).catch(() => {});
  }
}

/** A 20-digit zero-padded offset: the name of CommitLog and ConsumeQueue files. */
export const offsetFileName = (offset: number): string => String(offset).padStart(20, '0');
export const isOffsetFileName = (name: string): boolean => /^\d{20}$/.test(name);
