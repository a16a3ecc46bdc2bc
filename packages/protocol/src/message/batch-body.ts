// SEND_BATCH_MESSAGE body (docs/formats.md §4): concatenated inner records without topic or queue.
//   TOTALSIZE i32 (whole inner record) | MAGICCODE i32 (0 from Java) | BODYCRC i32 (0) |
//   FLAG i32 | BODY i32 len + bytes | PROPERTIES i16 len + UTF-8
import { err, ok, type Result } from '@rocketmq-ts/common';
import { MAX_BATCH_MESSAGES } from '../decode-limits.js';

export interface BatchItem {
  flag: number;
  /** A view into the request body, not a copy. */
  body: Buffer;
  properties: string;
}

const FIXED = 4 + 4 + 4 + 4 + 4 + 2;

/** Never throws; a malformed body or one over MAX_BATCH_MESSAGES records is an error value. */
export function decodeBatchBody(buf: Buffer): Result<BatchItem[], string> {
  const out: BatchItem[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (out.length === MAX_BATCH_MESSAGES) return err(`batch has more than ${MAX_BATCH_MESSAGES} messages`);
    if (pos + FIXED > buf.length) return err(`batch record at ${pos}: truncated header`);
    const total = buf.readInt32BE(pos);
    if (total < FIXED || pos + total > buf.length) return err(`batch record at ${pos}: bad size ${total}`);
    const flag = buf.readInt32BE(pos + 12);
    const bodyLen = buf.readInt32BE(pos + 16);
    if (bodyLen < 0 || 20 + bodyLen + 2 > total) return err(`batch record at ${pos}: bad body length ${bodyLen}`);
    const body = buf.subarray(pos + 20, pos + 20 + bodyLen);
    const propPos = pos + 20 + bodyLen;
    const propLen = buf.readInt16BE(propPos);
    if (propLen < 0 || 20 + bodyLen + 2 + propLen !== total) {
      return err(`batch record at ${pos}: bad properties length ${propLen}`);
    }
    out.push({ flag, body, properties: buf.toString('utf8', propPos + 2, propPos + 2 + propLen) });
    pos += total;
  }
  return ok(out);
}

/**
 * Builds a batch body the way the Java client does (MAGICCODE and BODYCRC 0), into one Buffer
 * sized up front: no Buffer per record and no concat (the producer's auto-batching path).
 */
export function encodeBatchBody(items: readonly BatchItem[]): Buffer {
  let total = 0;
  const propLens = new Array<number>(items.length);
  for (let i = 0; i < items.length; i++) {
    const m = items[i]!;
    const n = Buffer.byteLength(m.properties, 'utf8');
    propLens[i] = n;
    total += FIXED + m.body.length + n;
  }
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < items.length; i++) {
    const m = items[i]!;
    const propLen = propLens[i]!;
    const size = FIXED + m.body.length + propLen;
    out.writeInt32BE(size, pos);
    out.writeInt32BE(0, pos + 4);
    out.writeInt32BE(0, pos + 8);
    out.writeInt32BE(m.flag, pos + 12);
    out.writeInt32BE(m.body.length, pos + 16);
    m.body.copy(out, pos + 20);
    const p = pos + 20 + m.body.length;
    out.writeInt16BE(propLen, p);
    if (propLen > 0) out.write(m.properties, p + 2, propLen, 'utf8');
    pos += size;
  }
  return out;
}
