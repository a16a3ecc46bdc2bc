// Test helper (not a test file): the controller's event log reader. The log is replayed at start
// (and a damaged or foreign file must not stop the controller): any bytes decode to the intact
// records before the first bad one, never a throw; valid records round-trip and replay.
// Shared by controller-log-properties.test.ts and scripts/fuzz-decoders.mjs.
import assert from 'node:assert/strict';
import { type Case, casesOf, type DecoderProperty, plain } from '@rocketmq-ts/testkit';
import fc from 'fast-check';
import type { ControllerEvent } from '../src/events.js';
import { ReplicasInfo } from '../src/replicas-info.js';
import { decodeRecords, encodeRecord } from '../src/storage/local-log-store.js';

const name = fc.string({ maxLength: 8 });
const id = fc.integer({ min: -1, max: 64 });
const ids = fc.array(id, { maxLength: 4 });

const events: fc.Arbitrary<ControllerEvent> = fc.oneof(
  fc.record({ type: fc.constant(1 as const), brokerName: name, newSyncStateSet: ids }),
  fc.record({
    type: fc.constant(2 as const),
    clusterName: name,
    brokerName: name,
    brokerAddress: name,
    newBrokerId: id,
    registerCheckCode: name,
  }),
  fc.record(
    { type: fc.constant(3 as const), brokerName: name, newMasterElected: fc.boolean(), newMasterBrokerId: id },
    { requiredKeys: ['type', 'brokerName', 'newMasterElected'] },
  ),
  fc.record(
    { type: fc.constant(5 as const), brokerName: name, brokerIdSetToClean: ids },
    { requiredKeys: ['type', 'brokerName'] },
  ),
  fc.record({ type: fc.constant(6 as const), clusterName: name, brokerName: name, brokerAddress: name, brokerId: id }),
);

const logs = fc.array(fc.array(events, { minLength: 1, maxLength: 3 }), { maxLength: 4 });
const encodeLog = (changes: ControllerEvent[][]): Buffer => Buffer.concat(changes.map(encodeRecord));

export const decoderProperties = {
  controllerLog: {
    arbitrary: casesOf(logs, encodeLog),
    check(c: Case<ControllerEvent[][]>) {
      const { changes, validEnd } = decodeRecords(c.bytes);
      assert.ok(validEnd >= 0 && validEnd <= c.bytes.length);
      // What was read is exactly the records up to validEnd.
      assert.deepEqual(encodeLog(changes), c.bytes.subarray(0, validEnd));
      const state = new ReplicasInfo();
      for (const change of changes) for (const e of change) state.apply(e);
      if (c.valid !== undefined) {
        assert.equal(validEnd, c.bytes.length);
        assert.deepEqual(plain(changes), plain(c.valid));
      }
    },
  } satisfies DecoderProperty<Case<ControllerEvent[][]>>,
};
