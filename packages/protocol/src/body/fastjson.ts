import { err, ok, type Result } from '@rocketmq-ts/common';
import { MAX_JSON_DEPTH } from '../decode-limits.js';

// The JSON dialect Java's fastjson writes for RocketMQ admin bodies. Two quirks matter:
//
// 1. Maps keyed by objects (ConsumeStats.offsetTable, TopicStatsTable.offsetTable, keyed by
//    MessageQueue) are written with the key object serialised in place of a string key:
//    `{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"brokerOffset":5}}}`.
// 2. Maps keyed by numbers are written with bare keys: `{"offsetTable":{1:5,2:0}}`.
//
// Java beans come out with their fields in alphabetical order, compact, nulls omitted.
// encodeFastjson reproduces that from plain objects and Maps; parseFastjson reads it back
// (and plain JSON), returning a Map wherever an object has object-valued keys.

/** Encodes `value` the way fastjson would serialise the equivalent Java object. */
export function encodeFastjson(value: unknown): string {
  return encodeValue(value) ?? 'null';
}

function encodeValue(value: unknown): string | undefined {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value) || value instanceof Set) {
    return `[${[...value].map((v) => encodeValue(v) ?? 'null').join(',')}]`;
  }
  if (value instanceof Map) {
    const parts: string[] = [];
    for (const [k, v] of value) {
      const ev = encodeValue(v);
      if (ev === undefined || v === null) continue;
      parts.push(`${encodeKey(k)}:${ev}`);
    }
    return `{${parts.join(',')}}`;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return encodeValue((value as { toJSON: () => unknown }).toJSON());
  }
  // A plain object stands for a Java bean: alphabetical fields, nulls left out.
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === null) continue;
    const ev = encodeValue(v);
    if (ev !== undefined) parts.push(`${JSON.stringify(k)}:${ev}`);
  }
  return `{${parts.join(',')}}`;
}

function encodeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number' || typeof key === 'bigint') return String(key);
  return encodeValue(key) ?? 'null';
}

/** Thrown inside the parser only; parseFastjson turns it into an error value. */
class FastjsonSyntaxError extends Error {}

/**
 * Parses fastjson output (and standard JSON). Objects whose keys are all strings, bare
 * identifiers or numbers become plain objects (numeric keys as their decimal text); an
 * object with at least one object or array key becomes a Map whose keys are the parsed
 * values. Never throws: malformed input, or nesting past MAX_JSON_DEPTH, is an error value
 * naming the position.
 */
export function parseFastjson(text: string): Result<unknown, string> {
  const p = new Parser(text);
  try {
    p.skip();
    const v = p.value();
    p.skip();
    if (p.pos < text.length) p.fail('unexpected trailing data');
    return ok(v);
  } catch (e) {
    if (e instanceof FastjsonSyntaxError) return err(e.message);
    throw e;
  }
}

class Parser {
  pos = 0;
  /** Open objects and arrays: the parser recurses once per level, so the depth is bounded. */
  private depth = 0;
  constructor(private readonly s: string) {}

  skip(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  fail(message: string): never {
    throw new FastjsonSyntaxError(`${message} at position ${this.pos}`);
  }

  value(): unknown {
    const c = this.s[this.pos];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
      case "'":
        return this.string();
      default:
        return this.bare();
    }
  }

  private enter(): void {
    if (++this.depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
  }

  private array(): unknown[] {
    this.enter();
    this.pos++;
    const out: unknown[] = [];
    this.skip();
    if (this.s[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.skip();
      out.push(this.value());
      this.skip();
      const c = this.s[this.pos++];
      if (c === ']') {
        this.depth--;
        return out;
      }
      if (c !== ',') this.fail("expected ',' or ']'");
    }
  }

  private object(): unknown {
    this.enter();
    this.pos++;
    const entries: [unknown, unknown][] = [];
    let objectKeys = false;
    this.skip();
    if (this.s[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return {};
    }
    for (;;) {
      this.skip();
      const c = this.s[this.pos];
      let key: unknown;
      if (c === '{' || c === '[') {
        key = this.value();
        objectKeys = true;
      } else if (c === '"' || c === "'") {
        key = this.string();
      } else {
        key = this.bareKey();
      }
      this.skip();
      if (this.s[this.pos++] !== ':') this.fail("expected ':'");
      this.skip();
      entries.push([key, this.value()]);
      this.skip();
      const d = this.s[this.pos++];
      if (d === '}') break;
      if (d !== ',') this.fail("expected ',' or '}'");
    }
    this.depth--;
    if (objectKeys) return new Map(entries);
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      // defineProperty: a `__proto__` key from the wire stays plain data.
      Object.defineProperty(out, String(k), { value: v, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  private string(): string {
    const quote = this.s[this.pos]!;
    const start = ++this.pos;
    let out = '';
    let chunk = start;
    const s = this.s;
    for (;;) {
      if (this.pos >= s.length) this.fail('unterminated string');
      const c = s[this.pos]!;
      if (c === quote) {
        out += s.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (c === '\\') {
        out += s.slice(chunk, this.pos);
        const e = s[this.pos + 1];
        this.pos += 2;
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'u': {
            const hex = s.slice(this.pos, this.pos + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
            out += String.fromCharCode(Number.parseInt(hex, 16));
            this.pos += 4;
            break;
          }
          case undefined:
            this.fail('unterminated string');
            break;
          default:
            out += e;
        }
        chunk = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  /** Numbers, true/false/null. */
  private bare(): unknown {
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(this.s.slice(this.pos, this.pos + 64));
    if (!m) this.fail('unexpected character');
    this.pos += m[0].length;
    const t = m[0];
    if (t === 'true') return true;
    if (t === 'false') return false;
    if (t === 'null') return null;
    return Number(t);
  }

  /** Bare object key: fastjson's unquoted number keys, or identifier-like names. */
  private bareKey(): string {
    const m = /^[-\w$.]+/.exec(this.s.slice(this.pos, this.pos + 256));
    if (!m) this.fail('expected an object key');
    this.pos += m[0].length;
    return m[0];
  }
}
