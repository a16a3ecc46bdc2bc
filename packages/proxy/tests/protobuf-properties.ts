// Test helper (not a test file): the proxy's protobuf decoding of every request it serves.
// Values are generated from the schema itself (every field of every message type, nested),
// encoded, then decoded (must round-trip to the same bytes); mutations of them and arbitrary
// bytes must decode to a value or an error value, never throw. Shared by
// protobuf-properties.test.ts and scripts/fuzz-decoders.mjs.
import assert from 'node:assert/strict';
import { type Case, casesOf, type DecoderProperty, mutate } from '@rocketmq-ts/testkit';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { root, rpcs } from '../src/grpc/codec.js';
import { PACKAGE } from '../src/grpc/definitions.js';
import { frameProperties } from './frame-properties.js';

const MAX_DEPTH = 3;

function scalar(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return fc.string({ maxLength: 12, unit: 'binary' });
    case 'bytes':
      return fc.uint8Array({ maxLength: 24 }).map((u) => Buffer.from(u));
    case 'bool':
      return fc.boolean();
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return fc.integer();
    case 'uint32':
    case 'fixed32':
      return fc.nat({ max: 0xffffffff });
    case 'float':
      return fc.float({ noNaN: true });
    case 'double':
      return fc.double({ noNaN: true });
    default:
      // int64 and friends: read as plain numbers (codec.ts), so within the safe range.
      return type.startsWith('u') || type.startsWith('fixed') ? fc.maxSafeNat() : fc.maxSafeInteger();
  }
}

const memo = new Map<string, fc.Arbitrary<Record<string, unknown>>>();

/** Values of a message type: each field absent or set (repeated: a few; maps: a few keys). */
function valuesOf(type: protobuf.Type, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const key = `${type.fullName}@${depth}`;
  const known = memo.get(key);
  if (known) return known;
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of type.fieldsArray) {
    f.resolve();
    let a: fc.Arbitrary<unknown>;
    if (f.resolvedType instanceof protobuf.Type) {
      if (depth >= MAX_DEPTH) continue;
      a = valuesOf(f.resolvedType, depth + 1);
    } else if (f.resolvedType instanceof protobuf.Enum) {
      a = fc.constantFrom(...Object.values(f.resolvedType.values));
    } else {
      a = scalar(f.type);
    }
    if (f.map) a = fc.dictionary(fc.string({ maxLength: 6 }), a, { maxKeys: 3 }).map((d) => ({ ...d }));
    else if (f.repeated) a = fc.array(a, { maxLength: 3 });
    fields[f.name] = a;
  }
  const out = fc.record(fields, { requiredKeys: [] }).map((r) => ({ ...r }));
  memo.set(key, out);
  return out;
}

/** The request message of every RPC served, with its schema type. */
const REQUESTS = Object.values(rpcs).map((r) => ({
  codec: r.request,
  type: root.lookupType(`${PACKAGE}.${r.request.name}`),
}));

interface ProtoCase {
  rpc: number;
  c: Case<Record<string, unknown>>;
}

const cases: fc.Arbitrary<ProtoCase> = fc.oneof(
  ...REQUESTS.map(({ codec, type }, rpc) =>
    casesOf(valuesOf(type), (v) => codec.encode(v), 256).map((c) => ({ rpc, c })),
  ),
);

export const decoderProperties = {
  protobuf: {
    arbitrary: fc.oneof(
      cases,
      // Damaged frames of a valid request: mutations with a few more flips than casesOf's.
      fc
        .tuple(cases, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat())
        .map(([pc, flips, cut]) => ({ rpc: pc.rpc, c: { bytes: mutate(pc.c.bytes, flips, cut) } })),
    ),
    check({ rpc, c }: ProtoCase) {
      const { codec } = REQUESTS[rpc]!;
      const r = codec.decode(c.bytes);
      assert.ok(typeof r === 'object' && r !== null && 'ok' in r);
      if (!r.ok) assert.equal(typeof r.error, 'string');
      if (c.valid !== undefined) {
        assert.ok(r.ok, r.ok ? '' : r.error);
        assert.deepEqual(codec.encode(r.value), c.bytes);
      }
    },
  } satisfies DecoderProperty<ProtoCase>,
};

// The gRPC frame codec's property runs with the protobuf one in scripts/fuzz-decoders.mjs.
Object.assign(decoderProperties, frameProperties);
