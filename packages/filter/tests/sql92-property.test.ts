import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileSql92 } from '../src/index.js';
import { checkSql92, decoderProperties } from './sql92-properties.js';

// Untrusted expressions and messages: compiling and evaluating never throw, and the
// result is always one of the documented shapes.

describe('SQL92 on arbitrary input', () => {
  it('compile returns a Result and evaluation returns true/false/null/error, never a throw', () => {
    fc.assert(fc.property(decoderProperties.sql92.arbitrary, checkSql92), { numRuns: 3000 });
  });

  it('deep or long input is refused in bounded time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 65, max: 5000 }), fc.constantFrom('(', 'NOT ', '- '), (n, open) => {
        const e = `${open.repeat(n)}a = 1${open === '(' ? ')'.repeat(n) : ''}`;
        const f = compileSql92(e);
        assert.equal(f.ok, false);
      }),
      { numRuns: 50 },
    );
  });
});
