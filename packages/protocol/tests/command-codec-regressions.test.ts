import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequest, decodeCommand, emptyFields, encodeCommand, SerializeType } from '../src/index.js';

describe('command codec regressions', () => {
  it('keeps an extFields key named __proto__ through JSON encode and decode (found by fast-check)', () => {
    // JSON.parse makes `__proto__` an own key; assigning onto a null-prototype object keeps it one.
    const ext = Object.assign(emptyFields(), JSON.parse('{"__proto__":" "}') as Record<string, string>);
    for (const type of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
      const r = decodeCommand(encodeCommand(createRequest(0, ext), type).subarray(4));
      assert.ok(r.ok);
      assert.deepEqual(Object.entries(r.value.extFields), [['__proto__', ' ']]);
    }
  });
});
