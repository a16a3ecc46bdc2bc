import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import { parseOrderCountInfo, ResponseCode } from '@rocketmq-ts/protocol';
import { tempDir } from '@rocketmq-ts/testkit';
import { type PopBroker, startPopBroker } from '../helpers/pop-broker.js';
import { ack, changeInvisible, type PopOptions, type PopResult, pop } from '../helpers/pop-client.js';

// FIFO pop (order=true): one queue to one consumer at a time, the next message only after an
// ack or the end of invisibility, order kept across redelivery and restart.

const bodies = (r: PopResult) => r.messages.map((m) => m.body);
/** Order count per message as a client reads orderCountInfo (its reconsumeTimes). */
const counts = (r: PopResult) => {
  const info = parseOrderCountInfo(r.ext.orderCountInfo);
  return r.messages.map((m) => info.get(`0@qo${m.queueId}%${m.queueOffset}`));
};

describe('FIFO pop', () => {
  let b: PopBroker;
  before(async () => {
    b = await startPopBroker();
  });
  after(() => b.close());
  const fifo = (o: Partial<PopOptions> & { topic: string }): Promise<PopResult> =>
    pop(b.call, { group: 'g-fifo', queueId: 0, invisibleTime: 10_000, order: true, ...o });

  it('blocks the queue while popped messages are unacked, and redelivers them first, in order', async () => {
    const topic = 'FifoOrder';
    for (let i = 0; i < 5; i++) await b.send(topic, `o${i}`);
    const first = await fifo({ topic, maxMsgNums: 2, attemptId: 'a1' });
    assert.deepEqual(bodies(first), ['o0', 'o1']);
    assert.equal(first.ext.reviveQid, '999');
    assert.deepEqual(counts(first), [0, 0]);
    assert.equal(first.messages[0]!.handle.split(' ')[3], '999', 'FIFO handle');
    const other = await fifo({ topic, maxMsgNums: 2, attemptId: 'a2' });
    assert.equal(other.code, ResponseCode.POLLING_TIMEOUT, 'queue held by the first consumer');
    // Same attemptId (a retried request, RocketMQ #10827, rocketmq-clients#708): same messages.
    const retried = await fifo({ topic, maxMsgNums: 2, attemptId: 'a1' });
    assert.deepEqual(bodies(retried), ['o0', 'o1']);
    assert.deepEqual(counts(retried), [0, 0]);
    assert.equal(await ack(b.call, 'g-fifo', retried.messages[0]!), ResponseCode.SUCCESS);
    assert.equal((await fifo({ topic, attemptId: 'a3' })).code, ResponseCode.POLLING_TIMEOUT, 'o1 still in flight');
    b.clock.advance(10_000);
    const again = await fifo({ topic, maxMsgNums: 2, attemptId: 'a4' });
    assert.deepEqual(bodies(again), ['o1', 'o2'], 'unacked o1 first');
    assert.deepEqual(counts(again), [1, 0]);
    for (const m of again.messages) assert.equal(await ack(b.call, 'g-fifo', m), ResponseCode.SUCCESS);
    const rest = await fifo({ topic, maxMsgNums: 32, attemptId: 'a5' });
    assert.deepEqual(bodies(rest), ['o3', 'o4']);
    for (const m of rest.messages) await ack(b.call, 'g-fifo', m);
    assert.equal(b.broker.components.offsets.query('g-fifo', topic, 0), 5);
  });

  it('changeInvisibleDuration on a FIFO handle moves the next visible time', async () => {
    const topic = 'FifoChange';
    await b.send(topic, 'c0');
    const r = await fifo({ topic, attemptId: 'x1' });
    const changed = await changeInvisible(b.call, 'g-fifo', r.messages[0]!, 0);
    assert.equal(changed.code, ResponseCode.SUCCESS);
    const back = await fifo({ topic, attemptId: 'x2' });
    assert.deepEqual(bodies(back), ['c0']);
    assert.deepEqual(counts(back), [1]);
  });

  it('a stale FIFO ack (an older pop) is ignored; an offset not popped is MESSAGE_ILLEGAL', async () => {
    const topic = 'FifoStale';
    await b.send(topic, 's0');
    await b.send(topic, 's1');
    const r1 = await fifo({ topic, maxMsgNums: 1, attemptId: 'y1' });
    b.clock.advance(10_000);
    const r2 = await fifo({ topic, maxMsgNums: 1, attemptId: 'y2' });
    assert.deepEqual(bodies(r2), ['s0']);
    assert.equal(await ack(b.call, 'g-fifo', r1.messages[0]!), ResponseCode.SUCCESS);
    assert.equal(b.broker.components.offsets.query('g-fifo', topic, 0), 0, 'stale ack changed nothing');
    const m = r2.messages[0]!;
    const parts = m.handle.split(' ');
    parts[7] = '1';
    assert.equal(
      await ack(b.call, 'g-fifo', { ...m, queueOffset: 1, handle: parts.join(' ') }),
      ResponseCode.MESSAGE_ILLEGAL,
    );
  });

  it('wakes a long-polling FIFO pop when the holder acks', async () => {
    const topic = 'FifoWake';
    await b.send(topic, 'w0');
    await b.send(topic, 'w1');
    const held = await fifo({ topic, maxMsgNums: 1, attemptId: 'z1' });
    const waiting = fifo({ topic, maxMsgNums: 1, attemptId: 'z2', pollTime: 20_000 });
    const started = Date.now();
    await ack(b.call, 'g-fifo', held.messages[0]!);
    const r = await waiting;
    assert.deepEqual(bodies(r), ['w1']);
    assert.ok(Date.now() - started < 10_000);
  });
});

describe('FIFO pop across a restart (file store)', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let b: PopBroker | undefined;
  const clock = new ManualClock(Date.now());
  before(async () => {
    dir = await tempDir('pop-fifo-restart-');
  });
  after(async () => {
    await b?.close();
    await dir.cleanup();
  });

  it('keeps the queue blocked and the order after a restart', async () => {
    const topic = 'FifoRestart';
    const start = () => startPopBroker({}, { store: 'file', dir: dir.path, clock });
    const fifo = (o: Partial<PopOptions>) =>
      pop(b!.call, { group: 'g-fr', topic, queueId: 0, invisibleTime: 10_000, order: true, ...o });
    b = await start();
    for (let i = 0; i < 3; i++) await b.send(topic, `r${i}`);
    const r = await fifo({ maxMsgNums: 2, attemptId: 'p1' });
    assert.deepEqual(bodies(r), ['r0', 'r1']);
    await ack(b.call, 'g-fr', r.messages[0]!);
    await b.close();
    b = await start();
    assert.equal((await fifo({ attemptId: 'p2' })).code, ResponseCode.POLLING_TIMEOUT, 'still blocked');
    clock.advance(10_000);
    const back = await fifo({ maxMsgNums: 2, attemptId: 'p3' });
    assert.deepEqual(bodies(back), ['r1', 'r2']);
    assert.deepEqual(counts(back), [1, 0]);
  });
});
