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
  it("reads int and long fields by Java's Integer/Long.parseLong rules (sign, digits, range), longs as the nearest double", () => {
    const Nums = defineHeader('Nums', { i: f.optInt(), l: f.optLong() });
    const reference = (raw: string, int: boolean): number | undefined => {
      if (!/^[+-]?\d+$/.test(raw)) return undefined;
      const n = Number(raw);
      if (int) return n >= -2147483648 && n <= 2147483647 ? n : undefined;
      const big = BigInt(raw);
      return big >= -(2n ** 63n) && big < 2n ** 63n ? n : undefined;
    };
    const digits = fc.stringMatching(/^[+-]?[0-9]{0,22}$/);
    const edge = fc.constantFrom(
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
      '+00009223372036854775807',
      '99999999999999999999',
      '-0',
      '+7',
      '007',
      '',
      '+',
      '-',
      ' 1',
      '1 ',
      '1e3',
      '0x10',
      '١',
    );
    fc.assert(
      fc.property(fc.oneof(digits, edge, fc.string({ maxLength: 6 })), (raw) => {
        const r = Nums.decode({ i: raw, l: raw });
        const ri = reference(raw, true);
        const rl = reference(raw, false);
        if (ri === undefined || rl === undefined) {
          assert.equal(r.ok, false, raw);
          const only = ri === undefined ? Nums.decode({ l: raw }) : Nums.decode({ i: raw });
          const ok = ri === undefined ? rl !== undefined : ri !== undefined;
          assert.equal(only.ok, ok, raw);
          if (only.ok) assert.equal(ri === undefined ? only.value.l : only.value.i, ri ?? rl, raw);
        } else {
          assert.ok(r.ok, raw);
          assert.equal(r.value.i, ri, raw);
          assert.equal(r.value.l, rl, raw);
        }
      }),
      { numRuns: 3000 },
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
