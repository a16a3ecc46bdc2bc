import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailureRouteRefresher } from '../../src/instance/route-refresher.js';

function counting(intervalMs: number) {
  const reads: { topic: string; at: number }[] = [];
  const errors: string[] = [];
  const r = new FailureRouteRefresher(
    async (topic) => {
      reads.push({ topic, at: Date.now() });
      if (topic === 'BAD') throw new Error('namesrv down');
    },
    (_e, topic) => errors.push(topic),
    intervalMs,
  );
  return { r, reads, errors };
}

describe('FailureRouteRefresher', () => {
  it('reads at once, then once at the end of the interval for every call inside it', async () => {
    const { r, reads } = counting(200);
    const begin = Date.now();
    await r.refresh('T');
    assert.equal(reads.length, 1);
    const waiters = [r.refresh('T'), r.refresh('T'), r.refresh('T')];
    assert.equal(reads.length, 1, 'no read inside the interval');
    await Promise.all(waiters);
    assert.equal(reads.length, 2, 'one trailing read shared by the three calls');
    assert.ok(reads[1]!.at - begin >= 195, `trailing read after ${reads[1]!.at - begin} ms`);
    // Other topics have their own interval.
    await r.refresh('U');
    assert.equal(reads.length, 3);
  });

  it('never rejects and reports a failed read', async () => {
    const { r, errors } = counting(200);
    await r.refresh('BAD');
    assert.deepEqual(errors, ['BAD']);
  });

  it('close releases the callers waiting for a scheduled read, which never runs', async () => {
    const { r, reads } = counting(60_000);
    await r.refresh('T');
    const waiting = r.refresh('T');
    r.close();
    await waiting;
    assert.equal(reads.length, 1);
    await r.refresh('T');
    assert.equal(reads.length, 1, 'nothing after close');
  });
});
