import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';

// The shape of a decoder property, shared by each package's decoder-property helpers, their
// `npm test` form (a few thousand inputs) and scripts/fuzz-decoders.mjs (a million and more by
// hand). An input is a valid encoding (it must round-trip), a mutation of one (flipped bytes, a
// cut), or arbitrary bytes; whatever it is, the decoder must return its error value, never throw.

/** One input: the bytes, and the value they encode when they are a valid encoding. */
export interface Case<T> {
  bytes: Buffer;
  valid?: T;
}

export interface DecoderProperty<C> {
  arbitrary: fc.Arbitrary<C>;
  /** Throws (an assertion) when the decoder misbehaves on this input. */
  check(c: C): void | Promise<void>;
  /** check returns a promise (the file readers). */
  async?: true;
}

/** Flips up to four bytes of `bytes` and, one time in three, cuts it short. */
export function mutate(bytes: Buffer, flips: [number, number][], cut: number): Buffer {
  const b = Buffer.from(bytes);
  for (const [at, byte] of flips) if (b.length > 0) b[at % b.length] = byte;
  return cut % 3 === 0 && b.length > 0 ? b.subarray(0, cut % b.length) : b;
}

const flipsArb = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 });

/** Valid encodings, mutations of them, and arbitrary bytes, in about equal parts. */
export function casesOf<T>(values: fc.Arbitrary<T>, encode: (v: T) => Buffer, maxRandom = 512): fc.Arbitrary<Case<T>> {
  const valid = values.map((v) => ({ bytes: encode(v), valid: v }));
  const mutated = fc
    .tuple(valid, flipsArb, fc.nat())
    .map(([c, flips, cut]): Case<T> => ({ bytes: mutate(c.bytes, flips, cut) }));
  const random = fc.uint8Array({ maxLength: maxRandom }).map((u): Case<T> => ({ bytes: Buffer.from(u) }));
  return fc.oneof(valid, mutated, random);
}

/** Text inputs: JSON documents as well as bytes, for the JSON body decoders. */
export function jsonCasesOf<T>(values: fc.Arbitrary<T>, encode: (v: T) => Buffer): fc.Arbitrary<Case<T>> {
  const json = fc.json({ maxDepth: 6 }).map((s): Case<T> => ({ bytes: Buffer.from(s) }));
  return fc.oneof(casesOf(values, encode), json);
}

/** Asserts `r` is a Result whose error, if any, is a message. */
export function assertResult(r: unknown): asserts r is { ok: boolean } {
  assert.ok(typeof r === 'object' && r !== null && 'ok' in r, 'returns a Result');
  const res = r as { ok: boolean; error?: unknown };
  if (res.ok) return;
  const e = res.error as { message?: unknown } | string;
  assert.ok(typeof e === 'string' || typeof e?.message === 'string', 'error is (or has) a message');
}

/** As plain JSON data: fast-check's records have null prototypes, decoders' do not. */
export const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

/**
 * The `npm test` form of a set of decoder properties: one test each, `runs` inputs (or
 * `runsOf[name]`); scripts/fuzz-decoders.mjs runs the same properties a million times.
 */
export function describeDecoderProperties(
  title: string,
  properties: Record<string, { arbitrary: fc.Arbitrary<unknown>; check(c: never): unknown; async?: true }>,
  runs = 1000,
  runsOf: Record<string, number> = {},
): void {
  describe(title, () => {
    for (const [name, p] of Object.entries(properties) as [string, DecoderProperty<unknown>][]) {
      it(`${name}: never throws, round-trips valid input, rejects with an error value`, async () => {
        const numRuns = runsOf[name] ?? runs;
        if (p.async)
          await fc.assert(
            fc.asyncProperty(p.arbitrary, async (c) => p.check(c)),
            { numRuns },
          );
        else
          fc.assert(
            fc.property(p.arbitrary, (c) => {
              void p.check(c);
            }),
            { numRuns },
          );
      });
    }
  });
}
