import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import type { MessageQueue } from '@rocketmq-ts/protocol';
import { FaultStrategy, notAvailableDuration } from '../src/producer/fault-strategy.js';

const qs: MessageQueue[] = ['a', 'b'].flatMap((brokerName) =>
  [0, 1].map((queueId) => ({ topic: 'T', brokerName, queueId })),
);

describe('FaultStrategy', () => {
  it('maps latency to a penalty window', () => {
    assert.equal(notAvailableDuration(10), 0);
    assert.equal(notAvailableDuration(100), 0);
    assert.equal(notAvailableDuration(600), 2000);
    assert.equal(notAvailableDuration(3000), 6000);
    assert.equal(notAvailableDuration(20_000), 30_000);
  });
  it('avoids a failed broker until its window passes', () => {
    const clock = new ManualClock(1000);
    const f = new FaultStrategy(true, clock);
    f.update('a', 5, true);
    for (let i = 0; i < 20; i++) assert.equal(f.select(qs)!.brokerName, 'b');
    clock.advance(10_001);
    const seen = new Set(Array.from({ length: 20 }, () => f.select(qs)!.brokerName));
    assert.deepEqual([...seen].sort(), ['a', 'b']);
  });
  it('on retry avoids the broker that just failed even without penalties', () => {
    const f = new FaultStrategy(false);
    for (let i = 0; i < 20; i++) assert.equal(f.select(qs, 'a')!.brokerName, 'b');
  });
  it('still picks a queue when every broker is penalised', () => {
    const f = new FaultStrategy(true, new ManualClock(0));
    f.update('a', 0, true);
    f.update('b', 0, true);
    assert.ok(f.select(qs));
    assert.equal(f.select([]), undefined);
  });
  it('round-robins over the queues', () => {
    const f = new FaultStrategy(true, new ManualClock(0));
    const ids = new Set(
      Array.from({ length: 8 }, () => {
        const q = f.select(qs)!;
        return `${q.brokerName}${q.queueId}`;
      }),
    );
    assert.equal(ids.size, 4);
  });
});
