// Fast encoding of the JSON remoting header, one of the costliest steps of every request on
// a broker: JSON.stringify needs the header rebuilt as an object first (with a copy of
// extFields), whereas the header's shape is fixed and its keys repeat. Only the common case
// is handled; anything else returns undefined and the caller uses JSON.stringify, which stays
// the single definition of the edge cases.

enum Ch {
  Quote = 34,
  Zero = 48,
  Nine = 57,
  Backslash = 92,
}

/** Keys and short values that need no escaping go out as `"text"`; others through JSON.stringify. */
function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === Ch.Quote || c === Ch.Backslash || c > 0x7e) return true;
  }
  return false;
}

/** `"key":` as JSON.stringify writes it, and whether that is pure ASCII. */
interface QuotedKey {
  text: string;
  ascii: boolean;
}
const quotedKeys = new Map<string, QuotedKey>();
function quoteKey(k: string): QuotedKey {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    const text = `${JSON.stringify(k)}:`;
    q = { text, ascii: !hasNonAscii(text) };
    if (quotedKeys.size < 1024) quotedKeys.set(k, q);
  }
  return q;
}

function hasNonAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7e) return true;
  return false;
}

/** Set while building one header when some part is not pure ASCII (latin1 length ≠ bytes). */
let sawNonAscii = false;

function quote(s: string): string {
  if (!needsEscape(s)) return `"${s}"`;
  const q = JSON.stringify(s);
  if (!sawNonAscii && hasNonAscii(q)) sawNonAscii = true;
  return q;
}

/** An array-index key would be ordered first by JSON.stringify; leave those to it. */
function isIndexLike(k: string): boolean {
  const c = k.charCodeAt(0);
  return c >= Ch.Zero && c <= Ch.Nine;
}

export interface JsonHeaderFields {
  code: number;
  flag: number;
  language: string;
  opaque: number;
  remark?: string | undefined;
  version: number;
  extFields: Record<string, string>;
}

/**
 * The header text JSON.stringify would produce for our header object (keys in alphabetical
 * order, nulls omitted, extFields as strings), built without the intermediate objects.
 * `ascii` is true when the text is pure ASCII (its length is then its byte length).
 * Undefined for the unusual cases (an index-like extFields key, which JSON.stringify
 * orders first; a non-integer number; a non-string language or remark): the caller then
 * uses JSON.stringify.
 */
export function jsonHeaderTextFast(cmd: JsonHeaderFields): { text: string; ascii: boolean } | undefined {
  const { code, flag, opaque, version, language, remark } = cmd;
  if (!Number.isInteger(code) || !Number.isInteger(flag) || !Number.isInteger(opaque) || !Number.isInteger(version)) {
    return undefined;
  }
  if (typeof language !== 'string' || (remark !== undefined && typeof remark !== 'string')) return undefined;
  sawNonAscii = false;
  let ext = '';
  const fields = cmd.extFields;
  for (const k in fields) {
    const v = fields[k];
    if (v === undefined || v === null) continue;
    if (isIndexLike(k)) return undefined;
    const q = quoteKey(k);
    if (!q.ascii) sawNonAscii = true;
    const vs = quote(typeof v === 'string' ? v : String(v));
    ext += ext.length === 0 ? q.text + vs : `,${q.text}${vs}`;
  }
  const lang = quote(language);
  const rem = remark === undefined ? '' : `,"remark":${quote(remark)}`;
  const text = `{"code":${code},"extFields":{${ext}},"flag":${flag},"language":${lang},"opaque":${opaque}${rem},"serializeTypeCurrentRPC":"JSON","version":${version}}`;
  return { text, ascii: !sawNonAscii };
}
