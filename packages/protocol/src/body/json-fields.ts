import { err, ok, type Result } from '@rocketmq-ts/common';
import { MAX_ENTRIES } from '../decode-limits.js';

// Field readers for JSON bodies parsed with JSON.parse, tolerant the way fastjson is (numbers
// sent as strings, absent fields at their defaults) but never calling String() or Number() on
// an object or array: both recurse through nested arrays, so a deeply nested value would
// overflow the stack.

export type JsonObject = Record<string, unknown>;

export function asObject(v: unknown): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

/** A string, or a number/boolean as its text; anything else is `dflt`. */
export function textOf(v: unknown, dflt = ''): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return dflt;
}

/** An integer sent as a number or a decimal string, else undefined. */
export function integerOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[+-]?\d{1,19}$/.test(v) ? Number(v) : Number.NaN;
  return Number.isInteger(n) ? n : undefined;
}

/** An array of at most MAX_ENTRIES (absent: empty), or an error naming `what`. */
export function boundedArray(v: unknown, what: string): Result<unknown[], string> {
  if (v === undefined || v === null) return ok([]);
  if (!Array.isArray(v)) return err(`${what} is not an array`);
  if (v.length > MAX_ENTRIES) return err(`${what} has ${v.length} entries, more than ${MAX_ENTRIES}`);
  return ok(v);
}

/** JSON.parse as a Result (JSON.parse itself nests iteratively, so depth cannot overflow it). */
export function parseJsonBody(body: Buffer | undefined, what: string): Result<unknown, string> {
  if (!body || body.length === 0) return err(`${what} body is empty`);
  try {
    return ok(JSON.parse(body.toString('utf8')));
  } catch (e) {
    return err(`${what} body is not JSON: ${(e as Error).message}`);
  }
}
