import { err, ok, type Result } from '@rocketmq-ts/common';

// Message trace records as RocketMQ's clients write them to RMQ_SYS_TRACE_TOPIC (Java's
// TraceDataEncoder). A trace message body is a run of records, each ended by FIELD_SPLITOR
// (\u0002); a record's fields are separated by CONTENT_SPLITOR (\u0001), the first field
// naming the record type. Field order per type:
//   Pub            type ts region group topic msgId tags keys storeHost bodyLength costTime
//                  msgType offsetMsgId success [clientHost]
//   SubBefore      type ts region group requestId msgId retryTimes keys
//   SubAfter       type requestId msgId costTime success keys contextCode [ts group]
//   EndTransaction type ts region group topic msgId tags keys storeHost msgType transactionId
//                  transactionState fromTransactionCheck
//   Recall         type ts region group topic msgId success
// msgType is the ordinal of Java's MessageType; contextCode the ordinal of ConsumeReturnType.
// The trace message's KEYS are the traced msgIds plus their keys, so the broker's index
// finds a message's records by its id (queryMsgTraceById). Pure: strings in, values out.

export const TRACE_CONTENT_SPLITOR = '\u0001';
export const TRACE_FIELD_SPLITOR = '\u0002';

export type TraceType = 'Pub' | 'Recall' | 'SubBefore' | 'SubAfter' | 'EndTransaction';

/** Java's MessageType, by ordinal. */
export const TRACE_MESSAGE_TYPES = [
  'Normal_Msg',
  'Trans_Msg_Half',
  'Trans_msg_Commit',
  'Delay_Msg',
  'Order_Msg',
] as const;
export type TraceMessageType = (typeof TRACE_MESSAGE_TYPES)[number];

/** Java's ConsumeReturnType, by ordinal (SubAfter's contextCode). */
export const CONSUME_RETURN_TYPES = ['SUCCESS', 'TIME_OUT', 'EXCEPTION', 'RETURNNULL', 'FAILED'] as const;

export type TransactionState = 'COMMIT_MESSAGE' | 'ROLLBACK_MESSAGE' | 'UNKNOW';

/** One trace record (Java's TraceContext with its single TraceBean). Absent fields are not in that record type. */
export interface TraceRecord {
  type: TraceType;
  timestamp: number;
  regionId: string;
  groupName: string;
  requestId: string;
  topic: string;
  msgId: string;
  tags: string;
  keys: string;
  storeHost: string;
  bodyLength: number;
  costTime: number;
  msgType: TraceMessageType;
  offsetMsgId: string;
  success: boolean;
  clientHost: string;
  retryTimes: number;
  contextCode: number;
  transactionId: string;
  transactionState: TransactionState | '';
  fromTransactionCheck: boolean;
}

/** A record with every field at Java's default (an empty TraceBean / TraceContext). */
export function emptyTraceRecord(type: TraceType): TraceRecord {
  return {
    type,
    timestamp: 0,
    regionId: '',
    groupName: '',
    requestId: '',
    topic: '',
    msgId: '',
    tags: '',
    keys: '',
    storeHost: '',
    bodyLength: 0,
    costTime: 0,
    msgType: 'Normal_Msg',
    offsetMsgId: '',
    success: true,
    clientHost: '',
    retryTimes: 0,
    contextCode: 0,
    transactionId: '',
    transactionState: '',
    fromTransactionCheck: false,
  };
}

const C = TRACE_CONTENT_SPLITOR;
const F = TRACE_FIELD_SPLITOR;
const msgTypeOrdinal = (t: TraceMessageType): number => TRACE_MESSAGE_TYPES.indexOf(t);
/** Java prints a null String field as `null`. */
const s = (v: string | undefined): string => (v === undefined ? 'null' : v);

/** One record's text, FIELD_SPLITOR included (SubAfter as the non-cloud access channel writes it). */
export function encodeTraceRecord(r: TraceRecord): string {
  switch (r.type) {
    case 'Pub':
      return (
        [
          'Pub',
          r.timestamp,
          s(r.regionId),
          s(r.groupName),
          s(r.topic),
          s(r.msgId),
          s(r.tags),
          s(r.keys),
          s(r.storeHost),
          r.bodyLength,
          r.costTime,
          msgTypeOrdinal(r.msgType),
          s(r.offsetMsgId),
          r.success,
        ].join(C) + F
      );
    case 'SubBefore':
      return (
        [
          'SubBefore',
          r.timestamp,
          s(r.regionId),
          s(r.groupName),
          s(r.requestId),
          s(r.msgId),
          r.retryTimes,
          s(r.keys),
        ].join(C) + F
      );
    case 'SubAfter':
      return (
        [
          'SubAfter',
          s(r.requestId),
          s(r.msgId),
          r.costTime,
          r.success,
          s(r.keys),
          r.contextCode,
          r.timestamp,
          s(r.groupName),
        ].join(C) + F
      );
    case 'EndTransaction':
      return (
        [
          'EndTransaction',
          r.timestamp,
          s(r.regionId),
          s(r.groupName),
          s(r.topic),
          s(r.msgId),
          s(r.tags),
          s(r.keys),
          s(r.storeHost),
          msgTypeOrdinal(r.msgType),
          s(r.transactionId),
          s(r.transactionState),
          r.fromTransactionCheck,
        ].join(C) + F
      );
    case 'Recall':
      return ['Recall', r.timestamp, s(r.regionId), s(r.groupName), s(r.topic), s(r.msgId), r.success].join(C) + F;
  }
}

/** The keys a trace message carries for these records: each msgId and each of its space-separated keys. */
export function traceKeysOf(records: readonly TraceRecord[]): string[] {
  const keys = new Set<string>();
  for (const r of records) {
    if (r.msgId !== '') keys.add(r.msgId);
    for (const k of r.keys.split(' ')) if (k !== '' && k !== 'null') keys.add(k);
  }
  return [...keys];
}

function int(v: string | undefined, what: string): number | string {
  if (v === undefined || !/^-?\d+$/.test(v)) return `${what}: not an integer: ${v}`;
  return Number(v);
}

/** Java's Boolean.parseBoolean: true only for "true", case-insensitive. */
const bool = (v: string | undefined): boolean => v?.toLowerCase() === 'true';

function msgTypeAt(v: string | undefined): TraceMessageType | string {
  const n = int(v, 'msgType');
  if (typeof n === 'string') return n;
  return TRACE_MESSAGE_TYPES[n] ?? `msgType: no MessageType ordinal ${n}`;
}

function decodeOne(fields: string[]): Result<TraceRecord | undefined, string> {
  const [type] = fields;
  const need = (n: number) =>
    fields.length < n ? `${type} record has ${fields.length} fields, needs ${n}` : undefined;
  const nums = (pairs: [number, string][]): number[] | string => {
    const out: number[] = [];
    for (const [i, what] of pairs) {
      const v = int(fields[i], what);
      if (typeof v === 'string') return v;
      out.push(v);
    }
    return out;
  };
  const f = (i: number): string => fields[i] ?? '';
  switch (type) {
    case 'Pub': {
      const short = need(13);
      if (short) return err(short);
      const n = nums([
        [1, 'timestamp'],
        [9, 'bodyLength'],
        [10, 'costTime'],
      ]);
      if (typeof n === 'string') return err(n);
      const msgType = msgTypeAt(fields[11]);
      if (!TRACE_MESSAGE_TYPES.includes(msgType as TraceMessageType)) return err(msgType);
      const r = { ...emptyTraceRecord('Pub'), timestamp: n[0]!, regionId: f(2), groupName: f(3), topic: f(4) };
      Object.assign(r, { msgId: f(5), tags: f(6), keys: f(7), storeHost: f(8), bodyLength: n[1]!, costTime: n[2]! });
      r.msgType = msgType as TraceMessageType;
      // 13 fields: no offsetMsgId (old clients); 14: with it; 15+: and the client host.
      if (fields.length === 13) r.success = bool(fields[12]);
      else {
        r.offsetMsgId = f(12);
        r.success = bool(fields[13]);
        if (fields.length >= 15) r.clientHost = f(14);
      }
      return ok(r);
    }
    case 'SubBefore': {
      const short = need(8);
      if (short) return err(short);
      const n = nums([
        [1, 'timestamp'],
        [6, 'retryTimes'],
      ]);
      if (typeof n === 'string') return err(n);
      return ok({
        ...emptyTraceRecord('SubBefore'),
        timestamp: n[0]!,
        regionId: f(2),
        groupName: f(3),
        requestId: f(4),
        msgId: f(5),
        retryTimes: n[1]!,
        keys: f(7),
      });
    }
    case 'SubAfter': {
      const short = need(6);
      if (short) return err(short);
      const cost = int(fields[3], 'costTime');
      if (typeof cost === 'string') return err(cost);
      const r = {
        ...emptyTraceRecord('SubAfter'),
        requestId: f(1),
        msgId: f(2),
        costTime: cost,
        success: bool(fields[4]),
        keys: f(5),
      };
      if (fields.length >= 7) {
        const code = int(fields[6], 'contextCode');
        if (typeof code === 'string') return err(code);
        r.contextCode = code;
      }
      if (fields.length >= 9) {
        const ts = int(fields[7], 'timestamp');
        if (typeof ts === 'string') return err(ts);
        r.timestamp = ts;
        r.groupName = f(8);
      }
      return ok(r);
    }
    case 'EndTransaction': {
      const short = need(13);
      if (short) return err(short);
      const ts = int(fields[1], 'timestamp');
      if (typeof ts === 'string') return err(ts);
      const msgType = msgTypeAt(fields[9]);
      if (!TRACE_MESSAGE_TYPES.includes(msgType as TraceMessageType)) return err(msgType);
      const state = f(11);
      if (state !== 'COMMIT_MESSAGE' && state !== 'ROLLBACK_MESSAGE' && state !== 'UNKNOW') {
        return err(`transactionState: not a LocalTransactionState: ${state}`);
      }
      return ok({
        ...emptyTraceRecord('EndTransaction'),
        timestamp: ts,
        regionId: f(2),
        groupName: f(3),
        topic: f(4),
        msgId: f(5),
        tags: f(6),
        keys: f(7),
        storeHost: f(8),
        msgType: msgType as TraceMessageType,
        transactionId: f(10),
        transactionState: state,
        fromTransactionCheck: bool(fields[12]),
      });
    }
    case 'Recall': {
      const short = need(7);
      if (short) return err(short);
      const ts = int(fields[1], 'timestamp');
      if (typeof ts === 'string') return err(ts);
      return ok({
        ...emptyTraceRecord('Recall'),
        timestamp: ts,
        regionId: f(2),
        groupName: f(3),
        topic: f(4),
        msgId: f(5),
        success: bool(fields[6]),
      });
    }
    default:
      // Java skips record types it does not know.
      return ok(undefined);
  }
}

/** Every record of a trace message body; the first malformed record is an error. */
export function decodeTraceData(data: string): Result<TraceRecord[], string> {
  const out: TraceRecord[] = [];
  for (const text of data.split(F)) {
    if (text === '') continue;
    const r = decodeOne(text.split(C));
    if (!r.ok) return r;
    if (r.value !== undefined) out.push(r.value);
  }
  return ok(out);
}
