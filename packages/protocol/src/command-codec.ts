import { err, ok, type Result } from '@rocketmq-ts/common';
import { LANGUAGES, languageToCode } from './codes.js';
import { jsonDepthWithin, MAX_HEADER_VALUE_DEPTH } from './decode-limits.js';
import { checkHeaderWord } from './frame-splitter.js';
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
  const tooLarge = checkHeaderWord(word);
  if (tooLarge) return err(tooLarge);
  const decoded =
    type === SerializeType.JSON
      ? decodeJsonHeader(frame.toString('utf8', 4, 4 + headerLength))
      : type === SerializeType.ROCKETMQ
        ? decodeBinaryHeader(frame, 4 + headerLength)
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

function decodeJsonHeader(text: string): Result<RemotingCommand, ProtocolError> {
  let h: unknown;
  try {
    h = JSON.parse(text);
  } catch (e) {
    return err(protocolError('header-json', `header is not JSON: ${(e as Error).message}`));
  }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return fieldError('header is not a JSON object');
  const o = h as Record<string, unknown>;
  const r = validated(o.code, o.opaque, o.flag, o.version, o.language, o.remark);
  if (!r.ok) return r;
  const ext = o.extFields;
  if (ext !== undefined && ext !== null) {
    if (typeof ext !== 'object' || Array.isArray(ext)) return fieldError('header field extFields must be an object');
    const fields = adoptFields(ext as Record<string, unknown>);
    if (fields === undefined) {
      return fieldError(`header field extFields nests deeper than ${MAX_HEADER_VALUE_DEPTH} levels`);
    }
    r.value.extFields = fields;
  }
  return r;
}

/**
 * Turns the parsed extFields object into ours in place: null prototype (JSON.parse already
 * made any `__proto__` key an own data property), every value a string. Adopting the object
 * instead of copying it into Object.create(null) saves a dictionary-mode insert per field.
 * Undefined when a value nests deeper than MAX_HEADER_VALUE_DEPTH.
 */
function adoptFields(src: Record<string, unknown>): Record<string, string> | undefined {
  Object.setPrototypeOf(src, null);
  for (const k in src) {
    const v = src[k];
    if (typeof v === 'string') continue;
    // Java and Go send strings; ali-ons sends raw numbers and booleans. Normalise to strings.
    if (v === null || v === undefined) delete src[k];
    else if (typeof v !== 'object') src[k] = String(v);
    // JSON.parse nests iteratively but JSON.stringify recurses: a value thousands of levels
    // deep would overflow the stack, so the depth is checked (iteratively) first.
    else if (!jsonDepthWithin(v, MAX_HEADER_VALUE_DEPTH)) return undefined;
    else src[k] = JSON.stringify(v);
  }
  return src as Record<string, string>;
}

/** The field checks shared by the fast scanner and the JSON.parse path. */
function validated(
  code: unknown,
  opaqueIn: unknown,
  flagIn: unknown,
  versionIn: unknown,
  languageIn: unknown,
  remark: unknown,
): Result<RemotingCommand, ProtocolError> {
  if (!isInt32(code)) return fieldError('header field code must be an int');
  const opaque = opaqueIn ?? 0;
  if (!isInt32(opaque)) return fieldError('header field opaque must be an int');
  const flag = flagIn ?? 0;
  if (!isInt32(flag)) return fieldError('header field flag must be an int');
  const version = versionIn ?? 0;
  if (!isInt32(version)) return fieldError('header field version must be an int');
  const language = languageIn ?? 'OTHER';
  if (typeof language !== 'string' && !isInt32(language)) return fieldError('header field language is invalid');
  if (remark !== undefined && remark !== null && typeof remark !== 'string') {
    return fieldError('header field remark must be a string');
  }
  return ok({
    code,
    language: typeof language === 'string' ? language : (LANGUAGES[language] ?? 'OTHER'),
    version,
    opaque,
    flag,
    remark: typeof remark === 'string' ? remark : undefined,
    extFields: emptyFields(),
    serializeType: SerializeType.JSON,
  });
}

/** Whether h[from, to) is all ASCII (then latin1 and UTF-8 read it alike). */
function asciiBytes(h: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (h[i]! > 0x7f) return false;
  return true;
}

// Header keys come from a small set (the fields of the header schemas), so each is decoded
// once and then reused: a direct-mapped cache by length and first, middle and last byte,
// confirmed byte by byte. Values are not cached (offsets and timestamps change every request).
const KEY_SLOTS = 512;
const keyBytes: (Buffer | undefined)[] = new Array(KEY_SLOTS).fill(undefined);
const keyStrings: string[] = new Array(KEY_SLOTS).fill('');

function cachedKey(h: Buffer, from: number, len: number): string | undefined {
  if (len === 0 || len > 64) return undefined;
  const slot = (len * 31 + h[from]! * 7 + h[from + (len >>> 1)]! * 3 + h[from + len - 1]!) & (KEY_SLOTS - 1);
  const cached = keyBytes[slot];
  if (cached === undefined || cached.length !== len) return undefined;
  for (let i = 0; i < len; i++) if (cached[i] !== h[from + i]) return undefined;
  return keyStrings[slot];
}

function cacheKey(h: Buffer, from: number, len: number, key: string): void {
  // Only ASCII keys (one byte per character) are cached.
  if (len === 0 || len > 64 || key.length !== len) return;
  const slot = (len * 31 + h[from]! * 7 + h[from + (len >>> 1)]! * 3 + h[from + len - 1]!) & (KEY_SLOTS - 1);
  keyBytes[slot] = Buffer.from(h.subarray(from, from + len));
  keyStrings[slot] = key;
}

function truncated(what: string): { ok: false; error: ProtocolError } {
  return err(protocolError('header-binary', `binary header truncated at ${what}`));
}

/**
 * h[from, to) as a string: a slice of `text` (h read as latin1 from HEADER_START) when the
 * bytes are ASCII, where latin1 and UTF-8 agree, else decoded as UTF-8.
 */
function headerString(h: Buffer, text: string, ascii: boolean, from: number, to: number): string {
  return ascii || asciiBytes(h, from, to)
    ? text.slice(from - HEADER_START, to - HEADER_START)
    : h.toString('utf8', from, to);
}

/** Where the header starts in a frame: after the serialize-type/header-length word. */
const HEADER_START = 4;

/** Decodes the binary header at frame[HEADER_START, limit), read in place (no subarray). */
function decodeBinaryHeader(h: Buffer, limit: number): Result<RemotingCommand, ProtocolError> {
  const b = HEADER_START;
  if (limit - b < 21) return truncated('fixed part');
  const code = h.readInt16BE(b);
  const languageCode = h[b + 2]!;
  const version = h.readInt16BE(b + 3);
  const opaque = h.readInt32BE(b + 5);
  const flag = h.readInt32BE(b + 9);
  const remarkLength = h.readInt32BE(b + 13);
  // The header as one latin1 string (one native call): character offsets are byte offsets,
  // so an ASCII field (the usual case) is a slice of it. A header with any byte above 0x7f
  // reads those strings as UTF-8 instead.
  const text = h.toString('latin1', b, limit);
  let off = b + 17;
  const ascii = asciiBytes(h, off, limit);
  if (remarkLength < 0 || remarkLength > limit - off - 4) return truncated('remark');
  const remark = remarkLength > 0 ? headerString(h, text, ascii, off, off + remarkLength) : undefined;
  off += remarkLength;
  const extLength = h.readInt32BE(off);
  off += 4;
  if (extLength < 0 || extLength > limit - off) return truncated('extFields length');
  const end = off + extLength;
  const extFields = emptyFields();
  while (off < end) {
    if (end - off < 2) return truncated('extFields key length');
    const kl = (h[off]! << 8) | h[off + 1]!;
    off += 2;
    if (kl > end - off - 4) return truncated('extFields key');
    let key = cachedKey(h, off, kl);
    if (key === undefined) {
      key = headerString(h, text, ascii, off, off + kl);
      cacheKey(h, off, kl, key);
    }
    off += kl;
    const vl = h.readInt32BE(off);
    off += 4;
    if (vl < 0 || vl > end - off) return truncated('extFields value');
    extFields[key] = headerString(h, text, ascii, off, off + vl);
    off += vl;
  }
  return ok({
    code,
    language: LANGUAGES[languageCode] ?? 'OTHER',
    version,
    opaque,
    flag,
    remark,
    extFields,
    serializeType: SerializeType.ROCKETMQ,
  });
}

/**
 * Encodes the frame prefix (length, type word, header) for `cmd`; the body, if any, follows
 * as a separate buffer so large bodies (pull responses) are written without a copy.
 */
export function encodeCommandHeader(cmd: RemotingCommand, type: SerializeType = SerializeType.JSON): Buffer {
  const bodyLength = bodyLengthOf(cmd);
  if (type === SerializeType.JSON) {
    // The header text is written straight into the frame buffer: one allocation per frame.
    // (A hand-built header string was ~1 µs cheaper per frame but raised the e2e p99 of
    // bench/broker's latency scenario from ~2 to ~4 ms, reproducibly; JSON.stringify stays.)
    const text = jsonHeaderText(cmd);
    const headerLength = Buffer.byteLength(text, 'utf8');
    const out = Buffer.allocUnsafe(8 + headerLength);
    out.writeInt32BE(4 + headerLength + bodyLength, 0);
    out.writeUInt32BE(headerLength, 4);
    out.write(text, 8, 'utf8');
    return out;
  }
  // Binary headers carry a 16-bit code and read zero-length strings as null: a command
  // they cannot represent goes out as JSON, which every decoder also reads.
  if (!binaryCanCarry(cmd)) return encodeCommandHeader(cmd, SerializeType.JSON);
  return encodeBinaryHeader(cmd, bodyLength);
}

function binaryCanCarry(cmd: RemotingCommand): boolean {
  if (cmd.code > 32767 || cmd.code < -32768 || cmd.version > 32767 || cmd.remark === '') return false;
  for (const k in cmd.extFields) if (cmd.extFields[k] === '') return false;
  return true;
}

/** Bytes of the body, whether one buffer or parts written back to back. */
export function bodyLengthOf(cmd: RemotingCommand): number {
  const parts = cmd.bodyParts;
  if (parts === undefined) return cmd.body?.length ?? 0;
  let n = 0;
  for (let i = 0; i < parts.length; i++) n += parts[i]!.length;
  return n;
}

/** The whole frame in one buffer (tests, small commands). */
export function encodeCommand(cmd: RemotingCommand, type: SerializeType = SerializeType.JSON): Buffer {
  const head = encodeCommandHeader(cmd, type);
  if (cmd.bodyParts !== undefined) return Buffer.concat([head, ...cmd.bodyParts]);
  return cmd.body && cmd.body.length > 0 ? Buffer.concat([head, cmd.body]) : head;
}

// Keys in alphabetical order, nulls omitted, every extField a string: what Java emits and
// what the Go client (map[string]string) can parse.
function jsonHeaderText(cmd: RemotingCommand): string {
  // A plain object: JSON.stringify takes its fast path only for those (a null-prototype copy
  // cost ~2 µs more per header). A `__proto__` key is defined as data, not assigned, so it is
  // written like any other key instead of setting the prototype.
  const ext: Record<string, string> = {};
  for (const k in cmd.extFields) {
    const v = cmd.extFields[k];
    if (v === undefined || v === null) continue;
    const value = typeof v === 'string' ? v : String(v);
    if (k === '__proto__')
      Object.defineProperty(ext, k, { value, enumerable: true, writable: true, configurable: true });
    else ext[k] = value;
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

// Binary headers: one pass measures (and checks that every string is ASCII, where characters
// are bytes), a second writes each string straight into the frame buffer. No intermediate
// strings: concatenating them cost several cons strings and a flattening copy per field.
const NON_ASCII = /[\u0080-\uffff]/;

/** Writes ASCII `s` at `off`; returns its length. Short strings by hand: a native call costs more. */
function writeAscii(out: Buffer, s: string, off: number): number {
  const n = s.length;
  if (n > 32) return out.write(s, off, 'latin1');
  for (let i = 0; i < n; i++) out[off + i] = s.charCodeAt(i);
  return n;
}

function encodeBinaryHeader(cmd: RemotingCommand, bodyLength: number): Buffer {
  const remark = cmd.remark ?? '';
  const ext = cmd.extFields;
  let ascii = !NON_ASCII.test(remark);
  let extLength = 0;
  for (const k in ext) {
    const v = ext[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || NON_ASCII.test(k) || NON_ASCII.test(v)) {
      ascii = false;
      break;
    }
    extLength += 6 + k.length + v.length;
  }
  if (!ascii) return encodeBinaryHeaderUtf8(cmd, bodyLength);
  const headerLength = 21 + remark.length + extLength;
  const out = Buffer.allocUnsafe(8 + headerLength);
  out.writeInt32BE(4 + headerLength + bodyLength, 0);
  out.writeUInt32BE(((SerializeType.ROCKETMQ << 24) | headerLength) >>> 0, 4);
  writeFixedPart(out, cmd);
  out.writeInt32BE(remark.length, 21);
  let off = 25;
  if (remark.length > 0) off += writeAscii(out, remark, off);
  out.writeInt32BE(extLength, off);
  off += 4;
  for (const k in ext) {
    const v = ext[k];
    if (v === undefined || v === null) continue;
    out[off] = k.length >>> 8;
    out[off + 1] = k.length & 0xff;
    off += 2;
    off += writeAscii(out, k, off);
    out.writeInt32BE(v.length, off);
    off += 4;
    off += writeAscii(out, v, off);
  }
  return out;
}

function writeFixedPart(out: Buffer, cmd: RemotingCommand): void {
  out.writeInt16BE((cmd.code << 16) >> 16, 8);
  out[10] = languageToCode(cmd.language);
  out.writeInt16BE((cmd.version << 16) >> 16, 11);
  out.writeInt32BE(cmd.opaque, 13);
  out.writeInt32BE(cmd.flag, 17);
}

function encodeBinaryHeaderUtf8(cmd: RemotingCommand, bodyLength: number): Buffer {
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
  const headerLength = 21 + (remark?.length ?? 0) + extLength;
  const out = Buffer.allocUnsafe(8 + headerLength);
  out.writeInt32BE(4 + headerLength + bodyLength, 0);
  out.writeUInt32BE(((SerializeType.ROCKETMQ << 24) | headerLength) >>> 0, 4);
  writeFixedPart(out, cmd);
  let off = 21;
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
