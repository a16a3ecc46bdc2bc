import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '@rocketmq-ts/testkit';
import { runPopCrashTrials } from './pop-crash-harness.js';

// The bounded form of bench/broker/pop-crash-trials.mjs: a few kill -9 of a real broker
// process in the middle of sends, pops and acks; no produced message may be lost.

describe('pop under kill -9 of the broker (issue 11)', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir('pop-crash-');
  });
  after(() => dir.cleanup());

  it('loses no message and brings back no acked one', async () => {
    const r = await runPopCrashTrials(dir.path, {
      trials: 2,
      messagesPerTrial: 120,
      consumers: 4,
      minKillMs: 300,
      maxKillMs: 900,
    });
    assert.ok(r.produced > 0);
    assert.deepEqual(r.lost, [], `lost ${r.lost.length} of ${r.produced}`);
    // An ack whose answer a kill swallowed counts as consumed (it may be stored: then the
    // message rightly never comes back).
    assert.ok(r.acked + r.ackUnknown >= r.produced, `${r.acked} acked + ${r.ackUnknown} unknown of ${r.produced}`);
    // Acked in time, then delivered and acked again: the revive of a checkpoint repeated after
    // a kill (without the revive mark: 20-40 in such a run; with the mark appended after the
    // re-puts: up to one CK's messages when the kill fell between them). The re-puts and the
    // mark are one store write now: none.
    assert.deepEqual(
      r.redeliveredAfterAck,
      [],
      `acked messages delivered again: ${r.redeliveredAfterAck.join(' ')} (late duplicates: ${r.lateDuplicateAcks})`,
    );
  });
});
