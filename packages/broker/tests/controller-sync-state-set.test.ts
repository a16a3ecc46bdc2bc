import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proposeSyncStateSet, RecordingHaControl } from '../src/index.js';

describe('proposeSyncStateSet', () => {
  const base = { self: 1, masterMaxOffset: 1000, now: 100_000, haMaxTimeSlaveNotCatchup: 15_000 };

  it('keeps the master, drops members behind for longer than haMaxTimeSlaveNotCatchup or without a connection', () => {
    const acks = [
      { brokerId: 2, ackOffset: 900, lastCaughtUpTime: 100_000 - 15_000 },
      { brokerId: 3, ackOffset: 900, lastCaughtUpTime: 100_000 - 15_001 },
    ];
    assert.deepEqual(proposeSyncStateSet({ ...base, current: [1, 2, 3, 4], acks }), [1, 2]);
  });

  it('adds a caught-up slave, never a learner', () => {
    const acks = [
      { brokerId: 2, ackOffset: 1000, lastCaughtUpTime: 0 },
      { brokerId: 3, ackOffset: 1000, lastCaughtUpTime: 100_000, asyncLearner: true },
      { brokerId: 4, ackOffset: 999, lastCaughtUpTime: 100_000 },
    ];
    assert.deepEqual(proposeSyncStateSet({ ...base, current: [1], acks }), [1, 2]);
  });

  it('#9897: two of four replicas delayed at once leave the set in one proposal', () => {
    // Their acks stopped (delayed a minute): caught-up times older than haMaxTimeSlaveNotCatchup.
    const acks = [
      { brokerId: 2, ackOffset: 1000, lastCaughtUpTime: 100_000 },
      { brokerId: 3, ackOffset: 400, lastCaughtUpTime: 100_000 - 15_001 },
      { brokerId: 4, ackOffset: 300, lastCaughtUpTime: 100_000 - 20_000 },
    ];
    assert.deepEqual(proposeSyncStateSet({ ...base, current: [1, 2, 3, 4], acks }), [1, 2]);
    // Within haMaxTimeSlaveNotCatchup nothing is dropped (no flapping on a short stall).
    const fresh = acks.map((a) => ({ ...a, lastCaughtUpTime: 100_000 - 14_000 }));
    assert.deepEqual(proposeSyncStateSet({ ...base, current: [1, 2, 3, 4], acks: fresh }), [1, 2, 3, 4]);
  });
});

describe('RecordingHaControl', () => {
  it('refuses a role change below its last epoch', async () => {
    const ha = new RecordingHaControl();
    await ha.changeToMaster(3, [1]);
    await assert.rejects(ha.changeToSlave('x:1', 2, 2));
    assert.equal(ha.role, 'master');
  });
});
