// apache/rocketmq#6316 (ha-and-controller.md §4 scenario 5): after a failover the old master
// (epoch E) and the new one (epoch E+1) may both register as id 0 of one broker name. The
// route must name the E+1 address whichever registers last: controller-mode brokers send their
// master epoch as the topic DataVersion's stateVersion and the NameServer keeps the larger.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import { type RegisterBrokerInput, RouteInfoManager } from '../src/index.js';
import { topic, wrapper } from './fixtures.js';

const OLD = '10.0.0.1:10911';
const NEW = '10.0.0.2:10911';

function master(brokerAddr: string, stateVersion: number): RegisterBrokerInput {
  return {
    clusterName: 'c1',
    brokerAddr,
    brokerName: 'broker-a',
    brokerId: 0,
    haServerAddr: brokerAddr.replace(/1$/, '2'),
    enableActingMaster: false,
    topicConfigWrapper: wrapper([topic('T1')], { stateVersion, counter: 1 }),
  };
}

const masterOf = (ri: RouteInfoManager) => ri.pickupTopicRouteData('T1')?.brokerDatas[0]?.brokerAddrs.get(0);

describe('NameServer: two claimants of master id 0 (#6316)', () => {
  it('#6316: the newer epoch keeps id 0 when the old master registers after it', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock(1000) });
    ri.registerBroker(master(OLD, 4));
    ri.registerBroker(master(NEW, 5));
    assert.equal(masterOf(ri), NEW);
    // The old master, not yet told it lost, re-registers (its 30 s period): ignored.
    ri.registerBroker(master(OLD, 4));
    assert.equal(masterOf(ri), NEW);
  });

  it('#6316: the newer epoch takes id 0 when it registers after the old one, in either order', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock(1000) });
    ri.registerBroker(master(NEW, 5));
    ri.registerBroker(master(OLD, 4));
    assert.equal(masterOf(ri), NEW);
    const again = new RouteInfoManager({ clock: new ManualClock(1000) });
    again.registerBroker(master(OLD, 4));
    again.registerBroker(master(NEW, 5));
    assert.equal(masterOf(again), NEW);
  });

  it('#6316: the old master returning as a slave gets its own id, the master stays', () => {
    const ri = new RouteInfoManager({ clock: new ManualClock(1000) });
    ri.registerBroker(master(OLD, 4));
    ri.registerBroker(master(NEW, 5));
    ri.registerBroker({ ...master(OLD, 5), brokerId: 1 });
    const addrs = ri.pickupTopicRouteData('T1')?.brokerDatas[0]?.brokerAddrs;
    assert.deepEqual(
      [...(addrs ?? [])].sort((a, b) => a[0] - b[0]),
      [
        [0, NEW],
        [1, OLD],
      ],
    );
  });
});
