// The stored message record: one CommitLog entry, and also the body format of pull, query and
// view responses (docs/formats.md §4). Schema, IPv4 hosts, V1 magic:
//
//   0 TOTALSIZE i32 | 4 MAGICCODE i32 | 8 BODYCRC i32 | 12 QUEUEID i32 | 16 FLAG i32
//   20 QUEUEOFFSET i64 | 28 PHYSICALOFFSET i64 | 36 SYSFLAG i32 | 40 BORNTIMESTAMP i64
//   48 BORNHOST 4+4 (20 if sysFlag 0x10) | STORETIMESTAMP i64 | STOREHOST 4+4 (20 if 0x20)
//   RECONSUMETIMES i32 | PREPAREDTRANSACTIONOFFSET i64 | BODY i32 len + bytes
//   TOPIC u8 len (V1) / i16 len (V2) + UTF-8 | PROPERTIES i16 len + UTF-8
//
// Everything here is pure: bytes in, values out. Writers encode straight into a caller's
// buffer so the store can pack a batch of records into one reusable write buffer.
import { bodyCrc } from './crc32.js';
import { MAX_PROPERTIES_SIZE, MAX_V1_TOPIC_LENGTH, MessageMagic, MessageSysFlag } from './message-const.js';
import { createOffsetMsgId } from './message-id.js';
import { decodeProperties, type MessageProperties } from './properties-codec.js';
import { formatHost, type HostBytes } from './socket-address.js';

/** Smallest possible record: V1, IPv4 hosts, empty body, topic and properties. */
export const MIN_RECORD_SIZE = 91;
/** Offset of QUEUEOFFSET / PHYSICALOFFSET / SYSFLAG / BORNTIMESTAMP / BORNHOST: fixed for every record. */
export const RecordOffset = {
  TOTALSIZE: 0,
  MAGICCODE: 4,
  BODYCRC: 8,
  QUEUEID: 12,
  FLAG: 16,
  QUEUEOFFSET: 20,
  PHYSICALOFFSET: 28,
  SYSFLAG: 36,
  BORNTIMESTAMP: 40,
  BORNHOST: 48,
} as const;

/** Everything that goes into a record. Hosts come pre-parsed (see parseHost). */
export interface StoredRecordInput {
  topic: string;
  queueId: number;
  flag: number;
  body: Buffer;
  properties: string;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: HostBytes;
  storeTimestamp: number;
  storeHost: HostBytes;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  queueOffset: number;
  physicalOffset: number;
}

/** Sizes worked out before writing, so a writer can check the record fits where it goes. */
export interface RecordLayout {
  size: number;
  /** sysFlag with the host-family bits set to match the hosts given. */
  sysFlag: number;
  topicLength: number;
  propertiesLength: number;
  v2: boolean;
  /** The topic's UTF-8 bytes if the caller has them (copied instead of encoding the string). */
  topicBytes?: Uint8Array | undefined;
}

/** Record size from its parts' byte lengths (V2 when the topic is over 127 bytes). */
export function storedRecordSize(
  bodyLength: number,
  topicLength: number,
  propertiesLength: number,
  bornV6: boolean,
  storeV6: boolean,
): number {
  return (
    MIN_RECORD_SIZE +
    bodyLength +
    topicLength +
    propertiesLength +
    (bornV6 ? 12 : 0) +
    (storeV6 ? 12 : 0) +
    (topicLength > MAX_V1_TOPIC_LENGTH ? 1 : 0)
  );
}

export function measureStoredRecord(
  topic: string,
  properties: string,
  bodyLength: number,
  sysFlag: number,
  bornV6: boolean,
  storeV6: boolean,
): RecordLayout {
  const topicLength = Buffer.byteLength(topic, 'utf8');
  const propertiesLength = properties.length === 0 ? 0 : Buffer.byteLength(properties, 'utf8');
  const v2 = topicLength > MAX_V1_TOPIC_LENGTH;
  let flag = sysFlag & ~(MessageSysFlag.BORNHOST_V6_FLAG | MessageSysFlag.STOREHOSTADDRESS_V6_FLAG);
  if (bornV6) flag |= MessageSysFlag.BORNHOST_V6_FLAG;
  if (storeV6) flag |= MessageSysFlag.STOREHOSTADDRESS_V6_FLAG;
  const size =
    MIN_RECORD_SIZE +
    bodyLength +
    topicLength +
    propertiesLength +
    (bornV6 ? 12 : 0) +
    (storeV6 ? 12 : 0) +
    (v2 ? 1 : 0);
  return { size, sysFlag: flag, topicLength, propertiesLength, v2 };
}

function writeLong(b: Buffer, v: number, pos: number): void {
  // Offsets and timestamps stay below 2^53; splitting avoids a BigInt per field.
  b.writeInt32BE(Math.floor(v / 0x100000000) | 0, pos);
  b.writeUInt32BE(v >>> 0, pos + 4);
}
function readLong(b: Buffer, pos: number): number {
  return b.readInt32BE(pos) * 0x100000000 + b.readUInt32BE(pos + 4);
}

export { readLong as readInt64, writeLong as writeInt64 };

function putHost(target: Buffer, p: number, host: HostBytes): number {
  // 8 or 20 bytes: a byte loop beats Buffer#copy's call overhead at this size.
  const b = host.bytes;
  const n = b.length;
  for (let i = 0; i < n; i++) target[p + i] = b[i]!;
  return n;
}

// DataView writes compile to plain stores; Buffer#writeInt32BE re-checks its arguments on
// every call. Appends go into a few large blocks, so caching the view of the last target hits.
let viewOf: Buffer | undefined;
let view: DataView = new DataView(new ArrayBuffer(0));
function dataView(target: Buffer): DataView {
  if (target !== viewOf) {
    view = new DataView(target.buffer, target.byteOffset, target.byteLength);
    viewOf = target;
  }
  return view;
}

// Buffer#write normalises its arguments on every call; the native latin1Write behind it is
// several times cheaper and byte-exact for ASCII (utf8 length = string length). Node has had
// it on Buffer.prototype for years, but it is undocumented, hence the guarded fallback.
type Latin1Writer = { latin1Write?: (s: string, offset: number, length: number) => number };
const hasLatin1Write = typeof (Buffer.prototype as Latin1Writer).latin1Write === 'function';
function putString(target: Buffer, s: string, p: number, byteLength: number): number {
  if (hasLatin1Write && byteLength === s.length) return (target as Latin1Writer).latin1Write!(s, p, byteLength);
  return target.write(s, p, byteLength, 'utf8');
}

function setLong(dv: DataView, p: number, v: number): void {
  dv.setInt32(p, Math.floor(v / 0x100000000) | 0);
  dv.setUint32(p + 4, v >>> 0);
}

/** Writes one record at `pos`; returns its size. `crc` may be passed when already known. */
export function writeStoredRecord(
  target: Buffer,
  pos: number,
  r: StoredRecordInput,
  layout: RecordLayout,
  crc: number = bodyCrc(r.body),
): number {
  const dv = dataView(target);
  let p = pos;
  dv.setInt32(p, layout.size);
  dv.setInt32(p + 4, layout.v2 ? MessageMagic.V2 : MessageMagic.V1);
  dv.setInt32(p + 8, crc);
  dv.setInt32(p + 12, r.queueId);
  dv.setInt32(p + 16, r.flag);
  setLong(dv, p + 20, r.queueOffset);
  setLong(dv, p + 28, r.physicalOffset);
  dv.setInt32(p + 36, layout.sysFlag);
  setLong(dv, p + 40, r.bornTimestamp);
  p += 48;
  p += putHost(target, p, r.bornHost);
  setLong(dv, p, r.storeTimestamp);
  p += 8;
  p += putHost(target, p, r.storeHost);
  dv.setInt32(p, r.reconsumeTimes);
  setLong(dv, p + 4, r.preparedTransactionOffset);
  dv.setInt32(p + 12, r.body.length);
  p += 16;
  target.set(r.body, p);
  p += r.body.length;
  if (layout.v2) {
    dv.setInt16(p, layout.topicLength);
    p += 2;
  } else {
    target[p++] = layout.topicLength;
  }
  const tb = layout.topicBytes;
  if (tb) {
    // Topics are short: a byte loop beats a native string write's call overhead.
    for (let i = 0; i < tb.length; i++) target[p + i] = tb[i]!;
    p += tb.length;
  } else {
    p += putString(target, r.topic, p, layout.topicLength);
  }
  dv.setInt16(p, layout.propertiesLength);
  p += 2;
  if (layout.propertiesLength > 0) p += putString(target, r.properties, p, layout.propertiesLength);
  return p - pos;
}

/** Offset of the body length field of a record with `sysFlag` (the body follows it). */
function bodyLengthOffset(sysFlag: number): number {
  const bornLen = sysFlag & MessageSysFlag.BORNHOST_V6_FLAG ? 20 : 8;
  const storeLen = sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG ? 20 : 8;
  return 48 + bornLen + 8 + storeLen + 12;
}

/**
 * Sets BODYCRC of every record in buf[from, to), which must hold whole records (and possibly
 * a BLANK filler) written with `crc` 0 by writeStoredRecord. Lets a writer compute CRCs where
 * the bytes are handed to the file, e.g. off the thread that encodes them.
 */
export function fillBodyCrcs(buf: Buffer, from: number, to: number): void {
  const dv = dataView(buf);
  let p = from;
  while (p + 8 <= to) {
    const size = dv.getInt32(p);
    const magic = dv.getInt32(p + 4);
    if (magic !== MessageMagic.V1 && magic !== MessageMagic.V2) break;
    const bodyAt = p + bodyLengthOffset(dv.getInt32(p + 36));
    const bodyLen = dv.getInt32(bodyAt);
    dv.setInt32(p + 8, bodyCrc(new Uint8Array(buf.buffer, buf.byteOffset + bodyAt + 4, bodyLen)));
    p += size;
  }
}

/** Allocating convenience form of writeStoredRecord (tests, tools, single messages). */
export function encodeStoredRecord(r: StoredRecordInput): Buffer {
  const layout = measureStoredRecord(r.topic, r.properties, r.body.length, r.sysFlag, r.bornHost.v6, r.storeHost.v6);
  const out = Buffer.allocUnsafe(layout.size);
  writeStoredRecord(out, 0, r, layout);
  return out;
}

/** Writes the end-of-segment filler (TOTALSIZE = bytes left, BLANK magic). Needs 8 bytes. */
export function writeBlankRecord(target: Buffer, pos: number, size: number): void {
  target.writeInt32BE(size, pos);
  target.writeInt32BE(MessageMagic.BLANK, pos + 4);
}

/** A decoded record: what the broker and clients look at. `body` is a view, not a copy. */
export interface MessageView {
  storeSize: number;
  magic: number;
  bodyCrc: number;
  queueId: number;
  flag: number;
  queueOffset: number;
  /** CommitLog offset of the record (Java: commitLogOffset). */
  physicalOffset: number;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: string;
  storeTimestamp: number;
  storeHost: string;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  body: Buffer;
  topic: string;
  /** Raw properties string as stored. */
  propertiesString: string;
  properties: MessageProperties;
  /** Offset message id computed from STOREHOST and PHYSICALOFFSET. */
  msgId: string;
}

/** What sits at a position of a CommitLog segment, judged from its bytes alone. */
export type RecordProbe =
  | { kind: 'record'; size: number }
  | { kind: 'blank'; size: number }
  /** TOTALSIZE 0: never-written space (preallocated files are zero-filled). */
  | { kind: 'end' }
  | { kind: 'corrupt'; reason: string };

/**
 * Checks structure (sizes add up, magic known, lengths inside the record) and, when asked,
 * the body CRC. Recovery uses it to find the torn tail; it never throws.
 */
export function probeStoredRecord(buf: Buffer, pos: number, limit: number, verifyCrc: boolean): RecordProbe {
  if (pos + 8 > limit)
    return limit - pos >= 4 && buf.readInt32BE(pos) !== 0 ? { kind: 'corrupt', reason: 'short' } : { kind: 'end' };
  const size = buf.readInt32BE(pos);
  const magic = buf.readInt32BE(pos + 4);
  if (size === 0 && magic === 0) return { kind: 'end' };
  if (magic === MessageMagic.BLANK) {
    return size >= 8 && pos + size <= limit ? { kind: 'blank', size } : { kind: 'corrupt', reason: 'blank size' };
  }
  if (magic !== MessageMagic.V1 && magic !== MessageMagic.V2) return { kind: 'corrupt', reason: 'magic' };
  if (size < MIN_RECORD_SIZE || pos + size > limit) return { kind: 'corrupt', reason: 'size' };
  let p = pos + bodyLengthOffset(buf.readInt32BE(pos + 36));
  // IPv6 host flags move the body length past MIN_RECORD_SIZE (which assumes IPv4 hosts).
  if (p + 4 > pos + size) return { kind: 'corrupt', reason: 'size' };
  const bodyLen = buf.readInt32BE(p);
  p += 4;
  if (bodyLen < 0 || p + bodyLen > pos + size) return { kind: 'corrupt', reason: 'body length' };
  const bodyStart = p;
  p += bodyLen;
  let topicLen: number;
  if (magic === MessageMagic.V2) {
    if (p + 2 > pos + size) return { kind: 'corrupt', reason: 'topic length' };
    topicLen = buf.readInt16BE(p);
    p += 2;
  } else {
    if (p + 1 > pos + size) return { kind: 'corrupt', reason: 'topic length' };
    topicLen = buf[p]!;
    p += 1;
  }
  if (topicLen < 0 || p + topicLen + 2 > pos + size) return { kind: 'corrupt', reason: 'topic length' };
  p += topicLen;
  const propLen = buf.readInt16BE(p);
  p += 2;
  if (propLen < 0 || p + propLen !== pos + size) return { kind: 'corrupt', reason: 'properties length' };
  if (verifyCrc && bodyCrc(buf.subarray(bodyStart, bodyStart + bodyLen)) !== buf.readInt32BE(pos + 8)) {
    return { kind: 'corrupt', reason: 'body crc' };
  }
  return { kind: 'record', size };
}

/**
 * Decodes the record at `pos` (which must have passed probeStoredRecord, or come from the
 * store). Returns undefined for anything that is not a well-formed message record.
 */
export function decodeStoredRecord(
  buf: Buffer,
  pos = 0,
  options: { properties?: boolean } = {},
): MessageView | undefined {
  const probe = probeStoredRecord(buf, pos, buf.length, false);
  if (probe.kind !== 'record') return undefined;
  const magic = buf.readInt32BE(pos + 4);
  const sysFlag = buf.readInt32BE(pos + 36);
  const bornV6 = (sysFlag & MessageSysFlag.BORNHOST_V6_FLAG) !== 0;
  const storeV6 = (sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG) !== 0;
  let p = pos + 48;
  const bornHost = formatHost(buf, p, bornV6);
  p += bornV6 ? 20 : 8;
  const storeTimestamp = readLong(buf, p);
  p += 8;
  const storeHostBytes: HostBytes = { bytes: buf.subarray(p, p + (storeV6 ? 20 : 8)), v6: storeV6 };
  const storeHost = formatHost(buf, p, storeV6);
  p += storeV6 ? 20 : 8;
  const reconsumeTimes = buf.readInt32BE(p);
  const preparedTransactionOffset = readLong(buf, p + 4);
  const bodyLen = buf.readInt32BE(p + 12);
  p += 16;
  const body = buf.subarray(p, p + bodyLen);
  p += bodyLen;
  let topicLen: number;
  if (magic === MessageMagic.V2) {
    topicLen = buf.readInt16BE(p);
    p += 2;
  } else {
    topicLen = buf[p++]!;
  }
  const topic = buf.toString('utf8', p, p + topicLen);
  p += topicLen;
  const propLen = buf.readInt16BE(p);
  p += 2;
  const propertiesString = propLen > 0 ? buf.toString('utf8', p, p + propLen) : '';
  const physicalOffset = readLong(buf, pos + 28);
  return {
    storeSize: probe.size,
    magic,
    bodyCrc: buf.readInt32BE(pos + 8),
    queueId: buf.readInt32BE(pos + 12),
    flag: buf.readInt32BE(pos + 16),
    queueOffset: readLong(buf, pos + 20),
    physicalOffset,
    sysFlag,
    bornTimestamp: readLong(buf, pos + 40),
    bornHost,
    storeTimestamp,
    storeHost,
    reconsumeTimes,
    preparedTransactionOffset,
    body,
    topic,
    propertiesString,
    properties: options.properties === false ? new Map() : decodeProperties(propertiesString),
    msgId: createOffsetMsgId(storeHostBytes, physicalOffset),
  };
}

/** Decodes concatenated records (a pull / query response body) until the buffer ends. */
export function decodeStoredRecords(buf: Buffer): MessageView[] {
  const out: MessageView[] = [];
  let pos = 0;
  while (pos + MIN_RECORD_SIZE <= buf.length) {
    const m = decodeStoredRecord(buf, pos);
    if (!m) break;
    out.push(m);
    pos += m.storeSize;
  }
  return out;
}

/**
 * The PROPERTIES string of the record at `pos` without decoding the rest (the broker's
 * SQL92 filter reads it per message). '' when the record is cut short.
 */
export function readRecordProperties(buf: Buffer, pos = 0): string {
  if (pos + MIN_RECORD_SIZE > buf.length) return '';
  const sysFlag = buf.readInt32BE(pos + 36);
  let p = pos + 48 + ((sysFlag & MessageSysFlag.BORNHOST_V6_FLAG) !== 0 ? 20 : 8) + 8;
  p += ((sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG) !== 0 ? 20 : 8) + 12;
  if (p + 4 > buf.length) return '';
  p += 4 + buf.readInt32BE(p);
  if (p + 2 > buf.length || p < pos) return '';
  if (buf.readInt32BE(pos + 4) === MessageMagic.V2) p += 2 + buf.readInt16BE(p);
  else p += 1 + buf[p]!;
  if (p + 2 > buf.length) return '';
  const len = buf.readInt16BE(p);
  p += 2;
  return len > 0 && p + len <= buf.length ? buf.toString('utf8', p, p + len) : '';
}

/** STORETIMESTAMP of a record without decoding the rest (its position depends on BORNHOST). */
export function readStoreTimestamp(buf: Buffer, pos: number): number {
  const v6 = (buf.readInt32BE(pos + 36) & MessageSysFlag.BORNHOST_V6_FLAG) !== 0;
  return readLong(buf, pos + 48 + (v6 ? 20 : 8));
}

/** Properties over the 2-byte length limit make PROPERTIES_SIZE_EXCEEDED. */
export const propertiesTooLong = (layout: RecordLayout): boolean => layout.propertiesLength > MAX_PROPERTIES_SIZE;
