import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { closeFd, fdatasync, openFd, readFully, syncDir, writeFully } from '../io/fs-async.js';

// The timer's progress, in RocketMQ's `config/timercheck` layout: seven big-endian int64s.
// Written after the timer log and the wheel are flushed, so everything it points at is on
// disk (docs/timer.md, "Crash safety").

export const TIMER_CHECKPOINT_SIZE = 56;

export interface TimerCheckpoint {
  /** The first wheel slot (ms) not fully delivered yet; delivery resumes there. */
  lastReadTimeMs: number;
  /** Timer log bytes known to be on disk (recovery re-reads from here). */
  lastTimerLogFlushPos: number;
  /** Next queue offset of rmq_sys_wheel_timer queue 0 to take into the wheel. */
  lastTimerQueueOffset: number;
  /** The master's lastTimerQueueOffset (a slave does not enqueue beyond it). */
  masterTimerQueueOffset: number;
  stateVersion: number;
  timestamp: number;
  counter: number;
}

export const EMPTY_TIMER_CHECKPOINT: TimerCheckpoint = {
  lastReadTimeMs: 0,
  lastTimerLogFlushPos: 0,
  lastTimerQueueOffset: 0,
  masterTimerQueueOffset: 0,
  stateVersion: 0,
  timestamp: 0,
  counter: 0,
};

const FIELDS = [
  'lastReadTimeMs',
  'lastTimerLogFlushPos',
  'lastTimerQueueOffset',
  'masterTimerQueueOffset',
  'stateVersion',
  'timestamp',
  'counter',
] as const;

/** The 56 bytes of Java's TimerCheckpoint.encode (also the GET_TIMER_CHECK_POINT body). */
export function encodeTimerCheckpoint(c: TimerCheckpoint): Buffer {
  const buf = Buffer.alloc(TIMER_CHECKPOINT_SIZE);
  for (const [i, k] of FIELDS.entries()) buf.writeBigInt64BE(BigInt(Math.trunc(c[k])), i * 8);
  return buf;
}

/**
 * Java's TimerCheckpoint.decode: the first four longs are required, the data version is
 * optional (older files stop at 32 bytes). Undefined for a shorter buffer or a value outside
 * the safe integer range.
 */
export function decodeTimerCheckpoint(buf: Buffer): TimerCheckpoint | undefined {
  if (buf.length < 32) return undefined;
  const out: TimerCheckpoint = { ...EMPTY_TIMER_CHECKPOINT };
  const n = buf.length >= TIMER_CHECKPOINT_SIZE ? FIELDS.length : 4;
  for (let i = 0; i < n; i++) {
    const v = Number(buf.readBigInt64BE(i * 8));
    if (!Number.isSafeInteger(v)) return undefined;
    out[FIELDS[i]!] = v;
  }
  return out;
}

/** `<storePathRootDir>/config/timercheck`, as BrokerPathConfigHelper.getTimerCheckPath. */
export const timerCheckpointPath = (storePathRootDir: string): string => join(storePathRootDir, 'config', 'timercheck');

/**
 * Reads a timer checkpoint file; undefined when it is missing or unreadable. The one reader
 * of the file: the timer service at start-up and anything that ships timer progress elsewhere
 * (metadata sync to a slave) go through it.
 */
export async function readTimerCheckpoint(path: string): Promise<TimerCheckpoint | undefined> {
  let fd: number;
  try {
    fd = await openFd(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(TIMER_CHECKPOINT_SIZE);
    const n = await readFully(fd, buf, 0, buf.length, 0);
    return decodeTimerCheckpoint(buf.subarray(0, n));
  } finally {
    await closeFd(fd);
  }
}

/** Replaces the checkpoint atomically (temp file, fsync, rename, directory fsync). */
export async function writeTimerCheckpoint(path: string, c: TimerCheckpoint): Promise<void> {
  const tmp = `${path}.tmp`;
  const fd = await openFd(tmp, 'w');
  try {
    const buf = encodeTimerCheckpoint(c);
    await writeFully(fd, buf, 0, buf.length, 0);
    await fdatasync(fd);
  } finally {
    await closeFd(fd);
  }
  await rename(tmp, path);
  await syncDir(join(path, '..'));
}
