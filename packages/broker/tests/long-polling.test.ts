import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, silentLogger } from '@rocketmq-ts/common';
import {
  createRequest,
  createResponse,
  PullMessageRequestHeader,
  PullSysFlag,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import { PullRequestHoldService } from '../src/long-polling/pull-request-hold-service.js';
import { PullMessageProcessor } from '../src/processors/pull-message.js';

/** A hold service whose periodic check never runs by itself; `max` gives queue max offsets. */
const service = (max: () => number) =>
  new PullRequestHoldService({
    checkIntervalMs: 1_000_000,
    maxOffset: max,
    clock: new ManualClock(0),
    logger: silentLogger,
  });

describe('PullRequestHoldService: arrivals racing the hold', () => {
  const conn = { closed: false } as unknown as Connection;

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

describe('PullRequestHoldService: waking', () => {
  it('answers a re-run that returns at once, and wakes every matching pull of the queue', async () => {
    let max = 3;
    const hold = service(() => max);
    const conn = { closed: false } as unknown as Connection;
    const answered: number[] = [];
    const pulls = [0, 1, 2].map((i) =>
      hold.hold('T', 0, 3, 15_000, conn, i === 1 ? (tag) => tag === 7 : undefined, () => {
        answered.push(i);
        return createResponse(createRequest(11), 0, `pull ${i}`);
      }),
    );
    max = 4;
    hold.notifyMessageArriving('T', 0, 4, 5);
    assert.deepEqual(answered.sort(), [0, 2], 'the tag filter of pull 1 does not match');
    assert.equal(hold.size, 1);
    assert.equal((await pulls[0])?.remark, 'pull 0');
    hold.notifyMessageArriving('T', 0, 5, 7);
    assert.equal((await pulls[1])?.remark, 'pull 1');
    assert.equal(hold.size, 0);
  });
});

describe('PullMessageProcessor: caught-up pulls', () => {
  const topic = { topicName: 'T', perm: 6, readQueueNums: 4, writeQueueNums: 4 };
  const group = { consumeEnable: true, consumeBroadcastEnable: true };
  const record = Buffer.alloc(100, 1);

  function setup() {
    const calls = { getMessage: 0, commits: [] as number[] };
    let max = 5;
    const hold = service(() => max);
    const processor = new PullMessageProcessor({
      settings: {
        brokerName: 'b',
        brokerPermission: () => 6,
        isMaster: true,
        longPollingEnable: true,
        shortPollingTimeMills: 1000,
        maxTransferCount: 32,
        maxTransferBytes: 1 << 20,
        enablePropertyFilter: false,
      },
      topics: { get: (t: string) => (t === 'T' ? topic : undefined) } as never,
      groups: { get: () => group, getOrCreate: async () => group } as never,
      offsets: { commit: (_g: string, _t: string, _q: number, o: number) => calls.commits.push(o) },
      clients: { consumerGroup: () => undefined },
      store: {
        getMaxOffsetInQueue: () => max,
        getMessage: async (_t: string, _q: number, offset: number) => {
          calls.getMessage++;
          const page = { minOffset: 0, maxOffset: max };
          if (offset < max) {
            return { status: 'FOUND', nextBeginOffset: offset + 1, ...page, records: [record], totalSize: 100 };
          }
          const status = offset === max ? 'OFFSET_OVERFLOW_ONE' : 'OFFSET_OVERFLOW_BADLY';
          return { status, nextBeginOffset: Math.min(offset, max), ...page, records: [], totalSize: 0 };
        },
      } as never,
      hold,
      stats: { addGet() {} },
    });
    const grow = () => {
      max++;
      hold.notifyMessageArriving('T', 1, max, undefined);
    };
    return { processor, calls, hold, grow };
  }
  const pull = (offset: number) =>
    createRequest(
      11,
      PullMessageRequestHeader.encode({
        consumerGroup: 'G',
        topic: 'T',
        queueId: 1,
        queueOffset: offset,
        maxMsgNums: 32,
        sysFlag: PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION | PullSysFlag.COMMIT_OFFSET,
        commitOffset: offset - 1,
        suspendTimeoutMillis: 15_000,
        subscription: '*',
        subVersion: 0,
      }),
    );
  const conn = { closed: false } as unknown as Connection;

  it('holds a suspending pull at the max offset without reading the store, commits its offset, answers on arrival', async () => {
    const { processor, calls, hold, grow } = setup();
    const answer = processor.handle(pull(5), conn);
    assert.ok(answer instanceof Promise);
    assert.equal(calls.getMessage, 0);
    assert.deepEqual(calls.commits, [4]);
    assert.equal(hold.size, 1);
    grow();
    const r = await answer;
    assert.equal(r?.code, 0);
    assert.equal(r?.extFields.nextBeginOffset, '6');
    assert.equal(r?.extFields.maxOffset, '6');
    assert.equal(r?.body?.length, 100);
    assert.equal(calls.getMessage, 1, 'one read, by the woken pull');
    assert.deepEqual(calls.commits, [4], 'the re-run commits nothing more');
  });

  it('reads the store when behind the max offset, and answers a pull beyond it at once', async () => {
    const { processor, calls, hold } = setup();
    const r = await processor.handle(pull(4), conn);
    assert.equal(r?.code, 0);
    assert.equal(calls.getMessage, 1);
    const moved = await processor.handle(pull(7), conn);
    assert.equal(calls.getMessage, 2);
    assert.equal(moved?.code, ResponseCode.PULL_OFFSET_MOVED);
    assert.equal(moved?.extFields.nextBeginOffset, '5');
    assert.equal(hold.size, 0);
  });
});
