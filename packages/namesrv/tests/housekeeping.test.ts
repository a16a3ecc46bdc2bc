import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import { Housekeeping, RouteInfoManager } from '../src/index.js';
import { topic, wrapper } from './fixtures.js';

function setup() {
  const clock = new ManualClock(1_000_000);
  const ri = new RouteInfoManager({ clock });
  const hk = new Housekeeping(ri, 5000);
  let closed = 0;
  const channel = {
    close: () => {
      closed++;
    },
  };
  const register = (heartbeatTimeoutMillis?: number) =>
    ri.registerBroker({
      clusterName: 'c1',
      brokerAddr: '10.0.0.1:10911',
      brokerName: 'broker-a',
      brokerId: 0,
      haServerAddr: '10.0.0.1:10912',
      heartbeatTimeoutMillis,
      topicConfigWrapper: wrapper([topic('T1')]),
      channel,
    });
  return { clock, ri, hk, register, closed: () => closed };
}

describe('Housekeeping', () => {
  it('expires a broker 120 s after its last registration and closes its connection', () => {
    const s = setup();
    s.register();
    s.clock.advance(120_000);
    assert.deepEqual(s.hk.scanOnce(), [], 'exactly at the deadline it is still alive');
    s.clock.advance(1);
    assert.equal(s.hk.scanOnce().length, 1);
    assert.equal(s.closed(), 1);
    assert.equal(s.ri.pickupTopicRouteData('T1'), undefined);
    assert.equal(s.ri.liveBrokers().length, 0);
  });

  it('renews the lease on re-registration and on heartbeat', () => {
    const s = setup();
    s.register();
    s.clock.advance(100_000);
    s.register();
    s.clock.advance(100_000);
    assert.deepEqual(s.hk.scanOnce(), []);
    s.ri.updateBrokerInfoUpdateTimestamp('c1', '10.0.0.1:10911');
    s.clock.advance(100_000);
    assert.deepEqual(s.hk.scanOnce(), []);
    s.clock.advance(20_001);
    assert.equal(s.hk.scanOnce().length, 1);
  });

  it("honours the broker's own heartbeatTimeoutMillis", () => {
    const s = setup();
    s.register(10_000);
    s.clock.advance(10_001);
    assert.equal(s.hk.scanOnce().length, 1);
  });
});
