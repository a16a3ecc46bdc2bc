import { err, ok, type Result } from '@rocketmq-ts/common';
import type { PopRetryFlag } from './pop-names.js';

// BATCH_ACK_MESSAGE body (JSON): {"brokerName":S,"acks":[BatchAck…]}. A BatchAck names one pop
// batch (group c, original topic t, retry flag r, start offset so, queue q, revive queue rq,
// pop time pt, invisible time it) and the acked positions as `b`: base64 of Java's
// BitSet.toByteArray() (bit i = offset so + i, least significant bit first in each byte,
// trailing zero bytes dropped). Long field names are accepted as aliases.

export interface BatchAck {
  consumerGroup: string;
  topic: string;
  retryFlag: PopRetryFlag;
  startOffset: number;
  queueId: number;
  reviveQueueId: number;
  popTime: number;
  invisibleTime: number;
  /** Offsets acked, ascending. */
  offsets: number[];
}

export interface BatchAckBody {
  brokerName: string;
  acks: BatchAck[];
}

/** Positions set in a Java BitSet.toByteArray() image. */
export function bitSetPositions(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    for (let bit = 0; bit < 8; bit++) if ((b & (1 << bit)) !== 0) out.push(i * 8 + bit);
  }
  return out;
}

export function bitSetBytes(positions: readonly number[]): Buffer {
  const max = positions.reduce((m, p) => Math.max(m, p), -1);
  const out = Buffer.alloc(max < 0 ? 0 : (max >> 3) + 1);
  for (const p of positions) out[p >> 3]! |= 1 << (p & 7);
  return out;
}

function pick(o: Record<string, unknown>, short: string, long: string): unknown {
  return o[short] ?? o[long];
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

function decodeAck(raw: unknown, i: number): Result<BatchAck, string> {
  if (typeof raw !== 'object' || raw === null) return err(`acks[${i}] is not an object`);
  const o = raw as Record<string, unknown>;
  const group = pick(o, 'c', 'consumerGroup');
  const topic = pick(o, 't', 'topic');
  if (typeof group !== 'string' || typeof topic !== 'string') return err(`acks[${i}]: group or topic missing`);
  const flag = num(pick(o, 'r', 'retry'));
  if (flag !== 0 && flag !== 1 && flag !== 2) return err(`acks[${i}]: retry flag must be 0, 1 or 2`);
  const fields = {
    startOffset: num(pick(o, 'so', 'startOffset')),
    queueId: num(pick(o, 'q', 'queueId')),
    reviveQueueId: num(pick(o, 'rq', 'reviveQueueId')),
    popTime: num(pick(o, 'pt', 'popTime')),
    invisibleTime: num(pick(o, 'it', 'invisibleTime')),
  };
  for (const [k, v] of Object.entries(fields))
    if (v === undefined) return err(`acks[${i}]: ${k} missing or not a number`);
  const bits = pick(o, 'b', 'bitSet');
  if (typeof bits !== 'string') return err(`acks[${i}]: bitSet missing`);
  const so = fields.startOffset!;
  return ok({
    consumerGroup: group,
    topic,
    retryFlag: flag,
    startOffset: so,
    queueId: fields.queueId!,
    reviveQueueId: fields.reviveQueueId!,
    popTime: fields.popTime!,
    invisibleTime: fields.invisibleTime!,
    offsets: bitSetPositions(Buffer.from(bits, 'base64')).map((p) => so + p),
  });
}

export function decodeBatchAckBody(body: Buffer | undefined): Result<BatchAckBody, string> {
  if (body === undefined || body.length === 0) return err('batch ack body is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return err(`batch ack body is not JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return err('batch ack body is not an object');
  }
  const o = parsed as Record<string, unknown>;
  const acksRaw = o.acks ?? [];
  if (!Array.isArray(acksRaw)) return err('batch ack body: acks is not a list');
  const acks: BatchAck[] = [];
  for (let i = 0; i < acksRaw.length; i++) {
    const a = decodeAck(acksRaw[i], i);
    if (!a.ok) return a;
    acks.push(a.value);
  }
  return ok({ brokerName: typeof o.brokerName === 'string' ? o.brokerName : '', acks });
}

export function encodeBatchAckBody(body: BatchAckBody): Buffer {
  const acks = body.acks.map((a) => ({
    c: a.consumerGroup,
    t: a.topic,
    r: String(a.retryFlag),
    so: a.startOffset,
    q: a.queueId,
    rq: a.reviveQueueId,
    pt: a.popTime,
    it: a.invisibleTime,
    b: bitSetBytes(a.offsets.map((off) => off - a.startOffset)).toString('base64'),
  }));
  return Buffer.from(JSON.stringify({ brokerName: body.brokerName, acks }), 'utf8');
}
