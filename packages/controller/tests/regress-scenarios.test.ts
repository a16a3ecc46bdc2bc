// Controller-side rules behind the reference's regression scenarios (ha-and-controller.md §4):
// the heartbeat table and the state machine, with a hand-moved clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import { ResponseCode } from '@rocketmq-ts/protocol';
import { EventType } from '../src/events.js';
import { BrokerHeartbeatManager, DEFAULT_HEARTBEAT_TIMEOUT_MS } from '../src/heartbeat.js';
import { ReplicasInfo } from '../src/replicas-info.js';

const hb = (brokerId: number, timeoutMs?: number) => ({
  clusterName: 'C',
  brokerName: 'b',
  brokerAddr: `127.0.0.1:${10_000 + brokerId}`,
  brokerId,
  timeoutMs,
  epoch: 1,
  maxOffset: 100,
});

/** A broker set with ids 1..n registered, 1 the master at epoch 1, SyncStateSet = all. */
function groupOf(n: number, heartbeats: BrokerHeartbeatManager): ReplicasInfo {
  const info = new ReplicasInfo();
  for (let id = 1; id <= n; id++) {
    info.apply({
      type: EventType.APPLY_BROKER_ID,
      clusterName: 'C',
      brokerName: 'b',
      brokerAddress: `127.0.0.1:${10_000 + id}`,
      newBrokerId: id,
      registerCheckCode: `c${id}`,
    });
    heartbeats.onHeartbeat(hb(id, 10_000));
  }
  info.apply({ type: EventType.ELECT_MASTER, brokerName: 'b', newMasterElected: true, newMasterBrokerId: 1 });
  const all = Array.from({ length: n }, (_, i) => i + 1);
  info.apply({ type: EventType.ALTER_SYNC_STATE_SET, brokerName: 'b', newSyncStateSet: all });
  return info;
}

describe('controller regression scenarios', () => {
  it("#5712: a new leader's heartbeat table times brokers out by their own heartbeatTimeoutMills, not the default", () => {
    const clock = new ManualClock(1_000_000);
    // Heartbeats go to every controller; the follower that becomes leader has its own table.
    const oldLeader = new BrokerHeartbeatManager(clock);
    const newLeader = new BrokerHeartbeatManager(clock);
    for (const node of [oldLeader, newLeader]) {
      node.onHeartbeat(hb(1, 30_000));
      node.onHeartbeat(hb(2));
    }
    // The old leader dies; the new one runs its scans. 15 s later (past the 10 s default)
    // broker 1, which asked for 30 s, is still alive: no spurious election of its set.
    clock.advance(DEFAULT_HEARTBEAT_TIMEOUT_MS + 5000);
    const expired = newLeader.scanExpired().map((e) => e.brokerId);
    assert.deepEqual(expired, [2], 'only the broker without its own timeout expired');
    assert.ok(newLeader.liveInfo('C', 'b', 1));
    const info = groupOf(2, new BrokerHeartbeatManager(clock));
    assert.deepEqual(info.scanNeedReelect(newLeader), [], 'its master is alive on the new leader');
    clock.advance(15_001);
    assert.equal(newLeader.liveInfo('C', 'b', 1), undefined);
    assert.deepEqual(
      newLeader.scanExpired().map((e) => e.brokerId),
      [1],
    );
  });

  it('#9897: one ALTER removes two delayed slaves of four replicas at once', () => {
    const clock = new ManualClock(1_000_000);
    const heartbeats = new BrokerHeartbeatManager(clock);
    const info = groupOf(4, heartbeats);
    const set = info.get('b')!;
    assert.deepEqual([...set.syncStateSet].sort(), [1, 2, 3, 4]);
    const r = info.alterSyncStateSet(
      { brokerName: 'b', masterBrokerId: 1, masterEpoch: set.masterEpoch },
      { syncStateSet: [1, 2], syncStateSetEpoch: set.syncStateSetEpoch },
      heartbeats,
    );
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    for (const e of r.events) info.apply(e);
    assert.deepEqual([...info.get('b')!.syncStateSet].sort(), [1, 2]);
    // The delayed ones are still alive (only slow): liveness does not block a shrink.
    assert.ok(heartbeats.liveInfo('C', 'b', 3));
  });
});
