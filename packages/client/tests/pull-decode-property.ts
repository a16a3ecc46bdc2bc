// Test helper (not a test file): the decodeMessages property, shared by
// pull-decode-property.test.ts and scripts/fuzz-decoders.mjs.
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { MessageSysFlag } from '@rocketmq-ts/protocol';
import fc from 'fast-check';
import { decodeMessages } from '../src/consumer/pull-decode.js';
import { record } from './stored-records.js';

interface Msg {
  body: Buffer;
  tags: string;
  compressed: boolean;
}

const messages = fc.array(
  fc.record({
    body: fc.uint8Array({ maxLength: 80 }).map((u) => Buffer.from(u)),
    tags: fc.stringMatching(/^[A-Za-z0-9]{1,8}$/),
    compressed: fc.boolean(),
  }),
  { maxLength: 5 },
);

const encode = (ms: Msg[]): Buffer =>
  Buffer.concat(
    ms.map((m, i) =>
      m.compressed
        ? record(i, deflateSync(m.body), { TAGS: m.tags }, MessageSysFlag.COMPRESSED_FLAG)
        : record(i, m.body, { TAGS: m.tags }),
    ),
  );

/** Valid pull bodies, the same with flipped bytes or cut short, and arbitrary bytes. */
export const pullBodies: fc.Arbitrary<{ bytes: Buffer; valid?: Msg[] }> = fc.oneof(
  messages.map((ms) => ({ bytes: encode(ms), valid: ms })),
  fc
    .tuple(messages, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat())
    .map(([ms, flips, cut]) => {
      const b = encode(ms);
      for (const [at, byte] of flips) if (b.length > 0) b[at % b.length] = byte;
      return { bytes: cut % 3 === 0 && b.length > 0 ? b.subarray(0, cut % b.length) : b };
    }),
  fc.uint8Array({ maxLength: 600 }).map((u) => ({ bytes: Buffer.from(u) })),
);

/** Never throws; a valid body decodes to its messages, bodies inflated and tags read. */
export function checkPullBody(c: { bytes: Buffer; valid?: Msg[] }): void {
  const out = decodeMessages(c.bytes, 'b');
  assert.ok(Array.isArray(out));
  if (c.valid === undefined) return;
  assert.deepEqual(
    out.map((m) => ({ body: Buffer.from(m.body), tags: m.tags })),
    c.valid.map((m) => ({ body: m.body, tags: m.tags })),
  );
}

/** For scripts/fuzz-decoders.mjs. */
export const decoderProperties = { pullBody: { arbitrary: pullBodies, check: checkPullBody } };
