// Test helper (not a test file): the revive-topic record decoder (CK, ACK and batch-ACK JSON
// bodies). Anyone who can send to the revive topic can put bytes there, so it reads untrusted
// input like a network decoder. Shared by pop-decoder-properties.test.ts and
// scripts/fuzz-decoders.mjs.
import assert from 'node:assert/strict';
import { PopRecordTag } from '@rocketmq-ts/protocol';
import { type Case, casesOf, type DecoderProperty, jsonCasesOf, plain } from '@rocketmq-ts/testkit';
import fc from 'fast-check';
import {
  type AckRecord,
  ackRecord,
  type CheckPoint,
  checkpointRecord,
  decodeReviveRecord,
} from '../src/pop/pop-records.js';

const target = { reviveTopic: 'rmq_sys_REVIVE_LOG_c', reviveQid: 0, bornHost: '127.0.0.1:1', now: 1 };
const safe = fc.maxSafeNat();

const checkpoints: fc.Arbitrary<CheckPoint> = fc.record({
  so: safe,
  pt: safe,
  it: safe,
  q: fc.nat(),
  t: fc.string({ maxLength: 12 }),
  c: fc.string({ maxLength: 12 }),
  d: fc.array(fc.nat({ max: 1000 }), { maxLength: 32 }),
  bn: fc.string({ maxLength: 8 }),
  rp: fc.nat(),
});

const acks: fc.Arbitrary<AckRecord> = fc.record({
  offsets: fc.array(safe, { minLength: 1, maxLength: 8 }),
  so: safe,
  c: fc.string({ maxLength: 12 }),
  t: fc.string({ maxLength: 12 }),
  q: fc.nat(),
  pt: safe,
  bn: fc.string({ maxLength: 8 }),
});

type Revive = { kind: 'ck'; ck: CheckPoint } | { kind: 'ack'; ack: AckRecord };

const records: fc.Arbitrary<Revive> = fc.oneof(
  checkpoints.map((ck) => ({ kind: 'ck' as const, ck })),
  acks.map((ack) => ({ kind: 'ack' as const, ack })),
);

const body = (r: Revive): Buffer =>
  r.kind === 'ck' ? checkpointRecord(target, r.ck).body : ackRecord(target, r.ack, 1000).body;
const tagOf = (r: Revive): string =>
  r.kind === 'ck' ? PopRecordTag.CK : r.ack.offsets.length === 1 ? PopRecordTag.ACK : PopRecordTag.BATCH_ACK;

/** Long-name and numbers-as-strings spellings (RocketMQ's own writers), and hostile counts. */
const odd = fc
  .record({
    so: fc.oneof(safe, safe.map(String)),
    pt: safe,
    it: safe,
    q: fc.nat(),
    t: fc.string({ maxLength: 4 }),
    c: fc.string({ maxLength: 4 }),
    n: fc.oneof(fc.integer(), fc.constantFrom(2 ** 31, 2 ** 40, 2 ** 53 - 1, -1, 1e9)),
    aol: fc.option(fc.array(fc.oneof(safe, fc.string({ maxLength: 3 })), { maxLength: 4 }), { nil: undefined }),
  })
  .map((o) => ({ bytes: Buffer.from(JSON.stringify(o)) }));

export const decoderProperties = {
  popCheckpoint: {
    arbitrary: fc.tuple(
      fc.constantFrom(PopRecordTag.CK, PopRecordTag.ACK, PopRecordTag.BATCH_ACK, 'x'),
      fc.oneof(jsonCasesOf(records, body), casesOf(records, body), odd as fc.Arbitrary<Case<Revive>>),
    ),
    check([tag, c]: [string, Case<Revive>]) {
      const r = decodeReviveRecord(c.valid ? tagOf(c.valid) : tag, c.bytes);
      assert.ok(r === undefined || r.kind === 'ck' || r.kind === 'ack');
      if (r?.kind === 'ck') assert.ok(r.ck.d.length <= 1024, 'a CK lists at most what a pop can hand out');
      if (c.valid !== undefined) {
        assert.ok(r !== undefined);
        assert.deepEqual(plain(r), plain(c.valid));
      }
    },
  } satisfies DecoderProperty<[string, Case<Revive>]>,
};
