import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineHeader, f } from '../src/index.js';

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
