// Message properties: `name \u0001 value \u0002` pairs (docs/formats.md §4). Java writes a
// separator after the last pair too, and its parser drops pairs with an empty name or value;
// both behaviours are kept so round trips with Java clients are byte-identical.

export const NAME_VALUE_SEPARATOR = '\u0001';
export const PROPERTY_SEPARATOR = '\u0002';

export type MessageProperties = Map<string, string>;

export function decodeProperties(text: string): MessageProperties {
  const out: MessageProperties = new Map();
  let start = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = n;
    const sep = text.indexOf(NAME_VALUE_SEPARATOR, start);
    if (sep > start && sep < end - 1) out.set(text.slice(start, sep), text.slice(sep + 1, end));
    start = end + 1;
  }
  return out;
}

export function encodeProperties(props: ReadonlyMap<string, string> | Readonly<Record<string, string>>): string {
  let s = '';
  const entries = props instanceof Map ? props.entries() : Object.entries(props);
  for (const [k, v] of entries) {
    if (k === '' || v === '' || v === undefined) continue;
    s += k + NAME_VALUE_SEPARATOR + v + PROPERTY_SEPARATOR;
  }
  return s;
}

/**
 * One property read straight from the encoded string, without building a Map: the store
 * needs TAGS, KEYS and UNIQ_KEY of every message and nothing else.
 */
const needles = new Map<string, string>();
export function getPropertyFromString(text: string, name: string): string | undefined {
  let needle = needles.get(name);
  if (needle === undefined) {
    needle = name + NAME_VALUE_SEPARATOR;
    if (needles.size < 256) needles.set(name, needle);
  }
  let from = 0;
  for (;;) {
    const i = text.indexOf(needle, from);
    if (i < 0) return undefined;
    if (i === 0 || text.charCodeAt(i - 1) === 2) {
      const vStart = i + name.length + 1;
      let end = text.indexOf(PROPERTY_SEPARATOR, vStart);
      if (end < 0) end = text.length;
      const v = text.slice(vStart, end);
      return v === '' ? undefined : v;
    }
    from = i + 1;
  }
}

/** Returns the string with `name` set to `value` (replacing any previous value). */
export function setPropertyInString(text: string, name: string, value: string): string {
  const props = decodeProperties(text);
  props.set(name, value);
  return encodeProperties(props);
}

/** Where the values of the properties the store indexes sit in an encoded string: [from, to). */
export interface IndexPropertyRanges {
  tagsFrom: number;
  tagsTo: number;
  keysFrom: number;
  keysTo: number;
  uniqFrom: number;
  uniqTo: number;
}

/**
 * Finds TAGS, KEYS and UNIQ_KEY in one pass without building substrings; a range is −1/−1
 * when the property is absent or empty. Same answers as getPropertyFromString (the first pair
 * with the name wins), for the append path, which needs all three for every message.
 */
export function findIndexProperties(text: string, out: IndexPropertyRanges): void {
  out.tagsFrom = out.tagsTo = out.keysFrom = out.keysTo = out.uniqFrom = out.uniqTo = -1;
  let found = 0; // bits: 1 TAGS, 2 KEYS, 4 UNIQ_KEY seen
  const n = text.length;
  let pos = 0;
  while (pos < n && found !== 7) {
    let end = text.indexOf(PROPERTY_SEPARATOR, pos);
    if (end < 0) end = n;
    const sep = text.indexOf(NAME_VALUE_SEPARATOR, pos);
    if (sep < 0) break;
    if (sep < end) {
      const len = sep - pos;
      const from = sep + 1;
      const to = from < end ? end : -1;
      if (len === 4 && (found & 1) === 0 && text.startsWith('TAGS', pos)) {
        found |= 1;
        if (to > 0) {
          out.tagsFrom = from;
          out.tagsTo = to;
        }
      } else if (len === 4 && (found & 2) === 0 && text.startsWith('KEYS', pos)) {
        found |= 2;
        if (to > 0) {
          out.keysFrom = from;
          out.keysTo = to;
        }
      } else if (len === 8 && (found & 4) === 0 && text.startsWith('UNIQ_KEY', pos)) {
        found |= 4;
        if (to > 0) {
          out.uniqFrom = from;
          out.uniqTo = to;
        }
      }
    }
    pos = end + 1;
  }
}
