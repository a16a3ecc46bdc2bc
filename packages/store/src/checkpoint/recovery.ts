// Start-up recovery. Scans the CommitLog from the checkpoint's safe point (the lowest of the
// flushed, ConsumeQueue-covered and index-covered offsets; the first segment when the
// checkpoint or the consumequeue folder is missing), verifying each record's structure,
// position and body CRC and re-dispatching it; the first bad or empty position is the end of
// the log. After a clean shutdown the safe point is the end, so the scan reads one header.
import type { Logger } from '@rocketmq-ts/common';
import {
  decodeStoredRecord,
  getPropertyFromString,
  MessageConst,
  MessageMagic,
  probeStoredRecord,
  RMQ_SYS_SCHEDULE_TOPIC,
  readInt64,
  tagsHashCode,
} from '@rocketmq-ts/protocol';
import type { SegmentFiles } from '../commitlog/segment-files.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { fdatasync, ftruncate, readFully } from '../io/fs-async.js';
import type { CheckpointData } from './store-checkpoint.js';

// 1 MiB per read: checking one window (CRCs included) stays around a millisecond of loop time.
const CHUNK = 1024 * 1024;

interface RecoveryInput {
  segments: SegmentFiles;
  dispatcher: Dispatcher;
  checkpoint: CheckpointData | undefined;
  consumeQueueMissing: boolean;
  /** The abort marker was found: the last run did not shut down cleanly. */
  abnormal: boolean;
  /** No index files: rebuild index entries for the whole log. */
  indexMissing: boolean;
  verifyCrc: boolean;
  /** ms per delay level, level 1 first: rebuilds SCHEDULE_TOPIC_XXXX tag fields (delivery times). */
  delayLevels: number[];
  logger: Logger;
}

interface RecoveryResult {
  logEnd: number;
  scannedFrom: number;
  records: number;
  truncated: boolean;
}

const yieldLoop = (): Promise<void> => new Promise((r) => setImmediate(r));
/** Yield to the event loop once a slice of synchronous work passes this many ms. */
const SLICE_MS = 1;

export async function recoverCommitLog(inp: RecoveryInput): Promise<RecoveryResult> {
  const { segments, checkpoint: cp } = inp;
  const first = segments.list[0];
  if (!first) return { logEnd: 0, scannedFrom: 0, records: 0, truncated: false };
  const minPhy = first.start;
  const size = segments.segmentSize;
  let start = minPhy;
  if (cp && !inp.consumeQueueMissing && !inp.indexMissing) {
    start = Math.max(minPhy, Math.min(cp.logFlushedOffset, cp.cqCoveredOffset, cp.indexCoveredOffset));
    // After a crash, re-verify from the start of that segment (as RocketMQ does): damage just
    // below the checkpoint is then caught too. Records there are only checked, not re-dispatched.
    if (inp.abnormal) start = Math.max(minPhy, Math.floor(start / size) * size);
  }
  const cqFrom = cp && !inp.consumeQueueMissing ? cp.cqCoveredOffset : 0;
  const indexFrom = cp && !inp.indexMissing ? cp.indexCoveredOffset : 0;
  let r = await scan(inp, start, cqFrom, indexFrom);
  if (r.badStart && start > minPhy) {
    // The checkpoint did not land on a record boundary: distrust it, rescan its segment.
    const segStart = Math.floor(start / size) * size;
    inp.logger.warn({ start, segStart }, 'checkpoint offset is not a record boundary; rescanning segment');
    start = Math.max(minPhy, segStart);
    r = await scan(inp, start, Math.min(cqFrom, start), Math.min(indexFrom, start));
  }
  const logEnd = r.end;
  let truncated = false;
  // Cut the torn tail: shrinking and re-growing the segment leaves zeros (sparse) after logEnd,
  // so stale records there can never be picked up by a later scan.
  const tail = segments.find(logEnd);
  if (tail) {
    const probe = Buffer.alloc(8);
    await readFully(tail.fd, probe, 0, 8, logEnd - tail.start);
    if (r.corrupt || probe.readInt32BE(0) !== 0 || probe.readInt32BE(4) !== 0) {
      await ftruncate(tail.fd, logEnd - tail.start);
      await ftruncate(tail.fd, size);
      await fdatasync(tail.fd);
      truncated = true;
    }
  }
  const dropFrom = tail ? tail.start + size : logEnd;
  for (const s of segments.list) {
    if (s.start < dropFrom) continue;
    // Preallocated empty segments are expected after a crash; data past the end is not.
    const head = Buffer.alloc(8);
    await readFully(s.fd, head, 0, 8, 0);
    if (head.some((b) => b !== 0)) truncated = true;
  }
  await segments.deleteFrom(dropFrom);
  // The scanned bytes may have reached only the page cache before the crash: make them durable
  // before a checkpoint claims them as flushed.
  for (const s of segments.list) if (s.start + size > start) await fdatasync(s.fd);
  inp.logger.info({ scannedFrom: start, logEnd, records: r.records, truncated }, 'commitlog recovered');
  return { logEnd, scannedFrom: start, records: r.records, truncated };
}

async function scan(
  inp: RecoveryInput,
  from: number,
  cqFrom: number,
  indexFrom: number,
): Promise<{ end: number; records: number; badStart: boolean; corrupt: boolean }> {
  const { segments, dispatcher } = inp;
  const size = segments.segmentSize;
  let pos = from;
  let records = 0;
  let sliceStart = performance.now();
  const done = (corrupt: boolean) => ({
    end: pos,
    records,
    badStart: corrupt && records === 0 && pos === from,
    corrupt,
  });
  for (;;) {
    const seg = segments.find(pos);
    if (!seg) return done(false);
    const segEnd = seg.start + size;
    let buf = Buffer.alloc(0);
    let bufStart = pos;
    let refilledAt = -1;
    let refilledWant = 0;
    while (pos < segEnd) {
      const off = pos - bufStart;
      const avail = buf.length - off;
      const total = avail >= 8 ? buf.readInt32BE(off) : 0;
      const magic = avail >= 8 ? buf.readInt32BE(off + 4) : 0;
      const isRecord = magic === MessageMagic.V1 || magic === MessageMagic.V2;
      if (avail < 8 || (isRecord && total > avail && pos + total <= segEnd)) {
        // Window exhausted or the record runs past it: read from here on. Once more if the
        // record turns out longer than the window just read (its header was not in the old one).
        const want = Math.min(segEnd - pos, Math.max(CHUNK, total));
        if (refilledAt !== pos || want > refilledWant) {
          buf = Buffer.allocUnsafe(want);
          buf = buf.subarray(0, await readFully(seg.fd, buf, 0, want, pos - seg.start));
          bufStart = pos;
          refilledAt = pos;
          refilledWant = want;
          await yieldLoop();
          sliceStart = performance.now();
          continue;
        }
      }
      if (avail < 8) return done(avail > 0 && buf.subarray(off).some((b) => b !== 0));
      if (magic === MessageMagic.BLANK) {
        // The filler runs to the end of the segment, usually past the window (segments are
        // larger than a window): check it against the segment, not the bytes read.
        if (total >= 8 && pos + total === segEnd) break;
        inp.logger.warn({ pos, reason: 'blank size', total }, 'commitlog ends at damaged record');
        return done(true);
      }
      const p = probeStoredRecord(buf, off, buf.length, inp.verifyCrc);
      if (p.kind === 'blank') break;
      if (p.kind === 'end') return done(false);
      if (p.kind === 'corrupt' || readInt64(buf, off + 28) !== pos) {
        inp.logger.warn(
          { pos, reason: p.kind === 'corrupt' ? p.reason : 'position' },
          'commitlog ends at damaged record',
        );
        return done(true);
      }
      redispatch(inp, dispatcher, buf, off, pos, p.size, pos >= cqFrom, pos >= indexFrom);
      records++;
      pos += p.size;
      if ((records & 63) === 0 && performance.now() - sliceStart > SLICE_MS) {
        await yieldLoop();
        sliceStart = performance.now();
      }
    }
    pos = segEnd;
  }
}

/** Decodes the record at buf[off] (stored at `pos`) and dispatches it; shared with replication. */
export function redispatch(
  inp: Pick<RecoveryInput, 'delayLevels'>,
  d: Dispatcher,
  buf: Buffer,
  off: number,
  pos: number,
  size: number,
  toQueue: boolean,
  toIndex: boolean,
): void {
  if (!toQueue && !toIndex) {
    if (pos + size > d.dispatchedTo) d.dispatchedTo = pos + size;
    return;
  }
  const m = decodeStoredRecord(buf.subarray(off, off + size), 0, { properties: false });
  if (!m) return;
  let tagsCode = 0;
  const delay =
    m.topic === RMQ_SYS_SCHEDULE_TOPIC
      ? getPropertyFromString(m.propertiesString, MessageConst.PROPERTY_DELAY_TIME_LEVEL)
      : undefined;
  if (delay !== undefined) {
    const level = Math.min(Math.max(1, Number(delay) || 1), inp.delayLevels.length);
    tagsCode = m.storeTimestamp + (inp.delayLevels[level - 1] ?? 1000);
  } else {
    const tags = getPropertyFromString(m.propertiesString, MessageConst.PROPERTY_TAGS);
    tagsCode = tagsHashCode(tags);
  }
  d.dispatch(
    m.topic,
    m.queueId,
    m.queueOffset,
    pos,
    size,
    tagsCode,
    m.storeTimestamp,
    m.propertiesString,
    m.sysFlag,
    toQueue,
    toIndex,
  );
}
