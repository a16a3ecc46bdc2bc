import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type PopBroker, startPopBroker } from '../helpers/pop-broker.js';
import { ack, pop } from '../helpers/pop-client.js';

// RocketMQ #7772 (the reference's Pop regression list): a group that pops and never acks made
// the broker hold ever more in flight. With enablePopMessageThreshold, a queue whose group has
// more than popInflightMessageThreshold messages in flight is skipped until acks bring it back.
describe('pop in-flight threshold (RocketMQ #7772)', () => {
  let b: PopBroker;
  before(async () => {
    b = await startPopBroker({ enablePopMessageThreshold: true, popInflightMessageThreshold: 3 });
  });
  after(() => b.close());

  it('stops handing out a queue past the threshold and resumes once acks bring it under', async () => {
    const topic = 'PopThreshold';
    for (let i = 0; i < 10; i++) await b.send(topic, `m${i}`, { queueId: 0 });
    const first = await pop(b.call, { group: 'g-th', topic, queueId: 0, maxMsgNums: 4 });
    assert.equal(first.messages.length, 4);
    await b.revive(); // the revive service has read the checkpoint: 4 in flight
    const blocked = await pop(b.call, { group: 'g-th', topic, queueId: 0, maxMsgNums: 4 });
    assert.equal(blocked.messages.length, 0, '4 in flight > 3: nothing more');
    await ack(b.call, 'g-th', first.messages[0]!);
    await b.revive(); // 3 in flight, not over the threshold
    const resumed = await pop(b.call, { group: 'g-th', topic, queueId: 0, maxMsgNums: 4 });
    assert.deepEqual(
      resumed.messages.map((m) => m.body.toString()),
      ['m4', 'm5', 'm6', 'm7'],
    );
  });
});
