// Test helper (not a test file): properties of the gRPC frame codec (frame-codec.ts), shared by
// frame-codec.test.ts and, through protobuf-properties.ts, scripts/fuzz-decoders.mjs.
// Valid streams of messages cut into chunks anywhere come out whole and in order; any bytes,
// cut anywhere, give the same error (or the same messages) as the bytes in one piece, and the
// decoder never holds more than it was given.
import assert from 'node:assert/strict';
import type { DecoderProperty } from '@rocketmq-ts/testkit';
import fc from 'fast-check';
import { encodeFrame, type Frame, FrameDecoder } from '../src/grpc/frame-codec.js';

export const MAX = 512;

export interface FrameCase {
  bytes: Buffer;
  /** Where the bytes are cut into chunks (positions, any order, duplicates allowed). */
  cuts: number[];
  /** The messages the bytes encode, when generated from messages. */
  messages?: { compressed: boolean; payload: Buffer }[];
}

const messages = fc.array(
  fc.record({
    compressed: fc.boolean(),
    payload: fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
  }),
  { maxLength: 6 },
);

const valid: fc.Arbitrary<FrameCase> = fc.tuple(messages, fc.array(fc.nat(), { maxLength: 8 })).map(([ms, cuts]) => ({
  bytes: Buffer.concat(ms.map((m) => encodeFrame(m.payload, m.compressed))),
  cuts,
  messages: ms.map((m) => ({ compressed: m.compressed, payload: m.payload })),
}));

/** Frames with a flipped byte or a declared length past MAX, or bytes of any kind. */
const hostile: fc.Arbitrary<FrameCase> = fc.oneof(
  fc
    .tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat())
    .map(([c, flips, cut]) => {
      const b = Buffer.from(c.bytes);
      for (const [at, v] of flips) if (b.length > 0) b[at % b.length] = v;
      return { bytes: cut % 4 === 0 && b.length > 0 ? b.subarray(0, cut % b.length) : b, cuts: c.cuts };
    }),
  fc
    .tuple(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 8 }))
    .map(([u, cuts]) => ({ bytes: Buffer.from(u), cuts })),
);

/** Decodes `bytes` fed in the chunks `cuts` makes. */
export function decodeChunked(bytes: Buffer, cuts: number[]) {
  const d = new FrameDecoder(MAX);
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const out: Frame[] = [];
  let at = 0;
  let error: unknown;
  for (const p of [...points, bytes.length]) {
    const r = d.push(bytes.subarray(at, p));
    at = p;
    assert.ok(d.buffered <= bytes.length, 'holds no more than it was given');
    if (!r.ok) {
      error = r.error;
      break;
    }
    out.push(...r.value.map((f) => ({ compressed: f.compressed, payload: Buffer.from(f.payload) })));
  }
  const end = error === undefined ? d.end() : undefined;
  if (end && !end.ok) error = end.error;
  return { frames: out, error };
}

export const frameProperties = {
  grpcFrames: {
    arbitrary: fc.oneof(valid, hostile),
    check(c: FrameCase) {
      const chunked = decodeChunked(c.bytes, c.cuts);
      const whole = decodeChunked(c.bytes, []);
      // Messages completed in the chunk that holds an error are dropped with it (the call is over).
      assert.deepEqual(chunked.error, whole.error, 'chunking does not change the outcome');
      if (whole.error === undefined) assert.deepEqual(chunked.frames, whole.frames);
      if (c.messages) {
        assert.equal(chunked.error, undefined);
        assert.deepEqual(chunked.frames, c.messages);
      }
      if (whole.error !== undefined) {
        const e = whole.error as { kind: string };
        assert.ok(['too-large', 'bad-flag', 'truncated'].includes(e.kind));
      }
    },
  } satisfies DecoderProperty<FrameCase>,
};
