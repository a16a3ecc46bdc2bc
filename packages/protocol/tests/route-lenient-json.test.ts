import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseLenientJson, quoteIntegerKeys } from '../src/index.js';

describe('quoteIntegerKeys', () => {
  it('quotes bare integer keys, negative ones included', () => {
    assert.equal(quoteIntegerKeys('{0:"a",1:"b"}'), '{"0":"a","1":"b"}');
    assert.equal(quoteIntegerKeys('{ -1 : "x" }'), '{ "-1" : "x" }');
    assert.equal(quoteIntegerKeys('{"m":{12:{3:[1,2]}}}'), '{"m":{"12":{"3":[1,2]}}}');
  });
  it('leaves arrays of numbers and numeric values alone', () => {
    const s = '{"a":[1,2,3],"b":4,"c":[{"d":5}]}';
    assert.equal(quoteIntegerKeys(s), s);
  });
  it('does not touch patterns inside strings, escaped quotes included', () => {
    const s = '{"k":"{0:\\"x\\",1:2}","j":"a,3:b"}';
    assert.equal(quoteIntegerKeys(s), s);
    assert.deepEqual(parseLenientJson(s), { ok: true, value: { k: '{0:"x",1:2}', j: 'a,3:b' } });
  });
  it('agrees with JSON.parse on any valid JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        const r = parseLenientJson(text);
        assert.ok(r.ok);
        assert.deepEqual(r.value, JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });
  it('reads any string-keyed object written with bare integer keys', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.nat().map(String), fc.string()), (o) => {
        const bare = `{${Object.entries(o)
          .map(([k, v]) => `${k}:${JSON.stringify(v)}`)
          .join(',')}}`;
        const r = parseLenientJson(bare);
        assert.ok(r.ok, bare);
        assert.deepEqual(r.value, JSON.parse(JSON.stringify(o)));
      }),
      { numRuns: 300 },
    );
  });
  it('returns an error value for garbage', () => {
    assert.equal(parseLenientJson('{0:}').ok, false);
    assert.equal(parseLenientJson(Buffer.from([0xff, 0x00])).ok, false);
  });
});
