import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import { RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { type FeatureBroker, startFeatureBroker } from './feature-harness.js';

const maxOffset = async (b: FeatureBroker, topic: string, queueId = 0) => {
  const r = await b.invoke(RequestCode.GET_MAX_OFFSET, { topic, queueId });
  return r.code === ResponseCode.SUCCESS ? Number(r.extFields.offset) : 0;
};

/** One delivery pass of a level, run by the test; resolves once it has finished. */
const pass = (b: FeatureBroker, level: number) => b.broker.components.features.schedule!.deliverDue(level);

describe('delay delivery across a broker restart (file store)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('delivers what was due exactly once and the rest on time, never early', async () => {
    const dir = await tempDir('feature-restart-');
    cleanups.push(dir.cleanup);
    // Time is the test's: a message is due only once the clock has been moved past it.
    const clock = new ManualClock(Date.now());
    // Level 1 = 1 s, level 2 = 3 s.
    const config = { messageDelayLevel: '1s 3s' };
    const first = await startFeatureBroker(config, { store: 'file', dir: dir.path, clock });
    cleanups.push(() => first.close().catch(() => undefined));
    assert.equal((await first.send('RestartT', { DELAY: '1' }, 'soon')).code, ResponseCode.SUCCESS);
    assert.equal((await first.send('RestartT', { DELAY: '2' }, 'later', { queueId: 1 })).code, ResponseCode.SUCCESS);
    clock.advance(1000);
    await eventually(async () => (await maxOffset(first, 'RestartT', 0)) === 1, {
      timeoutMs: 5000,
      message: 'level 1 delivered',
    });
    await first.stop();

    const second = await startFeatureBroker(config, { store: 'file', dir: dir.path, clock });
    cleanups.push(() => second.stop().catch(() => undefined));
    assert.equal(await maxOffset(second, 'RestartT', 0), 1, 'the stored copy survived');
    // 1 s of the 3 s have passed: a whole pass over level 2 delivers nothing.
    assert.equal(await pass(second, 2), 2000, 'level 2 is due in 2 s');
    assert.equal(await maxOffset(second, 'RestartT', 1), 0, 'not early after restart');
    clock.advance(1999);
    assert.equal(await pass(second, 2), 1, 'still not due 1 ms before');
    assert.equal(await maxOffset(second, 'RestartT', 1), 0, 'not early by a millisecond');
    clock.advance(1);
    await eventually(async () => (await maxOffset(second, 'RestartT', 1)) === 1, {
      timeoutMs: 8000,
      message: 'level 2 delivered',
    });
    // Once a whole pass over level 1 has run after the restart, the message delivered before
    // it has not come again: the progress offset survived.
    assert.equal(await pass(second, 1), undefined, 'level 1 has nothing pending');
    assert.equal(await maxOffset(second, 'RestartT', 0), 1, 'not delivered twice');
    const progress = await second.invoke(RequestCode.GET_ALL_DELAY_OFFSET);
    assert.match(progress.body!.toString(), /"offsetTable":\{1:1,2:1\}/);
  });
});
