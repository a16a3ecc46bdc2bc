import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import { REVIVE_GROUP, ResponseCode, reviveTopic } from '@rocketmq-ts/protocol';
import { tempDir } from '@rocketmq-ts/testkit';
import { type PopBroker, startPopBroker } from '../helpers/pop-broker.js';
import { ack, pop } from '../helpers/pop-client.js';

// Invisibility survives a restart: open checkpoints are rebuilt from the revive topic with the
// acks written after them, and revive progress is kept, so a restart neither loses an unacked
// message nor floods the retry topic with acked or already-revived ones.

describe('pop across a broker restart (file store)', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const clock = new ManualClock(Date.now());
  const topic = 'PopRestart';
  const retry = `%RETRY%g-rs_${topic}`;
  let b: PopBroker | undefined;
  const start = () => startPopBroker({}, { store: 'file', dir: dir.path, clock });
  before(async () => {
    dir = await tempDir('pop-restart-');
  });
  after(async () => {
    await b?.close();
    await dir.cleanup();
  });

  it('brings back exactly the unacked messages after a restart, and revives them only once', async () => {
    b = await start();
    for (let i = 0; i < 20; i++) await b.send(topic, `r${i}`, { queueId: i % 2 });
    const got = [];
    for (;;) {
      const r = await pop(b.call, { group: 'g-rs', topic, maxMsgNums: 3, invisibleTime: 30_000 });
      if (r.messages.length === 0) break;
      got.push(...r.messages);
    }
    assert.equal(got.length, 20);
    const acked = new Set<string>();
    for (const m of got) {
      if (Number(m.body.slice(1)) % 2 === 0) {
        assert.equal(await ack(b.call, 'g-rs', m), ResponseCode.SUCCESS);
        acked.add(m.body);
      }
    }
    await b.close();

    b = await start();
    await b.revive();
    assert.equal(
      b.broker.components.pop.inflight('g-rs', topic, 0).count +
        b.broker.components.pop.inflight('g-rs', topic, 1).count,
      10,
    );
    assert.equal((await pop(b.call, { group: 'g-rs', topic })).code, ResponseCode.POLLING_TIMEOUT, 'pop offsets kept');
    clock.advance(30_000);
    await b.revive();
    const back: string[] = [];
    for (;;) {
      const r = await pop(b.call, { group: 'g-rs', topic, invisibleTime: 300_000 });
      if (r.messages.length === 0) break;
      for (const m of r.messages) {
        assert.equal(m.view.reconsumeTimes, 1);
        back.push(m.body);
      }
    }
    assert.deepEqual(
      back.sort(),
      got
        .map((m) => m.body)
        .filter((x) => !acked.has(x))
        .sort(),
    );
    const progress = b.broker.components.offsets.queueOffsets(REVIVE_GROUP, reviveTopic('DefaultCluster'));
    await b.close();

    // Revived CKs stay revived: a second restart re-puts nothing.
    b = await start();
    await b.revive();
    clock.advance(30_000);
    await b.revive();
    assert.equal(b.broker.components.store.getMaxOffsetInQueue(retry, 0), 10, 'no second revive');
    assert.deepEqual(
      b.broker.components.offsets.queueOffsets(REVIVE_GROUP, reviveTopic('DefaultCluster')).size,
      progress.size,
    );
  });
});
