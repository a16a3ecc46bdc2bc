// The values an expression computes and how RocketMQ compares them (ComparisonExpression's
// __compare with string conversion on, as SelectorParser always sets it). Message
// properties are strings; numbers only ever come from literals, so a number keeps the Java
// class of its literal (Integer, Long or Double) and a string compared with it is read as
// that class (Integer.valueOf, Long.valueOf, Double.valueOf). A string that does not read
// as the number is an evaluation error, and an evaluation error makes the message not match.

export type NumberKind = 'int' | 'long' | 'double';

/** A numeric literal. Long values beyond 2^53 stay bigint so comparisons stay exact. */
export interface JavaNumber {
  readonly kind: NumberKind;
  readonly value: number | bigint;
}

/** What an expression evaluates to: Java's String, Boolean, null or a Number literal. */
export type Value = string | boolean | null | JavaNumber;

/** Thrown (and caught by the filter) where Java's evaluation throws: the message does not match. */
export const EVALUATION_ERROR: unique symbol = Symbol('evaluation error');

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?[0-9]+$/;
// Double.valueOf after String.trim: decimal forms, NaN and Infinity, an optional type suffix.
const DOUBLE_TEXT = /^[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)$/;

/** Long.valueOf / Integer.valueOf: the number, or EVALUATION_ERROR thrown. */
function readInteger(s: string, kind: 'int' | 'long'): number | bigint {
  if (!INTEGER_TEXT.test(s)) throw EVALUATION_ERROR;
  // Up to 15 characters is always a safe integer; longer text is read exactly as bigint.
  if (s.length <= 15) {
    const v = Number(s);
    if (kind === 'int' && (v < INT_MIN || v > INT_MAX)) throw EVALUATION_ERROR;
    return v;
  }
  const big = BigInt(s);
  if (kind === 'int') {
    if (big < BigInt(INT_MIN) || big > BigInt(INT_MAX)) throw EVALUATION_ERROR;
    return Number(big);
  }
  if (big < LONG_MIN || big > LONG_MAX) throw EVALUATION_ERROR;
  return Number.isSafeInteger(Number(big)) ? Number(big) : big;
}

/** Double.valueOf: the number, or EVALUATION_ERROR thrown. */
export function readDouble(s: string): number {
  const t = javaTrim(s);
  if (!DOUBLE_TEXT.test(t)) throw EVALUATION_ERROR;
  const last = t.charCodeAt(t.length - 1);
  const core = last === 102 || last === 70 || last === 100 || last === 68 ? t.slice(0, -1) : t;
  return Number(core);
}

/** String.trim: strips characters up to U+0020 at both ends. */
function javaTrim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 32) a++;
  while (b > a && s.charCodeAt(b - 1) <= 32) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function readAs(s: string, kind: NumberKind): number | bigint {
  return kind === 'double' ? readDouble(s) : readInteger(s, kind);
}

const sign = (a: number | bigint, b: number | bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** Double.compareTo: -0.0 below 0.0, NaN above everything and equal to itself. */
function compareDouble(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  if (a === 0 && b === 0) return Object.is(a, b) ? 0 : Object.is(a, -0) ? -1 : 1;
  return 0;
}

/** Numbers of two kinds, promoted as Java does (a Double on either side makes both double). */
function compareNumbers(ak: NumberKind, a: number | bigint, bk: NumberKind, b: number | bigint): number {
  if (ak === 'double' || bk === 'double') return compareDouble(Number(a), Number(b));
  return sign(a, b);
}

/** Boolean.valueOf(String): true only for "true" in any case. */
const readBoolean = (s: string): boolean => s.length === 4 && s.toLowerCase() === 'true';
const compareBooleans = (a: boolean, b: boolean): number => (a === b ? 0 : a ? 1 : -1);

/**
 * ComparisonExpression.__compare of two non-null values with string conversion on: the
 * sign of lv.compareTo(rv) after Java's conversions; throws EVALUATION_ERROR where Java
 * throws (a string that does not read as the other side's number; Boolean against String).
 */
export function compareValues(l: Exclude<Value, null>, r: Exclude<Value, null>): number {
  if (typeof l === 'string') {
    if (typeof r === 'string') return l < r ? -1 : l > r ? 1 : 0;
    if (typeof r === 'boolean') return compareBooleans(readBoolean(l), r);
    return compareNumbers(r.kind, readAs(l, r.kind), r.kind, r.value);
  }
  if (typeof l === 'boolean') {
    if (typeof r === 'boolean') return compareBooleans(l, r);
    // Java casts the Boolean to String here (ClassCastException).
    if (typeof r === 'string') throw EVALUATION_ERROR;
    return -1;
  }
  if (typeof r === 'string') return compareNumbers(l.kind, l.value, l.kind, readAs(r, l.kind));
  if (typeof r === 'boolean') return -1;
  return compareNumbers(l.kind, l.value, r.kind, r.value);
}

/** Object.equals between two non-null values (same class and value). */
export function equalValues(l: Exclude<Value, null>, r: Exclude<Value, null>): boolean {
  if (l === r) return true;
  if (typeof l !== 'object' || typeof r !== 'object') return false;
  if (l.kind !== r.kind) return false;
  return l.kind === 'double' ? compareDouble(Number(l.value), Number(r.value)) === 0 : l.value === r.value;
}

/** Relational operators on two strings read both as Double (Java refuses to order strings). */
export function compareForOrder(l: Exclude<Value, null>, r: Exclude<Value, null>): number {
  if (typeof l === 'string' && typeof r === 'string') return compareDouble(readDouble(l), readDouble(r));
  return compareValues(l, r);
}

/** A numeric literal's value: Integer when it fits, else Long; undefined beyond Long. */
export function decimalLiteral(text: string): JavaNumber | undefined {
  const digits = text.endsWith('l') || text.endsWith('L') ? text.slice(0, -1) : text;
  const big = BigInt(digits);
  if (big > LONG_MAX) return undefined;
  if (big <= BigInt(INT_MAX)) return { kind: 'int', value: Number(big) };
  return { kind: 'long', value: Number.isSafeInteger(Number(big)) ? Number(big) : big };
}

/** Negation keeps the class (Java's UnaryExpression.negate). */
export function negate(n: JavaNumber): JavaNumber {
  if (typeof n.value === 'bigint') {
    const v = -n.value;
    return { kind: n.kind, value: Number.isSafeInteger(Number(v)) ? Number(v) : v };
  }
  return { kind: n.kind, value: n.kind === 'int' && n.value === INT_MIN ? INT_MIN : -n.value };
}

/** How a value prints in error messages (Java's toString of the expression). */
export function formatValue(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return `'${v.replaceAll("'", "''")}'`;
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return String(v.value);
}
