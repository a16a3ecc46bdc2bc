import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TopicRouteData } from '@rocketmq-ts/protocol';
import { RouteTable } from '../../src/instance/route-table.js';
import { routeFromTemplate, toPublishInfo } from '../../src/route/topic-route.js';

function route(brokers: Record<string, Record<number, string>>): TopicRouteData {
  return {
    queueDatas: Object.keys(brokers).map((brokerName) => ({
      brokerName,
      readQueueNums: 2,
      writeQueueNums: 2,
      perm: 6,
      topicSysFlag: 0,
    })),
    brokerDatas: Object.entries(brokers).map(([brokerName, addrs]) => ({
      cluster: 'C',
      brokerName,
      brokerAddrs: new Map(Object.entries(addrs).map(([id, a]) => [Number(id), a])),
      enableActingMaster: false,
    })),
    filterServerTable: new Map(),
  };
}

describe('RouteTable.cleanOfflineBrokers', () => {
  it('drops addresses and broker names no route names any more', () => {
    const t = new RouteTable();
    assert.equal(t.apply('T1', route({ a: { 0: 'a0', 1: 'a1' }, b: { 0: 'b0' } })), true);
    assert.equal(t.apply('T2', route({ a: { 0: 'a0', 1: 'a1' } })), false);
    assert.deepEqual(t.cleanOfflineBrokers(), []);
    // broker b leaves T1, and a's slave leaves both topics.
    t.apply('T1', route({ a: { 0: 'a0' } }));
    t.apply('T2', route({ a: { 0: 'a0' } }));
    assert.deepEqual(t.addrs().sort(), ['a0', 'b0']);
    assert.deepEqual(t.cleanOfflineBrokers().sort(), ['b0']);
    assert.deepEqual(t.addrs(), ['a0']);
    assert.equal(t.masterAddr('b'), undefined);
    assert.deepEqual([...t.brokers().keys()], ['a']);
  });

  it('keeps a broker that another topic still routes to', () => {
    const t = new RouteTable();
    t.apply('T1', route({ a: { 0: 'a0' }, b: { 0: 'b0' } }));
    t.apply('T2', route({ b: { 0: 'b0' } }));
    t.apply('T1', route({ a: { 0: 'a0' } }));
    assert.deepEqual(t.cleanOfflineBrokers(), []);
    assert.equal(t.masterAddr('b'), 'b0');
  });

  it("keeps the template topic's brokers a new topic publishes through", () => {
    const t = new RouteTable();
    const template = route({ c: { 0: 'c0' } });
    t.setPublishInfo('NEW', toPublishInfo('NEW', routeFromTemplate(template, 4)));
    assert.deepEqual(t.cleanOfflineBrokers(), []);
    assert.equal(t.masterAddr('c'), 'c0');
    t.invalidatePublishInfo('NEW');
    assert.deepEqual(t.cleanOfflineBrokers(), ['c0']);
  });
});
