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

describe('ROCKETMQ binary header limits', () => {
  it('falls back to JSON for codes above 16 bits and for empty-string values', () => {
    for (const cmd of [
      createRequest(200050, Object.assign(emptyFields(), { consumerGroup: 'G' })),
      createRequest(10, Object.assign(emptyFields(), { properties: '' })),
    ]) {
      const frame = encodeCommand(cmd, SerializeType.ROCKETMQ);
      assert.equal(frame.readUInt8(4), SerializeType.JSON, 'type byte');
      const r = decodeCommand(frame.subarray(4));
      assert.ok(r.ok);
      assert.equal(r.value.code, cmd.code);
      assert.deepEqual({ ...r.value.extFields }, { ...cmd.extFields });
    }
    const plain = encodeCommand(createRequest(10, Object.assign(emptyFields(), { a: 'x' })), SerializeType.ROCKETMQ);
    assert.equal(plain.readUInt8(4), SerializeType.ROCKETMQ);
  });
});
