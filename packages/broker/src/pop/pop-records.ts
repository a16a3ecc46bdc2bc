import { encodeProperties, MessageConst, PopRecordTag, tagsHashCode } from '@rocketmq-ts/protocol';
import type { MessageInput } from '@rocketmq-ts/store';

// The checkpoint (CK) and ack records of the revive topic: JSON bodies with RocketMQ's short
// keys (PopCheckPoint, AckMsg, BatchAckMsg). A CK says "these offsets of topic/queue were
// handed to group at popTime, invisible for invisibleTime"; an ACK says "this one is done".
// The revive service pairs them by checkpointKey and re-puts what was never acked. Readers
// accept the long key names and ignore unknown keys.

export interface CheckPoint {
  /** Start offset of the batch in its queue. */
  so: number;
  pt: number;
  it: number;
  /** Queue of the (real) topic. */
  q: number;
  /** Real topic: the pop retry topic for retried messages. */
  t: string;
  c: string;
  /** Offset diffs: message offset = so + d[i]. */
  d: number[];
  bn: string;
  /** Times this CK was re-put after a failed revive. */
  rp: number;
}

export interface AckRecord {
  /** Acked offsets (one for `ack`, several for `bAck`). */
  offsets: number[];
  so: number;
  c: string;
  t: string;
  q: number;
  pt: number;
  bn: string;
}

export type ReviveRecord = { kind: 'ck'; ck: CheckPoint } | { kind: 'ack'; ack: AckRecord };

/** The pairing key (Java: topic + group + queueId + startOffset + popTime + brokerName, concatenated). */
export const checkpointKey = (r: { t: string; c: string; q: number; so: number; pt: number; bn: string }): string =>
  `${r.t}${r.c}${r.q}${r.so}${r.pt}${r.bn}`;

export const reviveTime = (ck: Pick<CheckPoint, 'pt' | 'it'>): number => ck.pt + ck.it;

function ckBody(ck: CheckPoint): string {
  return JSON.stringify({
    so: ck.so,
    pt: ck.pt,
    it: ck.it,
    bm: 0,
    n: ck.d.length,
    q: ck.q,
    t: ck.t,
    c: ck.c,
    d: ck.d,
    bn: ck.bn,
    rp: String(ck.rp),
  });
}

interface RecordTarget {
  reviveTopic: string;
  reviveQid: number;
  bornHost: string;
  now: number;
}

function record(target: RecordTarget, tag: string, body: string, props: Record<string, string>): MessageInput {
  return {
    topic: target.reviveTopic,
    queueId: target.reviveQid,
    flag: 0,
    body: Buffer.from(body, 'utf8'),
    properties: encodeProperties({ [MessageConst.PROPERTY_TAGS]: tag, ...props }),
    sysFlag: 0,
    bornTimestamp: target.now,
    bornHost: target.bornHost,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    tagsCode: tagsHashCode(tag),
  };
}

/**
 * The CK as stored. TIMER_DELIVER_MS carries RocketMQ's due time (revive time − 1 s) for
 * readers of the format; this broker's revive service keeps CKs in memory until due instead
 * of parking them in a timer wheel.
 */
export function checkpointRecord(target: RecordTarget, ck: CheckPoint): MessageInput {
  return record(target, PopRecordTag.CK, ckBody(ck), {
    [MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX]: `${ck.t}@${ck.q}@${ck.so}@${ck.c}@${ck.pt}@${ck.bn}@ck`,
    [MessageConst.PROPERTY_TIMER_DELIVER_MS]: String(reviveTime(ck) - 1000),
  });
}

export function ackRecord(target: RecordTarget, ack: AckRecord, invisibleTime: number): MessageInput {
  const batch = ack.offsets.length !== 1;
  const body = JSON.stringify({
    ao: ack.offsets[0] ?? -1,
    ...(batch ? { aol: ack.offsets } : {}),
    so: ack.so,
    c: ack.c,
    t: ack.t,
    q: ack.q,
    pt: ack.pt,
    bn: ack.bn,
  });
  const uniq = batch
    ? `${ack.t}@${ack.q}@[${ack.offsets.join(', ')}]@${ack.c}@${ack.pt}@bAck`
    : `${ack.t}@${ack.q}@${ack.offsets[0]}@${ack.c}@${ack.pt}@${ack.bn}@ack`;
  return record(target, batch ? PopRecordTag.BATCH_ACK : PopRecordTag.ACK, body, {
    [MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX]: uniq,
    [MessageConst.PROPERTY_TIMER_DELIVER_MS]: String(ack.pt + invisibleTime),
  });
}

const int = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isSafeInteger(n) ? n : undefined;
};
/** PopCheckPoint.num is a Java byte. */
const MAX_CK_NUM = 127;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Decodes a revive-topic record body by its tag; undefined for anything unreadable. */
export function decodeReviveRecord(tag: string | undefined, body: Buffer): ReviveRecord | undefined {
  let o: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    o = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const get = (short: string, long: string): unknown => o[short] ?? o[long];
  const so = int(get('so', 'startOffset'));
  const pt = int(get('pt', 'popTime'));
  const q = int(get('q', 'queueId'));
  const t = str(get('t', 'topic'));
  const c = str(get('c', 'cid')) ?? str(o.consumerGroup);
  const bn = str(get('bn', 'brokerName')) ?? '';
  if (so === undefined || pt === undefined || q === undefined || t === undefined || c === undefined) return undefined;
  if (tag === PopRecordTag.CK) {
    const it = int(get('it', 'invisibleTime'));
    if (it === undefined) return undefined;
    const n = int(get('n', 'num')) ?? 0;
    // Java's num is a byte; a larger count (anyone may send to the revive topic) would build
    // an array of that length here.
    if (n < 0 || n > MAX_CK_NUM) return undefined;
    const rawD = get('d', 'queueOffsetDiff');
    const d = Array.isArray(rawD) ? rawD.map(int) : Array.from({ length: n }, (_, i) => i);
    if (d.some((x) => x === undefined)) return undefined;
    return { kind: 'ck', ck: { so, pt, it, q, t, c, d: d as number[], bn, rp: int(get('rp', 'rePutTimes')) ?? 0 } };
  }
  if (tag === PopRecordTag.ACK || tag === PopRecordTag.BATCH_ACK) {
    const list = get('aol', 'ackOffsetList');
    const offsets = Array.isArray(list) ? list.map(int) : [int(get('ao', 'ackOffset'))];
    if (offsets.some((x) => x === undefined)) return undefined;
    return { kind: 'ack', ack: { offsets: offsets as number[], so, c, t, q, pt, bn } };
  }
  return undefined;
}
