import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import { ResponseCode } from '@rocketmq-ts/protocol';
import { BrokerHeartbeatManager, type ControllerEvent, parseEvent, ReplicasInfo } from '../src/index.js';

const C = 'DefaultCluster';
const B = 'broker-a';

function replay(events: ControllerEvent[]): ReplicasInfo {
  const info = new ReplicasInfo();
  for (const e of events) info.apply(e);
  return info;
}

/** A controller that logs what each accepted decision emits, as the leader does. */
class Harness {
  readonly info = new ReplicasInfo();
  readonly log: ControllerEvent[] = [];
  readonly clock = new ManualClock(1_000_000);
  readonly hb = new BrokerHeartbeatManager(this.clock);
  commit<R extends { events: ControllerEvent[] }>(r: R): R {
    for (const e of r.events) {
      this.log.push(e);
      this.info.apply(e);
    }
    return r;
  }
  beat(id: number, epoch = 0, maxOffset = 0) {
    this.hb.onHeartbeat({
      clusterName: C,
      brokerName: B,
      brokerAddr: `127.0.0.1:${10910 + id}`,
      brokerId: id,
      epoch,
      maxOffset,
    });
  }
  join(id: number) {
    const r = this.commit(
      this.info.applyBrokerId({
        clusterName: C,
        brokerName: B,
        appliedBrokerId: id,
        registerCheckCode: `127.0.0.1:${10910 + id};${id}`,
      }),
    );
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    this.beat(id);
  }
  snapshot(info: ReplicasInfo = this.info) {
    return JSON.stringify(info.toJSON());
  }
}

/** A three-replica set: 1 master, {1,2,3} in sync. */
function threeReplicas(): Harness {
  const h = new Harness();
  h.join(1);
  h.join(2);
  h.join(3);
  assert.equal(
    h.commit(h.info.electMaster({ brokerName: B, brokerId: 1 }, h.hb, { enableElectUncleanMaster: false })).code,
    0,
  );
  const r = h.commit(
    h.info.alterSyncStateSet(
      { brokerName: B, masterBrokerId: 1, masterEpoch: 1 },
      { syncStateSet: [1, 2, 3], syncStateSetEpoch: 1 },
      h.hb,
    ),
  );
  assert.equal(r.code, 0, r.remark);
  return h;
}

describe('ReplicasInfo', () => {
  it('replaying the event log gives the same state, and the log survives JSON', () => {
    const h = threeReplicas();
    h.clock.advance(20_000);
    h.beat(2, 1, 500);
    h.beat(3, 1, 400);
    const r = h.commit(h.info.electMaster({ brokerName: B, brokerId: -1 }, h.hb, { enableElectUncleanMaster: false }));
    assert.equal(r.code, 0);
    assert.equal(r.header.masterBrokerId, 2);
    const copy = JSON.parse(JSON.stringify(h.log)) as unknown[];
    const replayed = replay(
      copy.map((e) => {
        const p = parseEvent(e);
        assert.ok(p.ok);
        return p.value;
      }),
    );
    assert.equal(h.snapshot(replayed), h.snapshot());
    assert.equal(h.snapshot(ReplicasInfo.fromJSON(JSON.parse(h.snapshot()))), h.snapshot());
    const set = h.info.get(B);
    assert.deepEqual(
      [set?.masterBrokerId, set?.masterEpoch, set?.syncStateSetEpoch, [...(set?.syncStateSet ?? [])]],
      [2, 2, 3, [2]],
    );
  });

  it('keeps the invariants: epochs strictly increase, the master is in its set, the set resets on election', () => {
    const h = threeReplicas();
    let lastMasterEpoch = h.info.get(B)?.masterEpoch ?? 0;
    let lastSetEpoch = h.info.get(B)?.syncStateSetEpoch ?? 0;
    for (let round = 0; round < 20; round++) {
      h.clock.advance(11_000);
      const survivors = [1, 2, 3].filter((id) => id !== h.info.get(B)?.masterBrokerId);
      for (const id of survivors) h.beat(id, round + 2, 1000 * round + id);
      const r = h.commit(h.info.electMaster({ brokerName: B, brokerId: -1 }, h.hb, { enableElectUncleanMaster: true }));
      assert.equal(r.code, 0);
      const set = h.info.get(B);
      assert.ok(set && set.masterEpoch > lastMasterEpoch && set.syncStateSetEpoch > lastSetEpoch);
      assert.deepEqual([...set.syncStateSet], [set.masterBrokerId]);
      lastMasterEpoch = set.masterEpoch;
      lastSetEpoch = set.syncStateSetEpoch;
    }
    assert.equal(h.snapshot(replay(h.log)), h.snapshot());
  });

  it('refuses bad ALTER requests with RocketMQ codes and changes nothing', () => {
    const h = threeReplicas();
    const before = h.snapshot();
    const alter = (
      masterBrokerId: number | undefined,
      masterEpoch: number | undefined,
      ids: number[],
      epoch: number,
      brokerName = B,
    ) =>
      h.info.alterSyncStateSet(
        { brokerName, masterBrokerId, masterEpoch },
        { syncStateSet: ids, syncStateSetEpoch: epoch },
        h.hb,
      );
    const cases: Array<[ReturnType<typeof alter>, number]> = [
      [alter(1, 1, [1, 2], 2, 'unknown-broker'), ResponseCode.CONTROLLER_ALTER_SYNC_STATE_SET_FAILED],
      [alter(1, 1, [1, 2, 3], 2), ResponseCode.CONTROLLER_ALTER_SYNC_STATE_SET_FAILED],
      [alter(2, 1, [1, 2], 2), ResponseCode.CONTROLLER_INVALID_MASTER],
      [alter(1, 0, [1, 2], 2), ResponseCode.CONTROLLER_FENCED_MASTER_EPOCH],
      [alter(1, 1, [1, 2], 1), ResponseCode.CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH],
      [alter(1, 1, [1, 2, 9], 2), ResponseCode.CONTROLLER_INVALID_REPLICAS],
      [alter(1, 1, [2, 3], 2), ResponseCode.CONTROLLER_ALTER_SYNC_STATE_SET_FAILED],
    ];
    for (const [r, code] of cases) {
      assert.equal(r.code, code, r.remark);
      assert.deepEqual(r.events, []);
    }
    h.clock.advance(11_000);
    h.beat(1);
    h.beat(2);
    const dead = alter(1, 1, [1, 2, 3], 2);
    assert.ok(dead.code !== 0);
    const notAlive = alter(1, 1, [1, 3], 2);
    assert.equal(notAlive.code, ResponseCode.CONTROLLER_BROKER_NOT_ALIVE);
    assert.equal(h.snapshot(), before);
  });

  it('hands out broker ids: only id 1 for a new set, a taken id only to its owner', () => {
    const h = new Harness();
    assert.equal(h.info.getNextBrokerId({ clusterName: C, brokerName: B }).header.nextBrokerId, 1);
    assert.equal(
      h.info.applyBrokerId({ clusterName: C, brokerName: B, appliedBrokerId: 2, registerCheckCode: 'a:1;1' }).code,
      ResponseCode.CONTROLLER_BROKER_ID_INVALID,
    );
    h.join(1);
    assert.equal(h.info.getNextBrokerId({ clusterName: C, brokerName: B }).header.nextBrokerId, 2);
    const owner = h.info.applyBrokerId({
      clusterName: C,
      brokerName: B,
      appliedBrokerId: 1,
      registerCheckCode: '127.0.0.1:10911;1',
    });
    assert.equal(owner.code, 0);
    const thief = h.info.applyBrokerId({
      clusterName: C,
      brokerName: B,
      appliedBrokerId: 1,
      registerCheckCode: '10.0.0.9:10911;7',
    });
    assert.equal(thief.code, ResponseCode.CONTROLLER_BROKER_ID_INVALID);
  });

  it('registers known ids only, reports the master only while it is alive, logs an address change', () => {
    const h = threeReplicas();
    assert.equal(
      h.info.registerBroker({ clusterName: C, brokerName: 'nope', brokerId: 1, brokerAddress: 'x' }, h.hb).code,
      ResponseCode.CONTROLLER_BROKER_NEED_TO_BE_REGISTERED,
    );
    assert.equal(
      h.info.registerBroker({ clusterName: C, brokerName: B, brokerId: 7, brokerAddress: 'x' }, h.hb).code,
      ResponseCode.CONTROLLER_BROKER_NEED_TO_BE_REGISTERED,
    );
    const r = h.info.registerBroker(
      { clusterName: C, brokerName: B, brokerId: 2, brokerAddress: '127.0.0.1:20000' },
      h.hb,
    );
    assert.equal(r.header.masterBrokerId, 1);
    assert.equal(r.events.length, 1);
    h.clock.advance(11_000);
    const later = h.info.registerBroker(
      { clusterName: C, brokerName: B, brokerId: 2, brokerAddress: '127.0.0.1:10912' },
      h.hb,
    );
    assert.equal(later.header.masterBrokerId, undefined);
    assert.deepEqual(later.events, []);
  });

  it('no candidate: the master is cleared and the epoch bumped; the old master is re-elected when back (#6505)', () => {
    const h = threeReplicas();
    h.commit(
      h.info.alterSyncStateSet(
        { brokerName: B, masterBrokerId: 1, masterEpoch: 1 },
        { syncStateSet: [1], syncStateSetEpoch: 2 },
        h.hb,
      ),
    );
    h.clock.advance(11_000);
    h.beat(3); // out of the set
    const r = h.commit(h.info.electMaster({ brokerName: B, brokerId: -1 }, h.hb, { enableElectUncleanMaster: false }));
    assert.equal(r.code, ResponseCode.CONTROLLER_MASTER_NOT_AVAILABLE);
    assert.deepEqual([h.info.get(B)?.masterBrokerId, h.info.get(B)?.masterEpoch], [undefined, 2]);
    const byBroker = h.info.electMaster({ brokerName: B, brokerId: 3 }, h.hb, { enableElectUncleanMaster: false });
    assert.equal(byBroker.code, ResponseCode.CONTROLLER_ELECT_MASTER_FAILED);
    assert.deepEqual(byBroker.events, []);
    h.beat(1);
    const back = h.commit(
      h.info.electMaster({ brokerName: B, brokerId: 1 }, h.hb, { enableElectUncleanMaster: false }),
    );
    assert.equal(back.code, 0);
    assert.deepEqual([h.info.get(B)?.masterBrokerId, h.info.get(B)?.masterEpoch], [1, 3]);
  });

  it('answers MASTER_STILL_EXIST with the current epochs while the master is alive', () => {
    const h = threeReplicas();
    const r = h.info.electMaster({ brokerName: B, brokerId: 2 }, h.hb, { enableElectUncleanMaster: false });
    assert.equal(r.code, ResponseCode.CONTROLLER_MASTER_STILL_EXIST);
    assert.deepEqual([r.header.masterBrokerId, r.header.masterEpoch], [1, 1]);
    const designated = h.commit(
      h.info.electMaster({ brokerName: B, brokerId: 2, designateElect: true }, h.hb, {
        enableElectUncleanMaster: false,
      }),
    );
    assert.equal(designated.code, 0);
    assert.equal(h.info.get(B)?.masterBrokerId, 2);
  });

  it('cleans broker data only for dead brokers unless told to clean living ones', () => {
    const h = threeReplicas();
    const live = h.info.cleanBrokerData({ clusterName: C, brokerName: B }, h.hb);
    assert.equal(live.code, ResponseCode.CONTROLLER_INVALID_CLEAN_BROKER_METADATA);
    assert.equal(
      h.info.cleanBrokerData({ clusterName: C, brokerName: B, brokerControllerIdsToClean: '3' }, h.hb).code,
      ResponseCode.CONTROLLER_INVALID_CLEAN_BROKER_METADATA,
    );
    assert.equal(
      h.info.cleanBrokerData({ clusterName: C, brokerName: B, brokerControllerIdsToClean: 'x' }, h.hb).code,
      ResponseCode.CONTROLLER_INVALID_CLEAN_BROKER_METADATA,
    );
    h.clock.advance(11_000);
    h.beat(1);
    h.beat(2);
    assert.equal(
      h.commit(h.info.cleanBrokerData({ clusterName: C, brokerName: B, brokerControllerIdsToClean: '3' }, h.hb)).code,
      0,
    );
    assert.deepEqual([...(h.info.get(B)?.replicas.keys() ?? [])], [1, 2]);
    assert.deepEqual([...(h.info.get(B)?.syncStateSet ?? [])], [1, 2]);
    assert.equal(
      h.commit(h.info.cleanBrokerData({ clusterName: C, brokerName: B, isCleanLivingBroker: true }, h.hb)).code,
      0,
    );
    assert.equal(h.info.get(B), undefined);
    assert.equal(h.snapshot(replay(h.log)), h.snapshot());
  });

  it('finds sets whose master expired while a replica lives', () => {
    const h = threeReplicas();
    assert.deepEqual(h.info.scanNeedReelect(h.hb), []);
    h.clock.advance(11_000);
    assert.deepEqual(h.info.scanNeedReelect(h.hb), []);
    h.beat(2);
    assert.deepEqual(h.info.scanNeedReelect(h.hb), [B]);
  });
});

describe('BrokerHeartbeatManager', () => {
  it('expires by the broker timeout and keeps (epoch, maxOffset) from moving down', () => {
    const clock = new ManualClock(0);
    const hb = new BrokerHeartbeatManager(clock);
    hb.onHeartbeat({
      clusterName: C,
      brokerName: B,
      brokerAddr: 'a',
      brokerId: 1,
      timeoutMs: 3000,
      epoch: 2,
      maxOffset: 100,
    });
    hb.onHeartbeat({
      clusterName: C,
      brokerName: B,
      brokerAddr: 'a',
      brokerId: 1,
      timeoutMs: 3000,
      epoch: 2,
      maxOffset: 50,
    });
    assert.equal(hb.liveInfo(C, B, 1)?.maxOffset, 100);
    clock.advance(3000);
    assert.ok(hb.liveInfo(C, B, 1));
    clock.advance(1);
    assert.equal(hb.liveInfo(C, B, 1), undefined);
    assert.equal(hb.scanExpired().length, 1);
    assert.equal(hb.scanExpired().length, 0);
  });
});
