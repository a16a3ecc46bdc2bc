// The epoch file of controller mode (RocketMQ 5.x EpochFileCache on a CheckpointFile): which
// master epoch wrote which part of the CommitLog. An entry (epoch, startOffset) says "bytes from
// startOffset on were written by the master of `epoch`"; an entry ends where the next begins,
// the last one at the log's end. Replicas compare their lists to find the last offset where
// their logs are the same history (consistentPoint) and truncate what lies beyond.
//
// On disk, `<storePathRootDir>/epochFileCheckpoint`, text (RocketMQ's layout):
//   line 1  entry count
//   line 2  CRC32 of the entry lines (each with its "\n"), decimal
//   then    one "epoch-startOffset" line per entry, ascending
// A change writes the whole file to `.tmp`, fdatasyncs it, renames it over the file and syncs
// the directory; the previous content is kept as `.bak` first. A torn or corrupt file (count or
// CRC wrong) falls back to `.bak`, and to an empty list when both are bad.
import { constants } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from '@rocketmq-ts/protocol';
import { syncDir } from '../io/fs-async.js';

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export const EPOCH_FILE_NAME = 'epochFileCheckpoint';

export type EpochDecodeResult = { ok: true; entries: EpochEntry[] } | { ok: false; error: string };

export function encodeEpochFile(entries: readonly EpochEntry[]): string {
  const body = entries.map((e) => `${e.epoch}-${e.startOffset}\n`).join('');
  return `${entries.length}\n${crc32(Buffer.from(body, 'utf8'))}\n${body}`;
}

/** Pure: the file's text to entries; any inconsistency is an error (the caller falls back). */
export function decodeEpochFile(text: string): EpochDecodeResult {
  const lines = text.split('\n');
  if (lines.length < 3) return { ok: false, error: 'epoch file shorter than its header' };
  const count = Number(lines[0]);
  const crc = Number(lines[1]);
  if (!Number.isInteger(count) || count < 0 || lines[0] === '')
    return { ok: false, error: `bad entry count ${lines[0]}` };
  if (!Number.isInteger(crc) || lines[1] === '') return { ok: false, error: `bad crc ${lines[1]}` };
  const entryLines = lines.slice(2, 2 + count);
  if (entryLines.length !== count || lines.slice(2 + count).join('') !== '')
    return { ok: false, error: `epoch file holds ${lines.length - 3} entry lines, header says ${count}` };
  const body = entryLines.map((l) => `${l}\n`).join('');
  if (crc !== 0 && crc32(Buffer.from(body, 'utf8')) !== crc) return { ok: false, error: 'epoch file crc mismatch' };
  const entries: EpochEntry[] = [];
  for (const l of entryLines) {
    const m = /^(\d+)-(\d+)$/.exec(l);
    if (!m) return { ok: false, error: `bad epoch entry '${l}'` };
    const e = { epoch: Number(m[1]), startOffset: Number(m[2]) };
    const prev = entries[entries.length - 1];
    if (prev && (e.epoch <= prev.epoch || e.startOffset < prev.startOffset))
      return { ok: false, error: `epoch entries out of order at '${l}'` };
    entries.push(e);
  }
  return { ok: true, entries };
}

/**
 * Pure: the offset up to which two replicas hold the same history (RocketMQ's
 * findConsistentPoint). Walk the local entries from the newest; the first epoch the master has
 * with the same start offset gives min(local end, master end) of that epoch, where an entry's
 * end is the next entry's start and the last one's is the log's max offset. -1: nothing in
 * common (manual repair); the local max when the local list is empty (nothing to compare).
 */
export function consistentPoint(
  local: readonly EpochEntry[],
  localMax: number,
  master: readonly EpochEntry[],
  masterMax: number,
): number {
  if (local.length === 0) return localMax;
  const endOf = (list: readonly EpochEntry[], i: number, max: number) => list[i + 1]?.startOffset ?? max;
  for (let i = local.length - 1; i >= 0; i--) {
    const l = local[i]!;
    const j = master.findIndex((m) => m.epoch === l.epoch);
    if (j < 0 || master[j]!.startOffset !== l.startOffset) continue;
    return Math.min(endOf(local, i, localMax), endOf(master, j, masterMax));
  }
  return -1;
}

export class EpochFile {
  private list: EpochEntry[] = [];
  /** Writes are serialised: a later change never lands before an earlier one. */
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Reads the file (or its `.bak`); returns what was wrong with them, if anything. */
  async load(): Promise<string | undefined> {
    const main = await readText(this.path);
    if (main === undefined) {
      this.list = [];
      return undefined;
    }
    const a = decodeEpochFile(main);
    if (a.ok) {
      this.list = a.entries;
      return undefined;
    }
    const bak = await readText(`${this.path}.bak`);
    const b = bak === undefined ? undefined : decodeEpochFile(bak);
    this.list = b?.ok ? b.entries : [];
    return `${a.error}; ${b?.ok ? 'used the .bak copy' : 'no usable .bak: epoch list empty'}`;
  }

  entries(): EpochEntry[] {
    return this.list.map((e) => ({ ...e }));
  }

  lastEpoch(): number {
    return this.list[this.list.length - 1]?.epoch ?? 0;
  }

  lastEntry(): EpochEntry | undefined {
    return this.list[this.list.length - 1];
  }

  /** The entry whose range holds `offset`. */
  entryAt(offset: number): EpochEntry | undefined {
    let hit: EpochEntry | undefined;
    for (const e of this.list) if (e.startOffset <= offset) hit = e;
    return hit;
  }

  /** The start of the entry after `epoch`'s (undefined for the last one). */
  endOf(epoch: number): number | undefined {
    const i = this.list.findIndex((e) => e.epoch === epoch);
    return i < 0 ? undefined : this.list[i + 1]?.startOffset;
  }

  /**
   * Appends (epoch, startOffset); both must exceed the last entry's (an equal start replaces an
   * entry whose range is empty). False: refused, nothing changed.
   */
  async append(epoch: number, startOffset: number): Promise<boolean> {
    const last = this.lastEntry();
    if (last && (epoch <= last.epoch || startOffset < last.startOffset)) return false;
    if (last && startOffset === last.startOffset) this.list.pop();
    this.list.push({ epoch, startOffset });
    await this.persist();
    return true;
  }

  /** Drops the entries that start at or after `offset` (after the log was cut there). */
  async truncateFromOffset(offset: number): Promise<void> {
    const keep = this.list.filter((e) => e.startOffset < offset);
    if (keep.length === this.list.length) return;
    this.list = keep;
    await this.persist();
  }

  /** Drops the entries whose range ends at or below `minOffset` (old segments deleted); the last stays. */
  async truncatePrefix(minOffset: number): Promise<void> {
    let drop = 0;
    while (drop < this.list.length - 1 && this.list[drop + 1]!.startOffset <= minOffset) drop++;
    if (drop === 0) return;
    this.list = this.list.slice(drop);
    await this.persist();
  }

  private persist(): Promise<void> {
    const text = encodeEpochFile(this.list);
    const run = () => writeAtomically(this.path, text);
    this.writing = this.writing.then(run, run);
    return this.writing;
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  await copyFile(path, `${path}.bak`).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY, 0o644);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await syncDir(dir);
}
