// Test helper (not a test file): SQL92 filter expressions as untrusted input. Compiling and
// evaluating never throw; a well-formed comparison always compiles and matches its own literal.
// Shared by sql92-property.test.ts and scripts/fuzz-decoders.mjs.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileSql92, KEYWORDS } from '../src/index.js';

const pieces = fc.oneof(
  fc.constantFrom(...KEYWORDS, 'a', 'b', 'TAGS', "'x'", "'it''s'", '1', '-', '+', '2.5', '0', '7L'),
  fc.constantFrom('=', '<>', '<', '<=', '>', '>=', '(', ')', ',', ' ', '--', '\n', '/*', '*/', "'", '.', 'E5'),
  fc.string({ maxLength: 3 }),
);
/** Token soup: mostly not an expression. */
export const expressions = fc.array(pieces, { maxLength: 40 }).map((p) => p.join(' '));
export const messages = fc.dictionary(
  fc.constantFrom('a', 'b', 'TAGS'),
  fc.oneof(fc.constantFrom('1', '2.5', 'x', 'TRUE', ''), fc.string({ maxLength: 4 })),
);

const literal = fc.oneof(
  fc.integer().map(String),
  fc.string().map((s) => `'${s.replaceAll("'", "''")}'`),
  fc.constantFrom('TRUE', 'FALSE'),
);

/** Well-formed `a = literal` / `a <> literal`, optionally joined with AND/OR to a second one. */
export const comparisons: fc.Arbitrary<Comparison> = fc.record({
  op: fc.constantFrom('=', '<>'),
  lit: literal,
  more: fc.option(fc.tuple(fc.constantFrom('AND', 'OR'), fc.constantFrom('b IS NULL', 'b IS NOT NULL', 'b > 1')), {
    nil: undefined,
  }),
});

interface Comparison {
  op: string;
  lit: string;
  more: [string, string] | undefined;
}

type SqlCase = { soup: string; props: Record<string, string> } | { cmp: Comparison };

export function checkSql92(c: SqlCase): void {
  if ('soup' in c) {
    const f = compileSql92(c.soup);
    if (!f.ok) {
      assert.match(f.error.message, /^Invalid MessageSelector\. /);
      return;
    }
    const props = new Map(Object.entries(c.props));
    const v = f.value.evaluate(props);
    assert.ok(v === true || v === false || v === null || v === 'error');
    assert.equal(f.value.matches(props), v === true);
    return;
  }
  const { op, lit, more } = c.cmp;
  const f = compileSql92(`a ${op} ${lit}${more ? ` ${more[0]} ${more[1]}` : ''}`);
  assert.ok(f.ok, f.ok ? '' : f.error.message);
  const s = lit.startsWith("'") ? lit.slice(1, -1).replaceAll("''", "'") : undefined;
  if (s !== undefined && s !== '' && op === '=' && (more === undefined || more[0] === 'OR')) {
    assert.equal(f.value.matches(new Map([['a', s]])), true);
  }
}

export const decoderProperties = {
  sql92: {
    arbitrary: fc.oneof(
      fc.record({ soup: expressions, props: messages }),
      comparisons.map((cmp) => ({ cmp })),
    ) as fc.Arbitrary<SqlCase>,
    check: checkSql92,
  },
};
