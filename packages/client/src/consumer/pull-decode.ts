import {
  inflateBoundedSync,
  MAX_INFLATED_MESSAGE_BYTES,
  MessageMagic,
  MessageSysFlag,
  MIN_RECORD_SIZE,
  probeStoredRecord,
} from '@rocketmq-ts/protocol';
import { ReceivedMessage, type RecordSpans } from './received-message.js';

/**
 * Decodes a pull/query/view response body record by record, straight from the buffer: no
 * intermediate JSON, and only the fixed fields, topic and body up front (see ReceivedMessage
 * for the rest). Messages whose tag fails `accept` are skipped (the broker filters on the tag
 * hash only, and hashes can collide). Compressed bodies are inflated (zlib is what every known
 * producer uses; LZ4/ZSTD bodies are passed through untouched). `topic`, when given, is the
 * topic the records are expected to carry: a record whose topic bytes match it shares that
 * string instead of decoding its own.
 */
export function decodeMessages<M extends ReceivedMessage = ReceivedMessage>(
  body: Buffer,
  brokerName: string,
  accept?: (tags: string | undefined) => boolean,
  topic?: string,
  create: RecordFactory<M> = newReceived as RecordFactory<M>,
): M[] {
  const out: M[] = [];
  let pos = 0;
  while (pos + MIN_RECORD_SIZE <= body.length) {
    const probe = probeStoredRecord(body, pos, body.length, false);
    if (probe.kind !== 'record') break;
    const m = decodeAt(body, pos, brokerName, topic, create);
    pos += probe.size;
    if (accept && !accept(m.tags)) continue;
    out.push(m);
  }
  return out;
}

/** One record that probeStoredRecord accepted (so every length below is in bounds). */
/** Builds the message object of one record (ReceivedMessage or a subclass). */
export type RecordFactory<M extends ReceivedMessage> = (
  buf: Buffer,
  spans: RecordSpans,
  topic: string,
  body: Buffer,
  brokerName: string,
) => M;

const newReceived: RecordFactory<ReceivedMessage> = (buf, spans, topic, body, brokerName) =>
  new ReceivedMessage(buf, spans, topic, body, brokerName);

function decodeAt<M extends ReceivedMessage>(
  buf: Buffer,
  pos: number,
  brokerName: string,
  expectedTopic: string | undefined,
  create: RecordFactory<M>,
): M {
  const sysFlag = buf.readInt32BE(pos + 36);
  const storeHostPos = pos + 48 + (sysFlag & MessageSysFlag.BORNHOST_V6_FLAG ? 20 : 8) + 8;
  let p = storeHostPos + (sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG ? 20 : 8) + 12;
  const bodyLength = buf.readInt32BE(p);
  p += 4;
  let msgBody = buf.subarray(p, p + bodyLength);
  p += bodyLength;
  let topicLength: number;
  if (buf.readInt32BE(pos + 4) === MessageMagic.V2) {
    topicLength = buf.readInt16BE(p);
    p += 2;
  } else {
    topicLength = buf[p++]!;
  }
  const topic =
    expectedTopic !== undefined && asciiEquals(buf, p, topicLength, expectedTopic)
      ? expectedTopic
      : buf.toString('utf8', p, p + topicLength);
  p += topicLength;
  const propertiesLength = buf.readInt16BE(p);
  if ((sysFlag & MessageSysFlag.COMPRESSED_FLAG) !== 0) {
    const type = sysFlag & MessageSysFlag.COMPRESSION_TYPE_MASK;
    if (type === 0 || type === MessageSysFlag.COMPRESSION_ZLIB_TYPE) {
      // Past the bound or not zlib: leave the bytes as stored, so a consumer sees something
      // rather than losing the message.
      const inflated = inflateBoundedSync(msgBody, MAX_INFLATED_MESSAGE_BYTES);
      if (inflated.ok) msgBody = inflated.value;
    }
  }
  return create(buf, { pos, storeHostPos, propertiesPos: p + 2, propertiesLength }, topic, msgBody, brokerName);
}

/** Whether the bytes at `pos` are exactly `s`, for a string of single-byte (ASCII) characters. */
function asciiEquals(buf: Buffer, pos: number, length: number, s: string): boolean {
  if (length !== s.length) return false;
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f || buf[pos + i] !== c) return false;
  }
  return true;
}
