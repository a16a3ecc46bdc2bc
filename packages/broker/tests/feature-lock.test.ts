import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import { createRequest, type MessageQueue, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import { lockProcessors } from '../src/lock/lock-processors.js';
import { canLock, RebalanceLockManager } from '../src/lock/rebalance-lock-manager.js';

const q = (queueId: number, topic = 'T'): MessageQueue => ({ topic, brokerName: 'b', queueId });

describe('RebalanceLockManager', () => {
  it('decides purely from holder, client and age', () => {
    assert.equal(canLock(undefined, 'c1', 0, 60_000), true);
    assert.equal(canLock({ mq: q(0), clientId: 'c1', lastUpdate: 0 }, 'c1', 10, 60_000), true);
    assert.equal(canLock({ mq: q(0), clientId: 'c2', lastUpdate: 0 }, 'c1', 60_000, 60_000), false);
    assert.equal(canLock({ mq: q(0), clientId: 'c2', lastUpdate: 0 }, 'c1', 60_001, 60_000), true);
  });

  it('locks free queues and refuses queues held by another client', () => {
    const clock = new ManualClock(1000);
    const m = new RebalanceLockManager(clock);
    assert.deepEqual(m.tryLockBatch('g', [q(0), q(1)], 'c1'), [q(0), q(1)]);
    assert.deepEqual(m.tryLockBatch('g', [q(1), q(2)], 'c2'), [q(2)]);
    assert.equal(m.holder('g', q(1)), 'c1');
    assert.equal(m.holder('g', q(2)), 'c2');
    // Another group is independent.
    assert.deepEqual(m.tryLockBatch('g2', [q(1)], 'c2'), [q(1)]);
  });

  it('renews its own locks and lets others take over after 60 s without renewal', () => {
    const clock = new ManualClock(0);
    const m = new RebalanceLockManager(clock);
    m.tryLockBatch('g', [q(0), q(1)], 'c1');
    clock.advance(40_000);
    m.tryLockBatch('g', [q(0)], 'c1'); // renews q0 only
    clock.advance(20_001);
    assert.deepEqual(m.tryLockBatch('g', [q(0), q(1)], 'c2'), [q(1)]);
    assert.equal(m.holder('g', q(0)), 'c1');
    assert.equal(m.holder('g', q(1)), 'c2');
  });

  it('unlocks only the caller’s queues and reports when all locks are gone', () => {
    const clock = new ManualClock(0);
    const m = new RebalanceLockManager(clock);
    m.tryLockBatch('g', [q(0)], 'c1');
    m.tryLockBatch('g', [q(1)], 'c2');
    m.unlockBatch('g', [q(0), q(1)], 'c1');
    assert.equal(m.holder('g', q(0)), undefined);
    assert.equal(m.holder('g', q(1)), 'c2');
    assert.equal(m.isLockAllExpired('g'), false);
    clock.advance(60_001);
    assert.equal(m.isLockAllExpired('g'), true);
    m.purgeExpired();
    assert.deepEqual(m.tryLockBatch('g', [q(1)], 'c3'), [q(1)]);
  });
});

describe('LOCK_BATCH_MQ / UNLOCK_BATCH_MQ processors', () => {
  const conn = {} as Connection;
  const body = (clientId: string, mqs: MessageQueue[]) =>
    Buffer.from(JSON.stringify({ consumerGroup: 'g', clientId, onlyThisBroker: true, mqSet: mqs }));

  it('answers lockOKMQSet in fastjson field order and unlocks on 42', async () => {
    const m = new RebalanceLockManager(new ManualClock(0));
    const [lock, unlock] = lockProcessors(m);
    assert.equal(lock!.code, RequestCode.LOCK_BATCH_MQ);
    const r1 = await lock!.handler(createRequest(41, undefined, body('c1', [q(0), q(1)])), conn);
    assert.equal(r1!.code, ResponseCode.SUCCESS);
    assert.equal(
      r1!.body!.toString(),
      '{"lockOKMQSet":[{"brokerName":"b","queueId":0,"topic":"T"},{"brokerName":"b","queueId":1,"topic":"T"}]}',
    );
    const r2 = await lock!.handler(createRequest(41, undefined, body('c2', [q(1)])), conn);
    assert.equal(r2!.body!.toString(), '{"lockOKMQSet":[]}');
    const r3 = await unlock!.handler(createRequest(42, undefined, body('c1', [q(1)])), conn);
    assert.equal(r3!.code, ResponseCode.SUCCESS);
    const r4 = await lock!.handler(createRequest(41, undefined, body('c2', [q(1)])), conn);
    assert.equal(JSON.parse(r4!.body!.toString()).lockOKMQSet.length, 1);
  });

  it('rejects a malformed body with SYSTEM_ERROR', async () => {
    const [lock] = lockProcessors(new RebalanceLockManager(new ManualClock(0)));
    const r = await lock!.handler(createRequest(41, undefined, Buffer.from('nope')), conn);
    assert.equal(r!.code, ResponseCode.SYSTEM_ERROR);
  });
});
