import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '@rocketmq-ts/common';
import { eventually } from '@rocketmq-ts/testkit';
import type { MessageListener } from '../src/consumer/listener.js';
import type { PopCore } from '../src/consumer/pop-core.js';
import type { PopMessage } from '../src/consumer/pop-message.js';
import { type PopModeOptions, PopPushService } from '../src/consumer/pop-push-service.js';
import { buildSubscription } from '../src/consumer/subscription.js';

const msg = (body: string, reconsumeTimes = 0, queueId = 0, queueOffset = 0): PopMessage =>
  ({
    topic: 'T',
    body: Buffer.from(body),
    msgId: body,
    queueId,
    queueOffset,
    reconsumeTimes,
    deliveryAttempt: reconsumeTimes + 1,
    receiptHandle: `0 ${Date.now()} 60000 1 0 b ${queueId} ${queueOffset}`,
    properties: new Map(),
  }) as unknown as PopMessage;

/** A PopCore that serves scripted batches once each, then long-polls empty, and records the calls. */
function fakeCore(batches: PopMessage[][]) {
  const calls: string[] = [];
  const pops: { order: boolean; max: number }[] = [];
  const core = {
    readQueuesByBroker: async () => new Map([['b', 1]]),
    pop: async (_b: string, _s: unknown, o: { order: boolean; maxMessages: number }) => {
      pops.push({ order: o.order, max: o.maxMessages });
      const next = batches.shift();
      if (next) return next;
      await new Promise((r) => setTimeout(r, 5));
      return [];
    },
    ack: async (m: PopMessage) => {
      calls.push(`ack ${m.msgId}`);
    },
    changeInvisibleDuration: async (m: PopMessage, ms: number) => {
      calls.push(`change ${m.msgId} ${ms}`);
    },
    forwardToDeadLetterQueue: async (m: PopMessage) => {
      calls.push(`dlq ${m.msgId}`);
    },
  };
  return { core: core as unknown as PopCore, calls, pops };
}

async function run(listener: MessageListener, batches: PopMessage[][], want: number, o: PopModeOptions = {}) {
  const f = fakeCore(batches);
  const abort = new AbortController();
  const svc = new PopPushService(
    {
      core: f.core,
      logger: silentLogger,
      signal: abort.signal,
      maxReconsumeTimes: 2,
      consumeMessageBatchMaxSize: 1,
      consumeThreadMax: 4,
      pollTimeMs: 10,
      initMode: 0,
      retryDelayMs: 10,
    },
    listener,
    o,
  );
  await svc.rebalance(new Map([['T', buildSubscription('T')]]));
  assert.deepEqual(svc.targets(), [{ topic: 'T', brokerName: 'b', queueId: -1 }]);
  try {
    await eventually(() => f.calls.length >= want, { timeoutMs: 5000, message: `${want} calls` });
  } finally {
    svc.stop();
    abort.abort();
    await svc.drain();
  }
  return f;
}

describe('PopPushService', () => {
  it('acks what the listener consumed and delays what failed by the delay table, DLQ past the maximum', async () => {
    const f = await run(
      {
        type: 'concurrently',
        consume: (msgs) => (msgs[0]!.body.toString().startsWith('bad') ? 'RECONSUME_LATER' : 'CONSUME_SUCCESS'),
      },
      [[msg('ok1'), msg('bad0', 0), msg('bad1', 1), msg('bad2', 2)]],
      4,
      { popDelayLevel: [1, 5] },
    );
    assert.deepEqual(f.calls.sort(), ['ack ok1', 'change bad0 1000', 'change bad1 5000', 'dlq bad2'].sort());
    assert.equal(f.pops[0]!.order, false);
  });

  it('treats a throwing listener as a failure', async () => {
    const f = await run(
      {
        type: 'concurrently',
        consume: () => {
          throw new Error('boom');
        },
      },
      [[msg('x')]],
      1,
    );
    assert.deepEqual(f.calls, ['change x 10000'], "Java's first pop delay is 10 s");
  });

  it('orderly: pops FIFO, stops a queue at its first failure and suspends the rest of it in order', async () => {
    const f = await run(
      {
        type: 'orderly',
        consume: (msgs, ctx) => {
          ctx.suspendCurrentQueueTimeMillis = 300;
          return msgs[0]!.msgId === 'q0-1' ? 'SUSPEND_CURRENT_QUEUE_A_MOMENT' : 'SUCCESS';
        },
      },
      [[msg('q0-0', 0, 0, 0), msg('q0-1', 0, 0, 1), msg('q0-2', 0, 0, 2), msg('q1-0', 0, 1, 0)]],
      4,
    );
    assert.deepEqual(f.calls.slice().sort(), ['ack q0-0', 'ack q1-0', 'change q0-1 300', 'change q0-2 300'].sort());
    assert.ok(f.calls.indexOf('ack q0-0') < f.calls.indexOf('change q0-1 300'));
    assert.equal(f.pops[0]!.order, true);
  });
});
