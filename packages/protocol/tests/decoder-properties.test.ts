import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type DecoderProperty, decoderProperties } from './decoder-properties.js';

// Issue 19 item 3: the body decoders never throw, round-trip valid input and reject the rest
// with an error value. scripts/fuzz-decoders.mjs runs the same properties a million times.

describe('body decoders (fast-check)', () => {
  for (const [name, p] of Object.entries(decoderProperties) as [string, DecoderProperty<unknown>][]) {
    it(`${name}: never throws, round-trips valid input, rejects with an error value`, () => {
      fc.assert(
        fc.property(p.arbitrary, (c) => p.check(c)),
        { numRuns: 2000 },
      );
    });
  }
});
