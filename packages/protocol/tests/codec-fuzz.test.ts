import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createRequest, decodeCommand, encodeCommand, FrameSplitter, SerializeType } from '../src/index.js';

describe('codec properties (fast-check)', () => {
  it('arbitrary bytes never throw from the splitter or the command decoder', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (chunks) => {
        const s = new FrameSplitter(4096);
        for (const c of chunks) {
          const r = s.push(Buffer.from(c));
          for (const f of r.frames) decodeCommand(f);
          if (r.error) break;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('arbitrary frame bodies never throw from decodeCommand, for either header type', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2, 255), fc.uint8Array({ maxLength: 400 }), (type, bytes) => {
        const frame = Buffer.alloc(4 + bytes.length);
        frame.writeUInt32BE(((type << 24) | bytes.length) >>> 0, 0);
        Buffer.from(bytes).copy(frame, 4);
        const r = decodeCommand(frame);
        if (!r.ok) assert.equal(typeof r.error.message, 'string');
      }),
      { numRuns: 3000 },
    );
  });

  it('encode then decode is the identity for both header types', () => {
    const str = fc.string({ minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 32767 }),
        fc.integer({ min: -2147483648, max: 2147483647 }),
        fc.dictionary(str, str, { maxKeys: 6 }),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: undefined }),
        fc.constantFrom(SerializeType.JSON, SerializeType.ROCKETMQ),
        (code, opaque, ext, body, type) => {
          const cmd = createRequest(code, Object.assign(Object.create(null), ext), body && Buffer.from(body), opaque);
          const bytes = encodeCommand(cmd, type);
          const r = new FrameSplitter().push(bytes);
          assert.equal(r.frames.length, 1);
          const d = decodeCommand(r.frames[0]!);
          assert.ok(d.ok);
          assert.equal(d.value.code, code);
          assert.equal(d.value.opaque, opaque);
          assert.deepEqual({ ...d.value.extFields }, { ...ext });
          assert.deepEqual(d.value.body ? [...d.value.body] : undefined, body ? [...body] : undefined);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
