import { err, ok, type Result } from '@rocketmq-ts/common';
import { LANGUAGES, languageToCode } from './codes.js';
import { type ProtocolError, protocolError } from './protocol-error.js';
import { emptyFields, type RemotingCommand, SerializeType } from './remoting-command.js';

// Header layout: docs/formats.md §1. A frame (after the length field) is
// [serializeType:1 | headerLength:3][header][body].

/** Decodes one frame as cut by FrameSplitter. Never throws. */
export function decodeCommand(frame: Buffer): Result<RemotingCommand, ProtocolError> {
  if (frame.length < 4) return err(protocolError('frame-too-short', 'frame shorter than its header-length word'));
  const word = frame.readUInt32BE(0);
  const type = word >>> 24;
  const headerLength = word & 0xffffff;
  if (headerLength > frame.length - 4) {
    return err(protocolError('header-length', `header length ${headerLength} exceeds frame (${frame.length - 4})`));
  }
  const header = frame.subarray(4, 4 + headerLength);
  const decoded =
    type === SerializeType.JSON
      ? decodeJsonHeader(header)
      : type === SerializeType.ROCKETMQ
        ? decodeBinaryHeader(header)
        : err(protocolError('serialize-type', `unknown serialize type ${type}`));
  if (!decoded.ok) return decoded;
  if (frame.length > 4 + headerLength) decoded.value.body = frame.subarray(4 + headerLength);
  return decoded;
}

function fieldError(message: string): { ok: false; error: ProtocolError } {
  return err(protocolError('header-field', message));
}

function isInt32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
}

function decodeJsonHeader(header: Buffer): Result<RemotingCommand, ProtocolError> {
  let h: unknown;
  try {
    h = JSON.parse(header.toString('utf8'));
  } catch (e) {
    return err(protocolError('header-json', `header is not JSON: ${(e as Error).message}`));
  }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return fieldError('header is not a JSON object');
  const o = h as Record<string, unknown>;
  if (!isInt32(o.code)) return fieldError('header field code must be an int');
  const opaque = o.opaque ?? 0;
  if (!isInt32(opaque)) return fieldError('header field opaque must be an int');
  const flag = o.flag ?? 0;
  if (!isInt32(flag)) return fieldError('header field flag must be an int');
  const version = o.version ?? 0;
  if (!isInt32(version)) return fieldError('header field version must be an int');
  const language = o.language ?? 'OTHER';
  if (typeof language !== 'string' && !isInt32(language)) return fieldError('header field language is invalid');
  const remark = o.remark;
  if (remark !== undefined && remark !== null && typeof remark !== 'string') {
    return fieldError('header field remark must be a string');
  }
  const extFields = emptyFields();
  const ext = o.extFields;
  if (ext !== undefined && ext !== null) {
    if (typeof ext !== 'object' || Array.isArray(ext)) return fieldError('header field extFields must be an object');
    // Java and Go send strings; ali-ons sends raw numbers and booleans. Normalise to strings.
    const src = ext as Record<string, unknown>;
    for (const k in src) {
      const v = src[k];
      if (typeof v === 'string') extFields[k] = v;
      else if (v !== null && v !== undefined) extFields[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
  }
  return ok({
    code: o.code,
    language: typeof language === 'string' ? language : (LANGUAGES[language] ?? 'OTHER'),
    version,
    opaque,
    flag,
    remark: typeof remark === 'string' ? remark : undefined,
    extFields,
  });
}

function decodeBinaryHeader(h: Buffer): Result<RemotingCommand, ProtocolError> {
  const bad = (what: string) => err(protocolError('header-binary', `binary header truncated at ${what}`));
  if (h.length < 21) return bad('fixed part');
  const code = h.readInt16BE(0);
  const languageCode = h.readUInt8(2);
  const version = h.readInt16BE(3);
  const opaque = h.readInt32BE(5);
  const flag = h.readInt32BE(9);
  const remarkLength = h.readInt32BE(13);
  let off = 17;
  if (remarkLength < 0 || remarkLength > h.length - off - 4) return bad('remark');
  const remark = remarkLength > 0 ? h.toString('utf8', off, off + remarkLength) : undefined;
  off += remarkLength;
  const extLength = h.readInt32BE(off);
  off += 4;
  if (extLength < 0 || extLength > h.length - off) return bad('extFields length');
  const end = off + extLength;
  const extFields = emptyFields();
  while (off < end) {
    if (end - off < 2) return bad('extFields key length');
    const kl = h.readUInt16BE(off);
    off += 2;
    if (kl > end - off - 4) return bad('extFields key');
    const key = h.toString('utf8', off, off + kl);
    off += kl;
    const vl = h.readInt32BE(off);
    off += 4;
    if (vl < 0 || vl > end - off) return bad('extFields value');
    extFields[key] = h.toString('utf8', off, off + vl);
    off += vl;
  }
  return ok({ code, language: LANGUAGES[languageCode] ?? 'OTHER', version, opaque, flag, remark, extFields });
}

/**
 * Encodes the frame prefix (length, type word, header) for `cmd`; the body, if any, follows
 * as a separate buffer so large bodies (pull responses) are written without a copy.
 */
export function encodeCommandHeader(cmd: RemotingCommand, type: SerializeType = SerializeType.JSON): Buffer {
  const bodyLength = cmd.body?.length ?? 0;
  if (type === SerializeType.JSON) {
    // The header text is written straight into the frame buffer: one allocation per frame.
    const text = jsonHeaderText(cmd);
    const headerLength = Buffer.byteLength(text, 'utf8');
    const out = Buffer.allocUnsafe(8 + headerLength);
    out.writeInt32BE(4 + headerLength + bodyLength, 0);
    out.writeUInt32BE(headerLength, 4);
    out.write(text, 8, 'utf8');
    return out;
  }
  const header = encodeBinaryHeader(cmd);
  const out = Buffer.allocUnsafe(8 + header.length);
  out.writeInt32BE(4 + header.length + bodyLength, 0);
  out.writeUInt32BE(((type << 24) | header.length) >>> 0, 4);
  header.copy(out, 8);
  return out;
}

/** The whole frame in one buffer (tests, small commands). */
export function encodeCommand(cmd: RemotingCommand, type: SerializeType = SerializeType.JSON): Buffer {
  const head = encodeCommandHeader(cmd, type);
  return cmd.body && cmd.body.length > 0 ? Buffer.concat([head, cmd.body]) : head;
}

// Keys in alphabetical order, nulls omitted, every extField a string: what Java emits and
// what the Go client (map[string]string) can parse.
function jsonHeaderText(cmd: RemotingCommand): string {
  const ext: Record<string, string> = {};
  for (const k in cmd.extFields) {
    const v = cmd.extFields[k];
    if (v !== undefined && v !== null) ext[k] = typeof v === 'string' ? v : String(v);
  }
  const header: Record<string, unknown> = {
    code: cmd.code,
    extFields: ext,
    flag: cmd.flag,
    language: cmd.language,
    opaque: cmd.opaque,
  };
  if (cmd.remark !== undefined) header.remark = cmd.remark;
  header.serializeTypeCurrentRPC = 'JSON';
  header.version = cmd.version;
  return JSON.stringify(header);
}

function encodeBinaryHeader(cmd: RemotingCommand): Buffer {
  const remark = cmd.remark ? Buffer.from(cmd.remark, 'utf8') : undefined;
  const entries: [Buffer, Buffer][] = [];
  let extLength = 0;
  for (const k in cmd.extFields) {
    const v = cmd.extFields[k];
    if (v === undefined || v === null) continue;
    const kb = Buffer.from(k, 'utf8');
    const vb = Buffer.from(String(v), 'utf8');
    entries.push([kb, vb]);
    extLength += 2 + kb.length + 4 + vb.length;
  }
  const out = Buffer.allocUnsafe(21 + (remark?.length ?? 0) + extLength);
  out.writeInt16BE((cmd.code << 16) >> 16, 0);
  out.writeUInt8(languageToCode(cmd.language), 2);
  out.writeInt16BE((cmd.version << 16) >> 16, 3);
  out.writeInt32BE(cmd.opaque, 5);
  out.writeInt32BE(cmd.flag, 9);
  let off = 13;
  out.writeInt32BE(remark?.length ?? 0, off);
  off += 4;
  if (remark) off += remark.copy(out, off);
  out.writeInt32BE(extLength, off);
  off += 4;
  for (const [kb, vb] of entries) {
    out.writeUInt16BE(kb.length, off);
    off += 2;
    off += kb.copy(out, off);
    out.writeInt32BE(vb.length, off);
    off += 4;
    off += vb.copy(out, off);
  }
  return out;
}
