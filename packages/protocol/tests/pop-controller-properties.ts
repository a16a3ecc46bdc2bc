// Test helper (not a test file): the properties of the 5.x decoders in this package — the Pop
// receipt handle (extraInfo) and offset-info strings, the BATCH_ACK body, the recall handle,
// the controller bodies and the controller headers as they arrive in a frame. Shared by
// decoder-properties.test.ts and scripts/fuzz-decoders.mjs.
import assert from 'node:assert/strict';
import { assertResult, type Case, casesOf, type DecoderProperty, jsonCasesOf, plain } from '@rocketmq-ts/testkit';
import fc from 'fast-check';
import {
  AlterSyncStateSetRequestHeader,
  ApplyBrokerIdRequestHeader,
  type BatchAckBody,
  type BrokerReplicasInfoBody,
  buildExtraInfo,
  CleanControllerBrokerDataRequestHeader,
  ControllerHeartbeatRequestHeader,
  createRequest,
  decodeBatchAckBody,
  decodeBrokerNameList,
  decodeBrokerReplicasInfo,
  decodeCommand,
  decodeElectMasterResponseBody,
  decodeRecallHandle,
  decodeSyncStateSet,
  ElectMasterRequestHeader,
  type ElectMasterResponseBody,
  type ExtraInfo,
  encodeBatchAckBody,
  encodeBrokerNameList,
  encodeBrokerReplicasInfo,
  encodeCommand,
  encodeElectMasterResponseBody,
  encodeRecallHandle,
  encodeSyncStateSet,
  FrameSplitter,
  GetNextBrokerIdRequestHeader,
  GetReplicaInfoRequestHeader,
  type HeaderSchema,
  msgOffsetEntry,
  NotifyBrokerRoleChangedRequestHeader,
  parseExtraInfo,
  parseMsgOffsetInfo,
  parseOrderCountInfo,
  parseStartOffsetInfo,
  type RecallHandle,
  RegisterBrokerToControllerRequestHeader,
  SerializeType,
  type SyncStateSetBody,
  startOffsetEntry,
} from '../src/index.js';

const text = (bytes: Buffer): string => bytes.toString('utf8');
const safe = fc.maxSafeInteger();
const nat = fc.maxSafeNat();
const word = fc.stringMatching(/^[A-Za-z0-9_%-]{1,16}$/);
const flag = fc.constantFrom(0 as const, 1 as const, 2 as const);

const extraInfos: fc.Arbitrary<ExtraInfo> = fc
  .record({
    ckQueueOffset: safe,
    popTime: safe,
    invisibleTime: safe,
    reviveQid: safe,
    retryFlag: flag,
    // No space: the separator; not empty: refused.
    brokerName: fc.string({ minLength: 1, maxLength: 16 }).filter((s) => !s.includes(' ')),
    queueId: safe,
    queueOffset: safe,
    commitLogOffset: fc.option(safe, { nil: undefined }),
  })
  .map(({ commitLogOffset, ...e }) => (commitLogOffset === undefined ? e : { ...e, commitLogOffset }));

const offsetInfos = fc.array(fc.tuple(flag, fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 4 })), {
  maxLength: 4,
});

const batchAcks: fc.Arbitrary<BatchAckBody> = fc.record({
  brokerName: word,
  acks: fc.array(
    fc
      .record({
        consumerGroup: fc.string({ maxLength: 10 }),
        topic: fc.string({ maxLength: 10 }),
        retryFlag: flag,
        startOffset: fc.nat({ max: 2 ** 40 }),
        queueId: fc.nat(),
        reviveQueueId: fc.nat(),
        popTime: nat,
        invisibleTime: nat,
        positions: fc.uniqueArray(fc.nat({ max: 200 }), { maxLength: 8 }),
      })
      .map(({ positions, ...a }) => ({
        ...a,
        offsets: positions.sort((x, y) => x - y).map((p) => a.startOffset + p),
      })),
    { maxLength: 4 },
  ),
});

const recallHandles: fc.Arbitrary<RecallHandle> = fc.record({
  topic: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes(' ')),
  brokerName: word,
  timestamp: safe.map(String),
  messageId: fc.stringMatching(/^[0-9A-F]{32}$/),
});

const ids = fc.uniqueArray(fc.integer({ min: -1, max: 64 }), { maxLength: 6 });
const replicas = fc.array(
  fc.record({ brokerName: word, brokerId: fc.nat(), brokerAddress: word, alive: fc.boolean() }),
  { maxLength: 3 },
);

type ControllerBody =
  | { kind: 'syncStateSet'; v: SyncStateSetBody }
  | { kind: 'electMaster'; v: ElectMasterResponseBody }
  | { kind: 'replicasInfo'; v: BrokerReplicasInfoBody }
  | { kind: 'nameList'; v: string[] };

const controllerBodies: fc.Arbitrary<ControllerBody> = fc.oneof(
  fc.record({ syncStateSet: ids, syncStateSetEpoch: fc.nat() }).map((v) => ({
    kind: 'syncStateSet' as const,
    v: { ...v, syncStateSet: [...v.syncStateSet].sort((a, b) => a - b) },
  })),
  fc
    .record({
      syncStateSet: ids,
      group: fc.option(
        fc.record({
          cluster: word,
          brokerName: word,
          addrs: fc.uniqueArray(fc.tuple(fc.nat(), word), { selector: (t) => t[0], maxLength: 3 }),
        }),
        { nil: undefined },
      ),
    })
    .map(({ syncStateSet, group }) => ({
      kind: 'electMaster' as const,
      v: {
        syncStateSet: [...syncStateSet].sort((a, b) => a - b),
        ...(group
          ? {
              brokerMemberGroup: {
                cluster: group.cluster,
                brokerName: group.brokerName,
                brokerAddrs: new Map([...group.addrs].sort((a, b) => a[0] - b[0])),
              },
            }
          : {}),
      },
    })),
  fc
    .uniqueArray(
      fc.record({
        name: word,
        masterBrokerId: fc.option(fc.nat(), { nil: undefined }),
        masterAddress: fc.option(word, { nil: undefined }),
        masterEpoch: fc.nat(),
        syncStateSetEpoch: fc.nat(),
        inSyncReplicas: replicas,
        notInSyncReplicas: replicas,
      }),
      { selector: (r) => r.name, maxLength: 3 },
    )
    .map((rs) => ({
      kind: 'replicasInfo' as const,
      v: new Map(rs.map(({ name, ...info }) => [name, info])) as BrokerReplicasInfoBody,
    })),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }).map((v) => ({ kind: 'nameList' as const, v })),
);

function encodeControllerBody(b: ControllerBody): Buffer {
  switch (b.kind) {
    case 'syncStateSet':
      return encodeSyncStateSet(b.v);
    case 'electMaster':
      return encodeElectMasterResponseBody(b.v);
    case 'replicasInfo':
      return encodeBrokerReplicasInfo(b.v);
    case 'nameList':
      return encodeBrokerNameList(b.v);
  }
}

const CONTROLLER_HEADERS: HeaderSchema<unknown>[] = [
  AlterSyncStateSetRequestHeader,
  ElectMasterRequestHeader,
  RegisterBrokerToControllerRequestHeader,
  GetReplicaInfoRequestHeader,
  ControllerHeartbeatRequestHeader,
  CleanControllerBrokerDataRequestHeader,
  GetNextBrokerIdRequestHeader,
  ApplyBrokerIdRequestHeader,
  NotifyBrokerRoleChangedRequestHeader,
] as HeaderSchema<unknown>[];

/** The wire names of the controller headers' fields. */
const CONTROLLER_FIELDS = [
  'brokerName',
  'clusterName',
  'brokerAddr',
  'brokerAddress',
  'brokerId',
  'masterBrokerId',
  'masterEpoch',
  'masterAddress',
  'syncStateSetEpoch',
  'invokeTime',
  'designateElect',
  'epoch',
  'maxOffset',
  'confirmOffset',
  'heartbeatTimeoutMills',
  'electionPriority',
  'brokerControllerIdsToClean',
  'isCleanLivingBroker',
  'appliedBrokerId',
  'registerCheckCode',
];

/** Field values: Java's numbers (and their extremes), booleans, and anything else. */
const fieldValue = fc.oneof(
  fc.constantFrom(
    '0',
    '-1',
    '9223372036854775807',
    '-9223372036854775808',
    '9223372036854775808',
    '2147483648',
    'true',
    'false',
    '',
    ' 1',
    '1e3',
    '0x10',
  ),
  fc.integer().map(String),
  safe.map(String),
  fc.string({ maxLength: 12 }),
);

interface HeaderCase {
  schema: number;
  ext: Record<string, string>;
  type: SerializeType;
  flips: [number, number][];
}

const headerCases: fc.Arbitrary<HeaderCase> = fc.record({
  schema: fc.nat({ max: CONTROLLER_HEADERS.length - 1 }),
  ext: fc.dictionary(fc.oneof(fc.constantFrom(...CONTROLLER_FIELDS), fc.string({ maxLength: 6 })), fieldValue, {
    maxKeys: 8,
  }),
  type: fc.constantFrom(SerializeType.JSON, SerializeType.ROCKETMQ),
  // Most frames stay intact (the header decoders must see valid frames); some are damaged.
  flips: fc.oneof(
    { weight: 3, arbitrary: fc.constant([] as [number, number][]) },
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
  ),
});

export const decoderProperties = {
  /** The remoting receipt handle (and the proxy's 9-field one) and the POP answer's offset-info strings. */
  popExtraInfo: {
    arbitrary: fc.oneof(
      casesOf(extraInfos, (e) => Buffer.from(buildExtraInfo(e))),
      fc
        .array(fc.oneof(fc.constantFrom(' ', '-', '0', '9223372036854775807', ';', ','), fc.string({ maxLength: 4 })), {
          maxLength: 12,
        })
        .map((parts): Case<ExtraInfo> & { info?: [0 | 1 | 2, number, number[]][] } => ({
          bytes: Buffer.from(parts.join('')),
        })),
      offsetInfos.map((info): Case<ExtraInfo> & { info?: [0 | 1 | 2, number, number[]][] } => ({
        bytes: Buffer.from(info.map(([f, q, offs]) => msgOffsetEntry(f, q, offs)).join(';')),
        info,
      })),
    ),
    check(c: Case<ExtraInfo> & { info?: [0 | 1 | 2, number, number[]][] }) {
      const s = text(c.bytes);
      const r = parseExtraInfo(s);
      assertResult(r);
      if (c.valid !== undefined) {
        assert.ok(r.ok, r.ok ? '' : r.error);
        assert.deepEqual(r.value, c.valid);
      }
      const starts = parseStartOffsetInfo(s);
      const msgs = parseMsgOffsetInfo(s);
      const counts = parseOrderCountInfo(s);
      assert.ok(starts instanceof Map && msgs instanceof Map && counts instanceof Map);
      if (c.info !== undefined) {
        // The last entry of a key wins, as in a client's map.
        const want = new Map(c.info.map(([f, q, offs]) => [`${f}@${q}`, offs]));
        assert.deepEqual(msgs, want);
        const startText = c.info.map(([f, q, offs]) => startOffsetEntry(f, q, offs[0]!)).join(';');
        assert.deepEqual(parseStartOffsetInfo(startText), new Map([...want].map(([k, offs]) => [k, offs[0]])));
      }
    },
  } satisfies DecoderProperty<Case<ExtraInfo> & { info?: [0 | 1 | 2, number, number[]][] }>,

  batchAck: {
    arbitrary: jsonCasesOf(batchAcks, encodeBatchAckBody),
    check(c: Case<BatchAckBody>) {
      const r = decodeBatchAckBody(c.bytes);
      assertResult(r);
      if (c.valid !== undefined) {
        assert.ok(r.ok, r.ok ? '' : r.error);
        assert.deepEqual(plain(r.value), plain(c.valid));
      }
    },
  } satisfies DecoderProperty<Case<BatchAckBody>>,

  recallHandle: {
    arbitrary: fc.oneof(
      casesOf(recallHandles, (h) => Buffer.from(encodeRecallHandle(h))),
      fc
        .string({ maxLength: 80 })
        .map((s): Case<RecallHandle> => ({ bytes: Buffer.from(Buffer.from(s).toString('base64url')) })),
    ),
    check(c: Case<RecallHandle>) {
      const r = decodeRecallHandle(text(c.bytes));
      assertResult(r);
      if (c.valid !== undefined) {
        assert.ok(r.ok);
        assert.deepEqual(r.value, plain(c.valid));
      }
    },
  } satisfies DecoderProperty<Case<RecallHandle>>,

  controllerBodies: {
    arbitrary: fc.tuple(fc.nat({ max: 3 }), jsonCasesOf(controllerBodies, encodeControllerBody)),
    check([which, c]: [number, Case<ControllerBody>]) {
      // A valid case goes to its own decoder; anything else to each of them in turn.
      const kind = c.valid?.kind ?? (['syncStateSet', 'electMaster', 'replicasInfo', 'nameList'] as const)[which]!;
      const r =
        kind === 'syncStateSet'
          ? decodeSyncStateSet(c.bytes)
          : kind === 'electMaster'
            ? decodeElectMasterResponseBody(c.bytes)
            : kind === 'replicasInfo'
              ? decodeBrokerReplicasInfo(c.bytes)
              : decodeBrokerNameList(c.bytes);
      assertResult(r);
      if (c.valid !== undefined) {
        assert.ok(r.ok, r.ok ? '' : String((r as { error: unknown }).error));
        const value = (r as { value: unknown }).value;
        if (c.valid.kind === 'replicasInfo') {
          // A JSON object lists integer-like keys first (Java's is a HashMap): compare by name.
          const byName = (m: BrokerReplicasInfoBody) => plain([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
          assert.deepEqual(byName(value as BrokerReplicasInfoBody), byName(c.valid.v));
        } else if (c.valid.kind === 'electMaster') {
          const v = value as ElectMasterResponseBody;
          assert.deepEqual(
            [...v.syncStateSet].sort((a, b) => a - b),
            c.valid.v.syncStateSet,
          );
          const g = c.valid.v.brokerMemberGroup;
          assert.deepEqual(
            v.brokerMemberGroup && { ...v.brokerMemberGroup, brokerAddrs: [...v.brokerMemberGroup.brokerAddrs] },
            g && { ...g, brokerAddrs: [...g.brokerAddrs] },
          );
        } else if (c.valid.kind === 'syncStateSet') {
          const v = value as SyncStateSetBody;
          assert.deepEqual({ ...v, syncStateSet: [...v.syncStateSet].sort((a, b) => a - b) }, c.valid.v);
        } else {
          assert.deepEqual(value, c.valid.v);
        }
      }
    },
  } satisfies DecoderProperty<[number, Case<ControllerBody>]>,

  /**
   * A controller request as it arrives: the extFields in a frame of either serialisation (some
   * frames damaged), cut by the frame splitter, decoded, then read by the request's header
   * schema. What a schema accepts encodes back to the same value.
   */
  controllerHeaders: {
    arbitrary: headerCases,
    check(c: HeaderCase) {
      const schema = CONTROLLER_HEADERS[c.schema]!;
      const frame = encodeCommand(createRequest(1001, Object.assign(Object.create(null), c.ext)), c.type);
      for (const [at, byte] of c.flips) frame[4 + (at % (frame.length - 4))] = byte;
      const split = new FrameSplitter().push(frame);
      for (const f of split.frames) {
        const cmd = decodeCommand(f);
        assertResult(cmd);
        if (!cmd.ok) continue;
        const h = schema.decode(cmd.value.extFields ?? {});
        assertResult(h);
        if (c.flips.length === 0) assert.deepEqual({ ...cmd.value.extFields }, { ...c.ext });
        if (h.ok) {
          const again = schema.decode(schema.encode((h as { value: unknown }).value));
          assert.ok(again.ok);
          assert.deepEqual(again.value, (h as { value: unknown }).value);
        }
      }
    },
  } satisfies DecoderProperty<HeaderCase>,
};
