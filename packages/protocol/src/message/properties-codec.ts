// Message properties: `name \u0001 value \u0002` pairs (reference §3.3). Java writes a
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
