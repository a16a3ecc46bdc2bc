import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createRequest,
  decodeCommand,
  emptyFields,
  encodeCommand,
  MAX_HEADER_VALUE_DEPTH,
  SerializeType,
} from '../src/index.js';

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

describe('JSON header nesting (issue 18, finding 1)', () => {
  const frame = (header: string): Buffer => {
    const h = Buffer.from(header, 'utf8');
    const out = Buffer.alloc(4 + h.length);
    out.writeUInt32BE(h.length, 0);
    h.copy(out, 4);
    return out;
  };

  it('refuses an extFields value nested deeper than the bound, without throwing', () => {
    for (const depth of [MAX_HEADER_VALUE_DEPTH + 1, 4200, 100_000]) {
      const r = decodeCommand(frame(`{"code":30,"extFields":{"topic":${'['.repeat(depth)}${']'.repeat(depth)}}}`));
      assert.equal(r.ok, false, `depth ${depth}`);
      if (!r.ok) assert.match(r.error.message, /nests deeper than/);
    }
    // Deeper ones no longer fit in a header (MAX_HEADER_BYTES) and are refused for their size.
    const r = decodeCommand(frame(`{"code":30,"extFields":{"topic":${'['.repeat(200_000)}${']'.repeat(200_000)}}}`));
    assert.equal(r.ok ? 'decoded' : r.error.kind, 'header-length');
  });

  it('still reads an object value at the bound as its JSON text (ali-ons sends such values)', () => {
    const depth = MAX_HEADER_VALUE_DEPTH;
    const value = `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
    const r = decodeCommand(frame(`{"code":30,"extFields":{"v":${value},"n":5,"b":true}}`));
    assert.ok(r.ok);
    assert.equal(r.value.extFields.v, value);
    assert.equal(r.value.extFields.n, '5');
    assert.equal(r.value.extFields.b, 'true');
  });
});
