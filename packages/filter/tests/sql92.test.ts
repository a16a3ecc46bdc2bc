import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSql92, EncodedProperties } from '../src/index.js';

// Expected answers follow RocketMQ 5.x's filter module (SelectorParser.jj and the expression
// classes): three-valued logic, strings read as the literal's number class, evaluation
// errors = no match.

const evaluate = (expression: string, props: Record<string, string> = {}) => {
  const f = compileSql92(expression);
  assert.ok(f.ok, `${expression}: ${f.ok ? '' : f.error.message}`);
  return f.value.evaluate(new Map(Object.entries(props)));
};
const refused = (expression: string): string => {
  const f = compileSql92(expression);
  assert.equal(f.ok, false, `${expression} should be refused`);
  return f.ok ? '' : f.error.message;
};

describe('SQL92 comparisons', () => {
  const cases: [string, Record<string, string>, boolean | null | 'error'][] = [
    ['a = 1', { a: '1' }, true],
    ['a = 1', { a: '2' }, false],
    ['a = 1', {}, null],
    ['a <> 1', { a: '2' }, true],
    ['a <> 1', {}, null],
    ["a = 'x'", { a: 'x' }, true],
    ["a <> 'x'", { a: 'y' }, true],
    ['a > 1', { a: '2' }, true],
    ['a >= 2', { a: '2' }, true],
    ['a < 2', { a: '1' }, true],
    ['a <= 1', { a: '2' }, false],
    ['a > 1', {}, null],
    ['a > 1.5', { a: '2' }, true],
    ['a > 1.5', { a: '1.25' }, false],
    ['a > -5', { a: '-4' }, true],
    ['a > b', { a: '2', b: '1.5' }, true],
    ['a = b', { a: 'x', b: 'x' }, true],
    ['a = 9223372036854775807', { a: '9223372036854775807' }, true],
    ['a = 9223372036854775807', { a: '9223372036854775806' }, false],
    ['a > 2147483648', { a: '2147483649' }, true],
    ['a > 2147483647', { a: '2147483648' }, 'error'],
    ['flag = TRUE', { flag: 'TRUE' }, true],
    ['flag = TRUE', { flag: 'yes' }, false],
  ];
  for (const [e, p, want] of cases) {
    it(`${e} with ${JSON.stringify(p)} is ${want}`, () => assert.equal(evaluate(e, p), want));
  }

  it('a string that does not read as the literal’s number class is an evaluation error (no match)', () => {
    assert.equal(evaluate('a > 1', { a: 'x' }), 'error');
    assert.equal(evaluate('a = 1', { a: '1.5' }), 'error', 'Integer.valueOf("1.5") fails');
    assert.equal(evaluate('a = 1.5', { a: '1.5' }), true, 'Double.valueOf reads it');
    assert.equal(evaluate('a = 1', { a: '3000000000' }), 'error', 'beyond Integer');
    assert.equal(evaluate('a = 3000000000', { a: '3000000000' }), true, 'a Long literal reads it');
    assert.equal(evaluate('a > b', { a: 'x', b: '1' }), 'error', 'two strings are ordered as Double');
    const f = compileSql92('a > 1 OR b = 2');
    assert.ok(f.ok);
    assert.equal(
      f.value.matches(
        new Map([
          ['a', 'x'],
          ['b', '2'],
        ]),
      ),
      false,
      'the error ends the evaluation',
    );
    assert.equal(
      f.value.matches(
        new Map([
          ['a', '2'],
          ['b', 'x'],
        ]),
      ),
      true,
      'short-circuit before the error',
    );
  });

  it('BETWEEN and NOT BETWEEN are inclusive', () => {
    assert.equal(evaluate('a BETWEEN 1 AND 3', { a: '1' }), true);
    assert.equal(evaluate('a BETWEEN 1 AND 3', { a: '3' }), true);
    assert.equal(evaluate('a BETWEEN 1 AND 3', { a: '4' }), false);
    assert.equal(evaluate('a NOT BETWEEN 1 AND 3', { a: '4' }), true);
    assert.equal(evaluate('a NOT BETWEEN 1 AND 3', { a: '2' }), false);
    assert.equal(evaluate('a BETWEEN 1 AND 3', {}), null);
  });

  it('IN and NOT IN match strings; a missing property is unknown', () => {
    assert.equal(evaluate("TAGS IN ('A', 'B')", { TAGS: 'B' }), true);
    assert.equal(evaluate("TAGS IN ('A', 'B')", { TAGS: 'C' }), false);
    assert.equal(evaluate("TAGS NOT IN ('A', 'B')", { TAGS: 'C' }), true);
    assert.equal(evaluate("TAGS IN ('A','B','C','D','E','F')", { TAGS: 'F' }), true);
    assert.equal(evaluate("TAGS NOT IN ('A')", {}), null);
  });

  it('IS NULL and IS NOT NULL', () => {
    assert.equal(evaluate('a IS NULL', {}), true);
    assert.equal(evaluate('a IS NULL', { a: 'x' }), false);
    assert.equal(evaluate('a IS NOT NULL', { a: 'x' }), true);
    assert.equal(evaluate('a IS NOT NULL', {}), false);
  });

  it('CONTAINS, STARTSWITH, ENDSWITH and their NOT forms are FALSE on a missing property', () => {
    assert.equal(evaluate("a CONTAINS 'bc'", { a: 'abcd' }), true);
    assert.equal(evaluate("a STARTSWITH 'ab'", { a: 'abcd' }), true);
    assert.equal(evaluate("a ENDSWITH 'cd'", { a: 'abcd' }), true);
    assert.equal(evaluate("a NOT CONTAINS 'x'", { a: 'abcd' }), true);
    assert.equal(evaluate("a NOT STARTSWITH 'ab'", { a: 'abcd' }), false);
    assert.equal(evaluate("a NOT ENDSWITH 'x'", {}), false);
    assert.equal(evaluate("a CONTAINS ''", { a: 'abcd' }), false);
  });
});

describe('SQL92 logic and precedence', () => {
  it('AND/OR/NOT use three-valued logic', () => {
    assert.equal(evaluate('a = 1 AND b = 1', { a: '1' }), null);
    assert.equal(evaluate('a = 1 AND b = 1', { a: '2' }), false);
    assert.equal(evaluate('a = 1 OR b = 1', { a: '1' }), true);
    assert.equal(evaluate('a = 1 OR b = 1', { a: '2' }), null);
    assert.equal(evaluate('NOT (a = 1)', {}), null);
    assert.equal(evaluate('NOT (a = 1)', { a: '2' }), true);
  });

  it('AND binds tighter than OR; parentheses override', () => {
    assert.equal(evaluate('a = 1 OR a = 2 AND b = 1', { a: '1', b: '0' }), true);
    assert.equal(evaluate('(a = 1 OR a = 2) AND b = 1', { a: '1', b: '0' }), false);
  });

  it('NOT binds tighter than a comparison, as in Java: NOT a = 1 is (NOT a) = 1', () => {
    assert.equal(evaluate('NOT a = 1', { a: '2' }), false);
    assert.equal(evaluate('NOT (a = 1)', { a: '2' }), true);
  });

  it('a bare property is cast to boolean: a String is FALSE, missing is unknown', () => {
    assert.equal(evaluate('a', { a: 'true' }), false);
    assert.equal(evaluate('a', {}), null);
    assert.equal(evaluate('TRUE', {}), true);
    assert.equal(evaluate('NOT FALSE', {}), true);
  });

  it('keywords ignore case, property names keep theirs; comments and line breaks are allowed', () => {
    assert.equal(evaluate('a = 1 and B = 2', { a: '1', B: '2' }), true);
    assert.equal(evaluate('a = 1 and b = 2', { a: '1', B: '2' }), null);
    assert.equal(evaluate('a = 1 /* note */\nAND b = 2 -- end\n', { a: '1', b: '2' }), true);
    assert.equal(evaluate("a = 'it''s'", { a: "it's" }), true);
    assert.equal(evaluate('$x_1 = 1 AND ANDY = 2', { $x_1: '1', ANDY: '2' }), true);
  });
});

describe('SQL92 refusals (parse time, Java wording)', () => {
  const cases: [string, RegExp][] = [
    ['IN = 1', /"IN" is a reserved word/],
    ['a = 1 AND between = 2', /"BETWEEN" is a reserved word/],
    ['a = NULL', /'NULL' cannot be compared/],
    ["a > 'x'", /Value ''x'' cannot be compared/],
    ['(a = 1) > 2', /cannot be compared/],
    ["TRUE = 'x'", /'TRUE' cannot be compared with ''x''/],
    ['a BETWEEN 3 AND 1', /left value\(3\) must less than or equal to right value\(1\)/],
    ['a BETWEEN NULL AND 1', /values can not be null/],
    ['5', /will not result in a boolean value/],
    ['a AND 5', /will not result in a boolean value/],
    ["'x' IN ('x')", /Expected a property for In expression/],
    ['x IN (1)', /string literal/],
    ['a != 1', /Lexical error at line 1, column 3/],
    ['a = 0.0', /less than 4.9E-324/],
    ['a = 99999999999999999999', /beyond Long range/],
    ["a = 'open", /Unterminated string/],
    ['a >', /end of the expression/],
    ['a = 1 b = 2', /Was expecting AND, OR or the end/],
    ['a IS 5', /NULL or NOT NULL/],
    ['', /empty/],
    ['(a = 1', /Was expecting "\)"/],
  ];
  for (const [e, want] of cases) {
    it(`refuses ${JSON.stringify(e)}`, () => {
      const m = refused(e);
      assert.match(m, /^Invalid MessageSelector\. /);
      assert.match(m, want);
    });
  }

  it('bounds length and nesting instead of recursing without limit', () => {
    assert.match(refused(`a = '${'x'.repeat(1 << 20)}'`), /more than the 65536 allowed/);
    assert.match(refused(`${'('.repeat(65)}a = 1${')'.repeat(65)}`), /nested more than 64 levels/);
    assert.match(refused(`${'NOT '.repeat(100)}a = 1`), /nested more than 64 levels/);
    assert.match(refused(`a = 1${' = TRUE'.repeat(100)}`), /nested more than 64 levels/);
    assert.ok(compileSql92(`${'('.repeat(60)}a = 1${')'.repeat(60)}`).ok);
    // A long flat chain is one node, not a deep one.
    const chain = compileSql92(Array.from({ length: 3000 }, (_, i) => `a${i} IS NULL`).join(' AND '));
    assert.ok(chain.ok);
    assert.equal(chain.value.matches(new Map()), true);
  });
});

describe('EncodedProperties', () => {
  it('reads the first pair of a name from the encoded string, empty values as absent', () => {
    const p = new EncodedProperties().reset(
      'xa\u00011\u0002a\u00012\u0002a\u00013\u0002e\u0001\u0002TAGS\u0001T\u0002',
    );
    assert.equal(p.get('a'), '2');
    assert.equal(p.get('xa'), '1');
    assert.equal(p.get('e'), undefined);
    assert.equal(p.get('TAGS'), 'T');
    assert.equal(p.get('T'), undefined);
    assert.equal(p.get('missing'), undefined);
    const f = compileSql92("a = 2 AND TAGS = 'T'");
    assert.ok(f.ok);
    assert.equal(f.value.matches(p), true);
  });
});
