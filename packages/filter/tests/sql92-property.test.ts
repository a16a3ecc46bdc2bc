import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileSql92, KEYWORDS } from '../src/index.js';

// Untrusted expressions and messages: compiling and evaluating never throw, and the
// result is always one of the documented shapes.

const pieces = fc.oneof(
  fc.constantFrom(...KEYWORDS, 'a', 'b', 'TAGS', "'x'", "'it''s'", '1', '-', '+', '2.5', '0', '7L'),
  fc.constantFrom('=', '<>', '<', '<=', '>', '>=', '(', ')', ',', ' ', '--', '\n', '/*', '*/', "'", '.', 'E5'),
  fc.string({ maxLength: 3 }),
);
const expression = fc.array(pieces, { maxLength: 40 }).map((p) => p.join(' '));
const messages = fc.dictionary(
  fc.constantFrom('a', 'b', 'TAGS'),
  fc.oneof(fc.constantFrom('1', '2.5', 'x', 'TRUE', ''), fc.string({ maxLength: 4 })),
);

describe('SQL92 on arbitrary input', () => {
  it('compile returns a Result and evaluation returns true/false/null/error, never a throw', () => {
    fc.assert(
      fc.property(expression, messages, (e, m) => {
        const f = compileSql92(e);
        if (!f.ok) {
          assert.match(f.error.message, /^Invalid MessageSelector\. /);
          return;
        }
        const props = new Map(Object.entries(m));
        const v = f.value.evaluate(props);
        assert.ok(v === true || v === false || v === null || v === 'error');
        assert.equal(f.value.matches(props), v === true);
      }),
      { numRuns: 3000 },
    );
  });

  it('well-formed comparisons always compile, whatever the literal', () => {
    const literal = fc.oneof(
      fc.integer().map(String),
      fc.string().map((s) => `'${s.replaceAll("'", "''")}'`),
      fc.constantFrom('TRUE', 'FALSE'),
    );
    fc.assert(
      fc.property(fc.constantFrom('=', '<>'), literal, (op, lit) => {
        const f = compileSql92(`a ${op} ${lit}`);
        assert.ok(f.ok, f.ok ? '' : f.error.message);
        const s = lit.startsWith("'") ? lit.slice(1, -1).replaceAll("''", "'") : undefined;
        if (s !== undefined && s !== '' && op === '=') assert.equal(f.value.matches(new Map([['a', s]])), true);
      }),
    );
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
