// One crash trial: start the writer child on `dir`, kill -9 it after `killAfterMs`, reopen
// the store in this process and check every acknowledged message and the queue offsets.
// Used by crash.test.ts and by bench/store/crash-trials.mjs (many trials).
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { cp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@rocketmq-ts/common';
import { decodeStoredRecord } from '@rocketmq-ts/protocol';
import { createFileStore } from '../../src/index.js';
import { type Ack, CRASH_QUEUES, CRASH_TOPIC, crashBody, crashConfig } from './crash-writer.js';

const writerPath = fileURLToPath(new URL('./crash-writer.js', import.meta.url));

/** Collects log lines (warn and above, and the recovery summary) of one reopen. */
function recordingLogger(lines: string[]): Logger {
  const rec =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      lines.push(`${level} ${msg ?? ''} ${typeof obj === 'string' ? obj : JSON.stringify(obj)}`);
    };
  const l: Logger = {
    debug: () => {},
    info: rec('info'),
    warn: rec('warn'),
    error: rec('error'),
    child: () => l,
  };
  return l;
}

export interface TrialResult {
  acked: number;
  stored: number;
  recoveredFrom: number;
  logEnd: number;
  truncated: boolean;
  recoveryMs: number;
  /** CommitLog segments the kill left shorter than their size (killed while creating one). */
  shortSegments: number;
}

async function countShortSegments(dir: string): Promise<number> {
  const cl = join(dir, 'commitlog');
  let n = 0;
  for (const name of await readdir(cl).catch(() => [] as string[])) {
    if ((await stat(join(cl, name))).size < crashConfig.mappedFileSizeCommitLog) n++;
  }
  return n;
}

/** Runs the writer until killed; returns the acknowledgements that reached this process. */
export function runWriter(dir: string, firstIndex: number, killAfterMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const acks: Ack[] = [];
    const child = fork(writerPath, [dir, String(firstIndex)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv: ['--enable-source-maps'],
    });
    let timer: NodeJS.Timeout | undefined;
    child.on('message', (m: Ack | 'ready') => {
      if (m === 'ready') timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      else acks.push(m);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`writer exited with ${code ?? signal} before being killed`));
    });
  });
}

/** Reopens the store after a kill and checks it; `known` accumulates acks across trials. */
// With `keepFailed`, the store directory as the kill left it is copied aside before recovery;
// the copy is kept (and the recovery log printed) when the check fails, for offline analysis.
export async function verifyAfterCrash(
  dir: string,
  known: Map<number, Ack>,
  keepFailed?: string,
): Promise<TrialResult> {
  const lines: string[] = [];
  if (keepFailed) {
    await rm(keepFailed, { recursive: true, force: true });
    await cp(dir, keepFailed, { recursive: true });
  }
  const shortSegments = await countShortSegments(dir);
  const t0 = performance.now();
  const store = createFileStore({ ...crashConfig, storePathRootDir: dir }, { logger: recordingLogger(lines) });
  await store.start();
  const recoveryMs = performance.now() - t0;
  try {
    let stored = 0;
    for (let q = 0; q < CRASH_QUEUES; q++) {
      const max = store.getMaxOffsetInQueue(CRASH_TOPIC, q);
      let offset = store.getMinOffsetInQueue(CRASH_TOPIC, q);
      while (offset < max) {
        const r = await store.getMessage(CRASH_TOPIC, q, offset, 64, 1 << 22);
        assert.equal(r.status, 'FOUND', `queue ${q} offset ${offset} of ${max}`);
        for (const rec of r.records) {
          const m = decodeStoredRecord(rec)!;
          assert.equal(m.queueOffset, offset, `queue ${q}: offsets have no gaps`);
          const i = Number(m.properties.get('KEYS')!.slice(4));
          assert.deepEqual(m.body, crashBody(i), `message ${i} body intact`);
          const ack = known.get(i);
          if (ack) {
            assert.equal(ack.q, q);
            assert.equal(ack.off, offset, `message ${i} at its acknowledged offset`);
            assert.equal(ack.id, m.msgId);
          }
          offset++;
          stored++;
        }
        offset = r.nextBeginOffset;
      }
    }
    // Every acknowledged message must be there (reading by queue offset alone could miss one).
    for (const ack of known.values()) {
      const r = await store.getMessage(CRASH_TOPIC, ack.q, ack.off, 1, 1 << 22);
      assert.equal(r.status, 'FOUND', `acknowledged message ${ack.i} (queue ${ack.q} offset ${ack.off}) lost`);
      assert.equal(decodeStoredRecord(r.records[0]!)!.msgId, ack.id);
    }
    // The index must find acknowledged messages by key too (a sample keeps trials short).
    const all = [...known.values()];
    for (let k = 0; k < Math.min(40, all.length); k++) {
      const ack = all[Math.floor(Math.random() * all.length)]!;
      const q = await store.queryMessage(CRASH_TOPIC, `key-${ack.i}`, 4, 0, Number.MAX_SAFE_INTEGER);
      assert.equal(q.records.length, 1, `index lookup of key-${ack.i}`);
      assert.equal(decodeStoredRecord(q.records[0]!)!.msgId, ack.id);
    }
    return {
      acked: known.size,
      stored,
      recoveredFrom: store.lastRecovery.scannedFrom,
      logEnd: store.lastRecovery.logEnd,
      truncated: store.lastRecovery.truncated,
      recoveryMs,
      shortSegments,
    };
  } catch (e) {
    if (keepFailed) {
      console.error(`crash image before the failing recovery kept in ${keepFailed}; recovery log:`);
      console.error(JSON.stringify(store.lastRecovery));
      for (const l of lines) console.error(`  ${l}`);
    }
    throw e;
  } finally {
    await store.shutdown();
  }
}

/** Kills the writer, then starts it again on the same directory once more, `trials` times. */
export async function runTrials(
  dir: string,
  trials: number,
  killAfter: () => number,
  onTrial?: (n: number, r: TrialResult, newAcks: number) => void,
  keepFailed?: string,
): Promise<TrialResult[]> {
  const known = new Map<number, Ack>();
  const out: TrialResult[] = [];
  for (let t = 0; t < trials; t++) {
    const acks = await runWriter(dir, (t + 1) * 10_000_000, killAfter());
    for (const a of acks) known.set(a.i, a);
    const r = await verifyAfterCrash(dir, known, keepFailed);
    out.push(r);
    onTrial?.(t, r, acks.length);
  }
  return out;
}
