import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import { type RegisterBrokerInput, RouteInfoManager } from '../src/index.js';
import { topic, wrapper } from './fixtures.js';

function broker(over: Partial<RegisterBrokerInput> & { topics?: ReturnType<typeof topic>[]; counter?: number }) {
  const { topics, counter, ...rest } = over;
  return {
    clusterName: 'c1',
    brokerAddr: '10.0.0.1:10911',
    brokerName: 'broker-a',
    brokerId: 0,
    haServerAddr: '10.0.0.1:10912',
    enableActingMaster: false,
    topicConfigWrapper: wrapper(topics ?? [topic('T1')], { counter: counter ?? 1 }),
    ...rest,
  } satisfies RegisterBrokerInput;
}

describe('RouteInfoManager', () => {
  it('registers a master and serves its route', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock(1000) });
    assert.deepEqual(ri.registerBroker(broker({})), {});
    const route = ri.pickupTopicRouteData('T1');
    assert.ok(route);
    assert.deepEqual(route.queueDatas, [
      { brokerName: 'broker-a', readQueueNums: 8, writeQueueNums: 8, perm: 6, topicSysFlag: 0 },
    ]);
    assert.deepEqual([...route.brokerDatas[0]!.brokerAddrs], [[0, '10.0.0.1:10911']]);
    assert.equal(ri.pickupTopicRouteData('nope'), undefined);
    assert.deepEqual(ri.getAllTopicList(), ['T1']);
    assert.deepEqual(ri.getTopicsByCluster('c1'), ['T1']);
    assert.deepEqual([...ri.getAllClusterInfo().clusterAddrTable], [['c1', ['broker-a']]]);
  });

  it('takes queue data from masters only, and tells slaves where their master is', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock() });
    ri.registerBroker(broker({}));
    const r = ri.registerBroker(
      broker({ brokerId: 1, brokerAddr: '10.0.0.2:10911', topics: [topic('T1'), topic('SlaveOnly')], counter: 9 }),
    );
    assert.deepEqual(r, { haServerAddr: '10.0.0.1:10912', masterAddr: '10.0.0.1:10911' });
    assert.equal(ri.pickupTopicRouteData('SlaveOnly'), undefined);
    assert.equal(ri.pickupTopicRouteData('T1')?.brokerDatas[0]?.brokerAddrs.size, 2);
  });

  it('re-reads topics only when the data version changes', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock() });
    ri.registerBroker(broker({ topics: [topic('T1', 8)] }));
    const gen = ri.generation;
    // Same version, different table: ignored for topics already known (Java behaviour).
    ri.registerBroker(broker({ topics: [topic('T1', 4)] }));
    assert.equal(ri.pickupTopicRouteData('T1')?.queueDatas[0]?.readQueueNums, 8);
    assert.equal(ri.generation, gen, 'an unchanged re-registration does not invalidate caches');
    ri.registerBroker(broker({ topics: [topic('T1', 4)], counter: 2 }));
    assert.equal(ri.pickupTopicRouteData('T1')?.queueDatas[0]?.readQueueNums, 4);
    assert.ok(ri.generation > gen);
  });

  it('adds a topic it has no queue data for even under an unchanged version', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock() });
    ri.registerBroker(broker({ topics: [topic('T1')] }));
    ri.registerBroker(broker({ topics: [topic('T1'), topic('T2')] }));
    assert.ok(ri.pickupTopicRouteData('T2'));
  });

  it('moves an address registered under a new id (slave promoted to master)', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock() });
    ri.registerBroker(broker({ brokerId: 1, brokerAddr: '10.0.0.2:10911' }));
    ri.registerBroker(broker({ brokerId: 0, brokerAddr: '10.0.0.2:10911', counter: 2 }));
    const addrs = ri.getAllClusterInfo().brokerAddrTable.get('broker-a')?.brokerAddrs;
    assert.deepEqual([...(addrs ?? [])], [[0, '10.0.0.2:10911']]);
  });

  it('ignores a registration for a taken id with an older state version', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock() });
    ri.registerBroker(broker({ topicConfigWrapper: wrapper([topic('T1')], { stateVersion: 5 }) }));
    ri.registerBroker(
      broker({ brokerAddr: '10.0.0.9:10911', topicConfigWrapper: wrapper([topic('T1')], { stateVersion: 1 }) }),
    );
    const addrs = ri.getAllClusterInfo().brokerAddrTable.get('broker-a')?.brokerAddrs;
    assert.equal(addrs?.get(0), '10.0.0.1:10911');
    assert.equal(ri.liveBrokers().length, 1);
  });

  it('removes queue data, the group and the cluster when the last member unregisters', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock() });
    ri.registerBroker(broker({}));
    ri.registerBroker(
      broker({ brokerName: 'broker-b', brokerAddr: '10.0.0.3:10911', topics: [topic('T1'), topic('B')] }),
    );
    ri.registerBroker(broker({ brokerId: 1, brokerAddr: '10.0.0.2:10911' }));
    ri.unregisterBroker({ clusterName: 'c1', brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911', brokerId: 0 });
    // The slave keeps broker-a (and its queue data) alive.
    assert.equal(ri.pickupTopicRouteData('T1')?.queueDatas.length, 2);
    ri.unregisterBroker({ clusterName: 'c1', brokerName: 'broker-a', brokerAddr: '10.0.0.2:10911', brokerId: 1 });
    assert.deepEqual(
      ri.pickupTopicRouteData('T1')?.queueDatas.map((q) => q.brokerName),
      ['broker-b'],
    );
    ri.unregisterBroker({ clusterName: 'c1', brokerName: 'broker-b', brokerAddr: '10.0.0.3:10911', brokerId: 0 });
    assert.equal(ri.pickupTopicRouteData('T1'), undefined);
    assert.deepEqual(ri.getAllTopicList(), []);
    assert.equal(ri.getAllClusterInfo().clusterAddrTable.size, 0);
    assert.equal(ri.liveBrokers().length, 0);
  });

  it('has no route for a topic whose broker group is unknown', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock() });
    ri.registerBroker(broker({}));
    ri.unregisterBroker({ clusterName: 'c1', brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911', brokerId: 0 });
    assert.equal(ri.pickupTopicRouteData('T1'), undefined);
  });

  it('unregisters the broker behind a closed channel', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock() });
    const channel = { close() {} };
    ri.registerBroker(broker({ channel }));
    assert.deepEqual(ri.onChannelDestroy({ close() {} }), undefined);
    assert.deepEqual(ri.onChannelDestroy(channel), {
      clusterName: 'c1',
      brokerAddr: '10.0.0.1:10911',
      brokerName: 'broker-a',
      brokerId: 0,
    });
    assert.equal(ri.pickupTopicRouteData('T1'), undefined);
  });

  it('wipes and restores write permission, counting topics', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock() });
    ri.registerBroker(broker({ topics: [topic('T1'), topic('T2')] }));
    assert.equal(ri.wipeWritePermOfBroker('broker-a'), 2);
    assert.equal(ri.pickupTopicRouteData('T1')?.queueDatas[0]?.perm, 4);
    assert.equal(ri.addWritePermOfBroker('broker-a'), 2);
    assert.equal(ri.pickupTopicRouteData('T2')?.queueDatas[0]?.perm, 6);
    assert.equal(ri.wipeWritePermOfBroker('nobody'), 0);
  });

  it('deletes a topic everywhere or only from one cluster', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock() });
    ri.registerBroker(broker({}));
    ri.registerBroker(broker({ clusterName: 'c2', brokerName: 'broker-z', brokerAddr: '10.0.0.8:10911' }));
    ri.deleteTopic('T1', 'c2');
    assert.deepEqual(
      ri.pickupTopicRouteData('T1')?.queueDatas.map((q) => q.brokerName),
      ['broker-a'],
    );
    ri.deleteTopic('T1');
    assert.equal(ri.pickupTopicRouteData('T1'), undefined);
  });

  it('returns route copies that callers cannot use to mutate state', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock() });
    ri.registerBroker(broker({}));
    const r = ri.pickupTopicRouteData('T1')!;
    r.brokerDatas[0]!.brokerAddrs.set(5, 'x');
    r.queueDatas[0]!.perm = 0;
    const again = ri.pickupTopicRouteData('T1')!;
    assert.equal(again.brokerDatas[0]!.brokerAddrs.size, 1);
    assert.equal(again.queueDatas[0]!.perm, 6);
  });
  it('lets the lowest slave act as a read-only master when the group loses its master', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock(), supportActingMaster: true });
    ri.registerBroker(broker({ enableActingMaster: true }));
    ri.registerBroker(broker({ enableActingMaster: true, brokerId: 2, brokerAddr: '10.0.0.2:10911' }));
    ri.unregisterBroker({ clusterName: 'c1', brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911', brokerId: 0 });
    const route = ri.pickupTopicRouteData('T1')!;
    assert.equal(route.queueDatas[0]!.perm, 4, 'write permission wiped');
    assert.deepEqual([...route.brokerDatas[0]!.brokerAddrs], [[0, '10.0.0.2:10911']]);
    // The prime slave's own registrations keep the queues read-only.
    ri.registerBroker(broker({ enableActingMaster: true, brokerId: 2, brokerAddr: '10.0.0.2:10911', counter: 5 }));
    assert.equal(ri.pickupTopicRouteData('T1')!.queueDatas[0]!.perm, 4);
  });

  it('lists system topics (cluster and broker names) and unit topics by sys flag', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock() });
    ri.registerBroker(broker({ topics: [topic('T1'), { ...topic('U'), topicSysFlag: 1 }] }));
    assert.deepEqual(ri.getSystemTopicList(), { topics: ['c1', 'broker-a'], brokerAddr: '10.0.0.1:10911' });
    assert.deepEqual(
      ri.getTopicsBySysFlag((f) => (f & 1) !== 0),
      ['U'],
    );
  });
});
