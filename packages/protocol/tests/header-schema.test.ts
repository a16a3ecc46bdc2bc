import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { defineHeader, f, longToString } from '../src/index.js';

const Example = defineHeader('ExampleHeader', {
  topic: f.string('b'),
  queueId: f.int('e'),
  offset: f.long(),
  unitMode: f.optBoolean('k'),
  remarkish: f.optString(),
});

describe('defineHeader', () => {
  it('decodes typed values from string extFields using wire names', () => {
    const r = Example.decode({ b: 'T', e: '3', offset: '9007199254740991', k: 'TRUE' });
    assert.ok(r.ok);
    assert.deepEqual(r.value, { topic: 'T', queueId: 3, offset: 9007199254740991, unitMode: true });
  });
  it('names a missing required field like Java does', () => {
    const r = Example.decode({ b: 'T', offset: '1' });
    assert.ok(!r.ok);
    assert.equal(r.error.field, 'e');
    assert.match(r.error.message, /<e> is null/);
  });
  it('rejects non-integers and out-of-range ints', () => {
    for (const e of ['1.5', 'abc', '', '2147483648']) {
      assert.ok(!Example.decode({ b: 'T', e, offset: '1' }).ok, e);
    }
  });
  it('treats anything but "true" as false, like Boolean.parseBoolean', () => {
    const r = Example.decode({ b: 'T', e: '1', offset: '1', k: '1' });
    assert.ok(r.ok);
    assert.equal(r.value.unitMode, false);
  });
  it('encodes every present field as a string under its wire key', () => {
    assert.deepEqual(
      { ...Example.encode({ topic: 'T', queueId: 1, offset: 2, unitMode: false }) },
      {
        b: 'T',
        e: '1',
        offset: '2',
        k: 'false',
      },
    );
  });
});

// The oracle: Java's own parse rules (RocketMQ decodes header fields with Integer.parseInt,
// Long.parseLong and Boolean.parseBoolean), written here from the JDK's documented behaviour:
// an optional '+' or '-', then at least one decimal digit (Character.digit: any Unicode
// decimal digit in the BMP), nothing else (no spaces, no exponent, no hex), and the value
// within the type's range. One deliberate difference: non-ASCII digits are refused
// (docs/formats.md, "Header fields").
const INT_RANGE = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const LONG_RANGE = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const isNd = (cp: number) => /\p{Nd}/u.test(String.fromCharCode(cp));

/** Character.digit(c, 10): decimal digits come in runs of ten, zero first. */
function javaDigit(c: number): number {
  if (!isNd(c)) return -1;
  let k = 0;
  while (k < c && isNd(c - k - 1)) k++;
  return k % 10;
}

function javaParse(s: string, [min, max]: readonly [bigint, bigint]): bigint | undefined {
  if (s.length === 0) return undefined;
  let i = 0;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    i = 1;
    if (s.length === 1) return undefined;
  }
  let v = 0n;
  for (; i < s.length; i++) {
    const d = javaDigit(s.charCodeAt(i));
    if (d < 0) return undefined;
    v = v * 10n + BigInt(d);
    if (v > max + 1n) return undefined;
  }
  const r = neg ? -v : v;
  return r < min || r > max ? undefined : r;
}

/** Boolean.parseBoolean: "true" ignoring case, anything else false. */
const javaParseBoolean = (s: string): boolean => /^[tT][rR][uU][eE]$/.test(s);

const asciiOnly = (s: string) => [...s].every((c) => c.charCodeAt(0) < 0x80);
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const Nums = defineHeader('Nums', { i: f.optInt(), l: f.optLong(), b: f.optBoolean() });
const numberish = fc.oneof(
  fc.stringMatching(/^[+-]?[0-9]{0,22}$/),
  fc
    .array(fc.constantFrom(...'0123456789+- .ex_', '١', '۵', '५', '০', '๙', '０', '９', '\u00b2', '\u2155'), {
      maxLength: 22,
    })
    .map((cs) => cs.join('')),
  fc.constantFrom(
    '2147483647',
    '2147483648',
    '-2147483648',
    '-2147483649',
    '9007199254740991',
    '9007199254740992',
    '-9007199254740991',
    '9223372036854775807',
    '9223372036854775808',
    '-9223372036854775808',
    '-9223372036854775809',
    '-0',
    '+7',
    '007',
    '',
    '+',
    '-',
    '+-1',
    ' 1',
    '1 ',
    '1e3',
    '0x10',
    '١',
  ),
  fc.string({ maxLength: 6 }),
);
const booleanish = fc.oneof(
  fc.constantFrom('true', 'TRUE', 'True', 'tRuE', 'false', '1', 'yes', ' true', 'true ', 'truee', 'tru', ''),
  fc.array(fc.constantFrom(...'tTrRuUeE1 '), { maxLength: 5 }).map((cs) => cs.join('')),
  fc.string({ maxLength: 5 }),
);

describe('header fields parse as Java parses them', () => {
  it('int: Integer.parseInt', () => {
    fc.assert(
      fc.property(numberish, (raw) => {
        const want = asciiOnly(raw) ? javaParse(raw, INT_RANGE) : undefined;
        const r = Nums.decode({ i: raw });
        assert.equal(r.ok, want !== undefined, `ok for ${JSON.stringify(raw)}`);
        // === (not Object.is): Java has no -0, and "-0" encodes back as "0".
        if (r.ok) assert.ok(r.value.i === Number(want), `${JSON.stringify(raw)} → ${r.value.i}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('long: Long.parseLong, within the exactly representable range', () => {
    fc.assert(
      fc.property(numberish, (raw) => {
        const java = asciiOnly(raw) ? javaParse(raw, LONG_RANGE) : undefined;
        if (java !== undefined && (java > SAFE || java < -SAFE)) return; // the next test
        const r = Nums.decode({ l: raw });
        assert.equal(r.ok, java !== undefined, `ok for ${JSON.stringify(raw)}`);
        if (r.ok) assert.ok(r.value.l === Number(java), `${JSON.stringify(raw)} → ${r.value.l}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('long: the whole Java long range, beyond 2^53 too, read as the nearest double (issue 18)', () => {
    for (const raw of ['9007199254740992', '-9007199254740993', '9223372036854775807', '-9223372036854775808']) {
      const want = javaParse(raw, LONG_RANGE)!;
      const r = Nums.decode({ l: raw });
      assert.ok(r.ok, raw);
      const v: unknown = r.value.l;
      assert.ok(typeof v === 'bigint' ? v === want : v === Number(want), `${raw} → ${String(v)}`);
    }
    for (const raw of ['9223372036854775808', '-9223372036854775809']) assert.ok(!Nums.decode({ l: raw }).ok, raw);
  });

  it('boolean: Boolean.parseBoolean', () => {
    fc.assert(
      fc.property(booleanish, (raw) => {
        const r = Nums.decode({ b: raw });
        assert.ok(r.ok);
        assert.equal(r.value.b, javaParseBoolean(raw), JSON.stringify(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes ±2^63 back as Long.MAX_VALUE / Long.MIN_VALUE, which Long.parseLong reads (issue 18)', () => {
    const L = defineHeader('L', { l: f.long() });
    assert.equal(L.encode({ l: 2 ** 63 }).l, '9223372036854775807');
    assert.equal(L.encode({ l: -(2 ** 63) }).l, '-9223372036854775808');
    assert.equal(L.encode({ l: 2 ** 60 }).l, '1152921504606846976');
    assert.equal(L.encode({ l: -5 }).l, '-5');
    for (const raw of ['9223372036854775807', '-9223372036854775808']) {
      const r = L.decode({ l: raw });
      assert.ok(r.ok);
      assert.equal(L.encode(r.value).l, raw);
    }
    assert.equal(longToString(Number.POSITIVE_INFINITY), '9223372036854775807');
  });
});
