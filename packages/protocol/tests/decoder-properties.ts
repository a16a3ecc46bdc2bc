// Test helper (not a test file): one property per decoder of network input, shared by
// decoder-properties.test.ts (a few thousand runs in `npm test`) and scripts/fuzz-decoders.mjs
// (a million and more by hand). Each input is a valid encoding (must round-trip), a mutation of
// one (flipped bytes, a cut), or arbitrary bytes/text; whatever it is, the decoder must return a
// Result and never throw.
import assert from 'node:assert/strict';
import { assertResult, type Case, casesOf, type DecoderProperty, jsonCasesOf, plain } from '@rocketmq-ts/testkit';
import fc from 'fast-check';
import {
  type BatchItem,
  decodeBatchBody,
  decodeHeartbeat,
  decodeLockBatchBody,
  decodeRegisterBrokerBodyInflated,
  decodeStoredRecords,
  encodeBatchBody,
  encodeHeartbeat,
  encodeRegisterBrokerBody,
  encodeStoredRecord,
  formatHost,
  type HeartbeatData,
  type HostBytes,
  parseFastjson,
  parseHost,
  type RegisterBrokerBody,
  type StoredRecordInput,
  type TopicConfig,
} from '../src/index.js';
import { encodeRegisterBrokerBodySections } from '../src/route/register-broker-body.js';

export type { Case, DecoderProperty } from '@rocketmq-ts/testkit';

const name = fc.string({ minLength: 1, maxLength: 12 });
const word = fc.stringMatching(/^[A-Za-z0-9_%-]{1,16}$/);

const batchItems = fc.array(
  fc.record({
    flag: fc.integer(),
    body: fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
    properties: fc.string({ maxLength: 40, unit: 'grapheme-ascii' }),
  }),
  { maxLength: 6 },
);

const heartbeats: fc.Arbitrary<HeartbeatData> = fc.record({
  clientID: name,
  producerDataSet: fc.array(fc.record({ groupName: fc.string({ maxLength: 10 }) }), { maxLength: 3 }),
  consumerDataSet: fc.array(
    fc.record({
      groupName: fc.string({ maxLength: 10 }),
      consumeType: fc.constantFrom('CONSUME_ACTIVELY', 'CONSUME_PASSIVELY', 'CONSUME_POP' as const),
      messageModel: fc.constantFrom('CLUSTERING', 'BROADCASTING' as const),
      consumeFromWhere: fc.constantFrom('CONSUME_FROM_LAST_OFFSET', 'CONSUME_FROM_FIRST_OFFSET' as const),
      subscriptionDataSet: fc.array(
        fc.record({
          topic: fc.string({ maxLength: 10 }),
          subString: fc.string({ maxLength: 10 }),
          tagsSet: fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
          codeSet: fc.array(fc.integer(), { maxLength: 3 }),
          subVersion: fc.nat(),
          expressionType: fc.constantFrom('TAG', 'SQL92'),
          classFilterMode: fc.boolean(),
        }),
        { maxLength: 3 },
      ),
      unitMode: fc.boolean(),
    }),
    { maxLength: 3 },
  ),
  heartbeatFingerprint: fc.integer(),
  withoutSub: fc.boolean(),
});

const topicConfigs: fc.Arbitrary<TopicConfig> = fc.record({
  topicName: word,
  readQueueNums: fc.integer({ min: 0, max: 1024 }),
  writeQueueNums: fc.integer({ min: 0, max: 1024 }),
  perm: fc.integer({ min: 0, max: 15 }),
  topicFilterType: fc.constantFrom('SINGLE_TAG', 'MULTI_TAG' as const),
  topicSysFlag: fc.constant(0),
  order: fc.constant(false),
  // A `__proto__` attribute is dropped on purpose (it would become the object's prototype).
  attributes: fc
    .dictionary(
      word.filter((k) => k !== '__proto__'),
      word,
      { maxKeys: 2 },
    )
    .map((a) => ({ ...a })),
});

const registerBodies: fc.Arbitrary<RegisterBrokerBody> = fc
  .record({
    topics: fc.uniqueArray(topicConfigs, { selector: (t) => t.topicName, maxLength: 5 }),
    dataVersion: fc.record({ stateVersion: fc.nat(), timestamp: fc.nat(), counter: fc.nat() }),
    filterServerList: fc.array(word, { maxLength: 2 }),
  })
  .map(({ topics, dataVersion, filterServerList }) => ({
    topicConfigSerializeWrapper: { topicConfigTable: new Map(topics.map((t) => [t.topicName, t])), dataVersion },
    filterServerList,
  }));

/** Loosely equal for Maps and plain objects alike (the register body holds a Map). */
function sameRegisterBody(a: RegisterBrokerBody, b: RegisterBrokerBody): void {
  // Topic order is not kept: a JSON object lists integer-like keys first (Java's is a HashMap).
  const topics = (x: RegisterBrokerBody) =>
    plain([...x.topicConfigSerializeWrapper.topicConfigTable.entries()].sort(([k1], [k2]) => (k1 < k2 ? -1 : 1)));
  assert.deepEqual(topics(a), topics(b));
  assert.deepEqual(plain(a.topicConfigSerializeWrapper.dataVersion), plain(b.topicConfigSerializeWrapper.dataVersion));
  assert.deepEqual(a.filterServerList, b.filterServerList);
}

// parseHost reads the plain forms a broker writes (not every IPv6 spelling fast-check makes).
const hosts = fc
  .oneof(
    fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 65535 })).map(([ip, port]) => parseHost(`${ip}:${port}`)),
    fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 65535 })).map(([ip, port]) => parseHost(`[${ip}]:${port}`)),
  )
  .filter((h): h is HostBytes => h !== undefined);

const storedRecordLists: fc.Arbitrary<StoredRecordInput[]> = fc.array(
  fc.record({
    topic: fc.string({ minLength: 1, maxLength: 140, unit: 'grapheme-ascii' }),
    queueId: fc.nat(),
    flag: fc.integer(),
    body: fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
    properties: fc.string({ maxLength: 40, unit: 'grapheme-ascii' }),
    sysFlag: fc.constant(0),
    bornTimestamp: fc.nat(),
    bornHost: hosts,
    storeTimestamp: fc.nat(),
    storeHost: hosts,
    reconsumeTimes: fc.nat(),
    preparedTransactionOffset: fc.nat(),
    queueOffset: fc.nat(),
    physicalOffset: fc.nat(),
  }),
  { maxLength: 4 },
);

export const decoderProperties = {
  batchBody: {
    arbitrary: casesOf<BatchItem[]>(batchItems, encodeBatchBody),
    check(c) {
      const r = decodeBatchBody(c.bytes);
      assertResult(r);
      if (c.valid !== undefined) {
        assert.ok(r.ok);
        assert.deepEqual(
          r.value.map((m) => ({ ...m, body: Buffer.from(m.body) })),
          c.valid.map((m) => ({ ...m, body: Buffer.from(m.body) })),
        );
      }
    },
  } satisfies DecoderProperty<Case<BatchItem[]>>,

  heartbeat: {
    arbitrary: jsonCasesOf(heartbeats, encodeHeartbeat),
    check(c) {
      const r = decodeHeartbeat(c.bytes);
      assertResult(r);
      if (c.valid !== undefined) {
        assert.ok(r.ok);
        assert.deepEqual(plain(r.value), plain(c.valid));
      }
    },
  } satisfies DecoderProperty<Case<HeartbeatData>>,

  fastjson: {
    arbitrary: jsonCasesOf(fc.jsonValue({ maxDepth: 6 }), (v) => Buffer.from(JSON.stringify(v))),
    check(c) {
      const text = c.bytes.toString('utf8');
      const r = parseFastjson(text);
      assertResult(r);
      // Standard JSON reads as JSON.parse reads it.
      if (c.valid !== undefined) {
        assert.ok(r.ok);
        assert.deepEqual(r.value, JSON.parse(text));
      }
    },
  } satisfies DecoderProperty<Case<unknown>>,

  registerBody: {
    arbitrary: fc.oneof(
      casesOf(registerBodies, (b) => encodeRegisterBrokerBodySections(b, 479)).map((c) => ({ ...c, compressed: true })),
      jsonCasesOf(registerBodies, (b) => encodeRegisterBrokerBody(b, { compressed: false, version: 479 })).map((c) => ({
        ...c,
        compressed: false,
      })),
    ),
    check(c: Case<RegisterBrokerBody> & { compressed?: boolean }) {
      const r = decodeRegisterBrokerBodyInflated(c.bytes, { compressed: c.compressed === true, version: 479 });
      assertResult(r);
      if (c.valid !== undefined) {
        assert.ok(r.ok, r.ok ? '' : r.error);
        sameRegisterBody(r.value, c.valid);
      }
    },
  } satisfies DecoderProperty<Case<RegisterBrokerBody> & { compressed?: boolean }>,

  lockBody: {
    arbitrary: jsonCasesOf(
      fc.record({
        consumerGroup: fc.string({ maxLength: 8 }),
        clientId: fc.string({ maxLength: 8 }),
        onlyThisBroker: fc.boolean(),
        mqSet: fc.array(fc.record({ topic: fc.string(), brokerName: fc.string(), queueId: fc.integer() }), {
          maxLength: 4,
        }),
      }),
      (v) => Buffer.from(JSON.stringify(v)),
    ),
    check(c) {
      const r = decodeLockBatchBody(c.bytes);
      assertResult(r);
      if (c.valid !== undefined) {
        assert.ok(r.ok);
        assert.deepEqual(plain(r.value), plain(c.valid));
      }
    },
  } satisfies DecoderProperty<Case<unknown>>,

  storedRecords: {
    arbitrary: casesOf(storedRecordLists, (rs) => Buffer.concat(rs.map(encodeStoredRecord))),
    check(c) {
      // Not a Result: a record list that stops at the first record it cannot read.
      const out = decodeStoredRecords(c.bytes);
      assert.ok(Array.isArray(out));
      if (c.valid !== undefined) {
        assert.deepEqual(
          out.map((m) => [m.topic, m.queueOffset, Buffer.from(m.body), m.bornHost]),
          c.valid.map((r) => [r.topic, r.queueOffset, r.body, formatHost(r.bornHost.bytes, 0, r.bornHost.v6)]),
        );
      }
    },
  } satisfies DecoderProperty<Case<StoredRecordInput[]>>,
};

export type DecoderName = keyof typeof decoderProperties;
