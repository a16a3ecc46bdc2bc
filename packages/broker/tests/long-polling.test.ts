import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, silentLogger } from '@rocketmq-ts/common';
import { createRequest, createResponse } from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import { PullRequestHoldService } from '../src/long-polling/pull-request-hold-service.js';

describe('PullRequestHoldService: arrivals racing the hold', () => {
  const conn = { closed: false } as unknown as Connection;
  const service = (max: () => number) =>
    new PullRequestHoldService({
      checkIntervalMs: 1_000_000,
      maxOffset: max,
      clock: new ManualClock(0),
      logger: silentLogger,
    });

  it('re-runs at once when the queue grew after the pull read it', async () => {
    const hold = service(() => 6);
    let reruns = 0;
    const answer = await hold.hold(
      'T',
      0,
      5,
      15_000,
      conn,
      undefined,
      async () => {
        reruns++;
        return createResponse(createRequest(11), 0);
      },
      5,
    );
    assert.equal(answer?.code, 0);
    assert.equal(reruns, 1);
    assert.equal(hold.size, 0);
  });

  it('stays held when nothing arrived since the read, even below the max offset', () => {
    // An offset the store could not serve (maxOffset already beyond it) must not loop.
    const hold = service(() => 9);
    let reruns = 0;
    void hold.hold(
      'T',
      0,
      5,
      15_000,
      conn,
      undefined,
      async () => {
        reruns++;
        return undefined;
      },
      9,
    );
    assert.equal(reruns, 0);
    assert.equal(hold.size, 1);
    hold.stop();
  });
});
