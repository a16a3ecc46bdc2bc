import { err, ok, type Result } from '@rocketmq-ts/common';
import { emptyFields } from './remoting-command.js';

// One explicit schema per request/response header (no reflection). A schema decodes the
// string-valued extFields into a typed object and encodes it back, always as strings.
//
// Number semantics (docs/formats.md §2): `int` must fit in 32 bits. `long` accepts the whole
// Java long range and is a JS number: exact within ±(2^53 − 1), which covers every offset and
// timestamp a broker produces; beyond that the nearest double, so Long.MAX_VALUE and
// Long.MIN_VALUE (Java's "no bound") read as ±2^63 and compare past every real value, and are
// written back as Long.MAX_VALUE / Long.MIN_VALUE. Outside the long range is a decode error,
// as Long.parseLong's is. `boolean` follows Java's Boolean.parseBoolean: "true" (any case) is
// true, anything else false.

export type FieldKind = 'string' | 'int' | 'long' | 'boolean';

export interface FieldSpec<K extends FieldKind = FieldKind, R extends boolean = boolean> {
  readonly kind: K;
  readonly required: R;
  /** Key on the wire when it differs from the property name (SEND_MESSAGE_V2's a..n). */
  readonly wire?: string;
}

type ValueOf<K extends FieldKind> = K extends 'string' ? string : K extends 'boolean' ? boolean : number;
type RequiredKeys<S> = { [P in keyof S]: S[P] extends FieldSpec<FieldKind, true> ? P : never }[keyof S];
type OptionalKeys<S> = Exclude<keyof S, RequiredKeys<S>>;

export type HeaderOf<S extends Record<string, FieldSpec>> = {
  -readonly [P in RequiredKeys<S>]: S[P] extends FieldSpec<infer K> ? ValueOf<K> : never;
} & {
  -readonly [P in OptionalKeys<S>]?: (S[P] extends FieldSpec<infer K> ? ValueOf<K> : never) | undefined;
};

export interface HeaderError {
  header: string;
  field: string;
  message: string;
}

export interface HeaderSchema<T> {
  readonly name: string;
  decode(ext: Record<string, string>): Result<T, HeaderError>;
  encode(value: T): Record<string, string>;
}

const spec =
  <K extends FieldKind>(kind: K) =>
  (wire?: string): FieldSpec<K, true> => ({ kind, required: true, ...(wire ? { wire } : {}) });
const optSpec =
  <K extends FieldKind>(kind: K) =>
  (wire?: string): FieldSpec<K, false> => ({ kind, required: false, ...(wire ? { wire } : {}) });

/** Field constructors: `f.string()` required, `f.optString()` optional; pass a wire key if it differs. */
export const f = {
  string: spec('string'),
  int: spec('int'),
  long: spec('long'),
  boolean: spec('boolean'),
  optString: optSpec('string'),
  optInt: optSpec('int'),
  optLong: optSpec('long'),
  optBoolean: optSpec('boolean'),
};

/**
 * The integer a decimal string denotes (optional sign, at least one digit, nothing else), or
 * undefined. Same result as testing /^[+-]?\d+$/ and calling Number(), without the regex: it
 * runs for every numeric field of every request. Past 2^53 the running value is inexact but
 * stays beyond the safe range, so the callers' range checks still see it there (a long then
 * re-reads the text exactly).
 */
function parseDecimal(raw: string): number | undefined {
  const n = raw.length;
  let i = 0;
  let neg = false;
  const c0 = raw.charCodeAt(0);
  if (c0 === 43 /* + */ || c0 === 45 /* - */) {
    neg = c0 === 45;
    i = 1;
  }
  if (i === n) return undefined;
  let v = 0;
  for (; i < n; i++) {
    const d = raw.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

const LONG_MAX_DIGITS = '9223372036854775807';
const LONG_MIN_DIGITS = '9223372036854775808';
/** 2^63: Long.MAX_VALUE as the nearest double, and −Long.MIN_VALUE exactly. */
const TWO_TO_63 = 2 ** 63;

/**
 * A decimal string past the safe range (parseDecimal accepted it) as the nearest double when it
 * lies within Java's long range, else undefined. Rare: only "no bound" values get here.
 */
function javaLongBeyondSafe(raw: string): number | undefined {
  const c0 = raw.charCodeAt(0);
  const neg = c0 === 45; /* - */
  let i = neg || c0 === 43 /* + */ ? 1 : 0;
  while (i < raw.length - 1 && raw.charCodeAt(i) === 48 /* 0 */) i++;
  const digits = raw.slice(i);
  const bound = neg ? LONG_MIN_DIGITS : LONG_MAX_DIGITS;
  if (digits.length > bound.length || (digits.length === bound.length && digits > bound)) return undefined;
  return Number(raw);
}

/**
 * A long field's wire text. Past the safe range a value is the nearest double of some Java long,
 * and ±2^63 stands for Long.MAX_VALUE / Long.MIN_VALUE: written so Long.parseLong reads it.
 */
export function longToString(n: number): string {
  if (n >= TWO_TO_63) return LONG_MAX_DIGITS;
  if (n <= -TWO_TO_63) return `-${LONG_MIN_DIGITS}`;
  // String(2 ** 60) is "1152921504606847000", another long; the exact digits of the double are meant.
  return Number.isInteger(n) ? BigInt(n).toString() : String(n);
}

function parseField(kind: FieldKind, raw: string): string | number | boolean | undefined {
  switch (kind) {
    case 'string':
      return raw;
    case 'boolean':
      return raw.toLowerCase() === 'true';
    case 'int': {
      const n = parseDecimal(raw);
      return n !== undefined && n >= -2147483648 && n <= 2147483647 ? n : undefined;
    }
    case 'long': {
      const n = parseDecimal(raw);
      if (n === undefined) return undefined;
      return Number.isSafeInteger(n) ? n : javaLongBeyondSafe(raw);
    }
  }
}

export function defineHeader<S extends Record<string, FieldSpec>>(name: string, fields: S): HeaderSchema<HeaderOf<S>> {
  const entries = Object.entries(fields).map(([prop, s]) => ({
    prop,
    wire: s.wire ?? prop,
    kind: s.kind,
    required: s.required,
    long: s.kind === 'long',
  }));
  return {
    name,
    decode(ext) {
      const out: Record<string, unknown> = {};
      for (const e of entries) {
        const raw = ext[e.wire];
        if (raw === undefined) {
          if (e.required) return err({ header: name, field: e.wire, message: `the custom field <${e.wire}> is null` });
          continue;
        }
        const v = parseField(e.kind, raw);
        if (v === undefined) {
          return err({
            header: name,
            field: e.wire,
            message: `the custom field <${e.wire}> is not a valid ${e.kind}: ${raw}`,
          });
        }
        out[e.prop] = v;
      }
      return ok(out as HeaderOf<S>);
    },
    encode(value) {
      const out = emptyFields();
      const v = value as Record<string, unknown>;
      for (const e of entries) {
        const x = v[e.prop];
        if (x === undefined || x === null) continue;
        out[e.wire] = e.long && typeof x === 'number' && !Number.isSafeInteger(x) ? longToString(x) : String(x);
      }
      return out;
    },
  };
}

/** The decoded value type of a schema: `HeaderType<typeof PullMessageRequestHeader>`. */
export type HeaderType<H> = H extends HeaderSchema<infer T> ? T : never;
