import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { MQClientError } from '../src/errors.js';
import type { SendResult } from '../src/message.js';
import {
  type AccumulatorSettings,
  type BatchSender,
  MAX_BATCH_COUNT,
  MAX_IN_FLIGHT,
  PendingSend,
  ProduceAccumulator,
  settleBatch,
} from '../src/producer/produce-accumulator.js';

interface Call {
  kind: 'one' | 'batch';
  topic: string;
  msgs: readonly PendingSend[];
  timeoutMs: number;
  settle(outcome: { offset: number } | Error): void;
}

/** A sender whose requests stay open until the test settles them, recording what left. */
function recordingSender(): { sender: BatchSender; calls: Call[] } {
  const calls: Call[] = [];
  const open = (kind: Call['kind'], topic: string, msgs: readonly PendingSend[], timeoutMs: number) =>
    new Promise<SendResult>((resolve, reject) => {
      calls.push({
        kind,
        topic,
        msgs,
        timeoutMs,
        settle(outcome) {
          if (outcome instanceof Error) reject(outcome);
          else
            resolve({
              sendStatus: 'SEND_OK',
              msgId: '',
              offsetMsgId: msgs.map((_, i) => `OFF${outcome.offset + i}`).join(','),
              messageQueue: { topic, brokerName: 'b', queueId: 1 },
              queueOffset: outcome.offset,
            });
        },
      });
    });
  return {
    calls,
    sender: {
      sendOne: (topic, m) => open('one', topic, [m], m.timeoutMs),
      sendBatch: (topic, msgs, timeoutMs) => open('batch', topic, msgs, timeoutMs),
    },
  };
}

const SETTINGS: AccumulatorSettings = { batchMaxDelayMs: 10, batchMaxBytes: 1000, totalBatchMaxBytes: 1 << 20 };

let seq = 0;
function pending(size = 10, timeoutMs = 3000) {
  const id = `K${++seq}`;
  let result: SendResult | undefined;
  let error: unknown;
  const p = new PendingSend(
    Buffer.alloc(size),
    '',
    0,
    id,
    timeoutMs,
    (r) => {
      result = r;
    },
    (e) => {
      error = e;
    },
  );
  return {
    p,
    id,
    get result() {
      return result;
    },
    get error() {
      return error;
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

/** Runs `fn` with setTimeout and Date under node:test's mock clock (setImmediate stays real). */
async function withMockClock(fn: () => Promise<void>): Promise<void> {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  try {
    await fn();
  } finally {
    mock.timers.reset();
  }
}

/** Puts MAX_IN_FLIGHT single sends to `topic` in flight (each leaves in its own turn). */
async function fillSlots(acc: ProduceAccumulator, topic: string): Promise<void> {
  for (let i = 0; i < MAX_IN_FLIGHT; i++) {
    acc.add(topic, pending().p);
    await tick();
  }
}

describe('ProduceAccumulator', () => {
  it('sends a lone message alone at the end of the turn', async () => {
    const { sender, calls } = recordingSender();
    const acc = new ProduceAccumulator(SETTINGS, sender);
    assert.ok(acc.add('T', pending().p));
    assert.equal(calls.length, 0, 'held until the turn ends');
    await tick();
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.kind, 'one');
  });

  it('sends what one turn sent as one batch, each caller getting its own result', async () => {
    const { sender, calls } = recordingSender();
    const acc = new ProduceAccumulator(SETTINGS, sender);
    const all = Array.from({ length: 6 }, () => pending());
    for (const r of all) acc.add('T', r.p);
    await tick();
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.kind, 'batch');
    assert.deepEqual(
      calls[0]!.msgs.map((m) => m.uniqKey),
      all.map((r) => r.id),
    );
    calls[0]!.settle({ offset: 1 });
    await tick();
    all.forEach((r, i) => {
      assert.equal(r.result?.msgId, r.id);
      assert.equal(r.result?.queueOffset, 1 + i);
      assert.equal(r.result?.offsetMsgId, `OFF${1 + i}`);
    });
    assert.equal(acc.heldBytes, 0);
  });

  it("does not hold a turn's messages behind a request in flight", async () => {
    const { sender, calls } = recordingSender();
    const acc = new ProduceAccumulator(SETTINGS, sender);
    acc.add('T', pending().p);
    await tick();
    acc.add('T', pending().p);
    acc.add('T', pending().p);
    await tick();
    assert.deepEqual(
      calls.map((c) => c.msgs.length),
      [1, 2],
    );
  });

  it('keeps topics apart: one batch per topic', async () => {
    const { sender, calls } = recordingSender();
    const acc = new ProduceAccumulator(SETTINGS, sender);
    acc.add('A', pending().p);
    acc.add('B', pending().p);
    acc.add('A', pending().p);
    await tick();
    assert.deepEqual(
      calls.map((c) => `${c.topic}:${c.msgs.length}`),
      ['A:2', 'B:1'],
    );
  });

  it('sends a full batch (batchMaxBytes) at once, within the turn', () => {
    const { sender, calls } = recordingSender();
    const acc = new ProduceAccumulator(SETTINGS, sender);
    for (let i = 0; i < 4; i++) acc.add('T', pending(250).p);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.msgs.length, 4);
    // A message that would push the held batch over the limit sends the held ones first.
    acc.add('T', pending(600).p);
    acc.add('T', pending(600).p);
    assert.equal(calls.length, 2);
    assert.equal(calls[1]!.kind, 'one');
    assert.equal(calls[1]!.msgs[0]!.size, 600);
  });

  it(`sends at most ${MAX_BATCH_COUNT} messages per batch`, async () => {
    const { sender, calls } = recordingSender();
    const acc = new ProduceAccumulator({ ...SETTINGS, batchMaxBytes: 1 << 20 }, sender);
    for (let i = 0; i <= MAX_BATCH_COUNT; i++) acc.add('T', pending(1).p);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.msgs.length, MAX_BATCH_COUNT);
    await tick();
    assert.equal(calls.length, 2);
    assert.equal(calls[1]!.msgs.length, 1);
  });

  it(`holds a batch while ${MAX_IN_FLIGHT} requests to its topic are in flight, until one returns`, async () => {
    const { sender, calls } = recordingSender();
    const acc = new ProduceAccumulator(SETTINGS, sender);
    await fillSlots(acc, 'T');
    acc.add('T', pending().p);
    acc.add('T', pending().p);
    acc.add('U', pending().p);
    await tick();
    assert.equal(calls.length, MAX_IN_FLIGHT + 1, 'only the other topic left');
    assert.equal(calls.at(-1)!.topic, 'U');
    calls[0]!.settle({ offset: 0 });
    await tick();
    assert.equal(calls.length, MAX_IN_FLIGHT + 2);
    assert.equal(calls.at(-1)!.msgs.length, 2);
  });

  it('sends a held batch after batchMaxDelayMs when the requests in flight are slow', async () => {
    await withMockClock(async () => {
      const { sender, calls } = recordingSender();
      const acc = new ProduceAccumulator(SETTINGS, sender);
      await fillSlots(acc, 'T');
      acc.add('T', pending().p);
      acc.add('T', pending().p);
      await tick();
      mock.timers.tick(9);
      assert.equal(calls.length, MAX_IN_FLIGHT);
      mock.timers.tick(1);
      assert.equal(calls.length, MAX_IN_FLIGHT + 1);
      assert.equal(calls.at(-1)!.msgs.length, 2);
    });
  });

  it('times each topic from its own oldest held message', async () => {
    await withMockClock(async () => {
      const { sender, calls } = recordingSender();
      const acc = new ProduceAccumulator(SETTINGS, sender);
      await fillSlots(acc, 'A');
      await fillSlots(acc, 'B');
      const n = calls.length;
      acc.add('A', pending().p);
      await tick();
      mock.timers.tick(6);
      acc.add('B', pending().p);
      await tick();
      mock.timers.tick(4);
      assert.deepEqual(
        calls.slice(n).map((c) => `${c.topic}:${c.msgs.length}`),
        ['A:1'],
      );
      mock.timers.tick(6);
      assert.deepEqual(
        calls.slice(n).map((c) => `${c.topic}:${c.msgs.length}`),
        ['A:1', 'B:1'],
      );
    });
  });

  it('rejects every message of a failed batch with its error, and goes on', async () => {
    const { sender, calls } = recordingSender();
    const acc = new ProduceAccumulator(SETTINGS, sender);
    const batch = [pending(), pending(), pending()];
    for (const b of batch) acc.add('T', b.p);
    await tick();
    const boom = new Error('refused');
    calls[0]!.settle(boom);
    await tick();
    for (const b of batch) assert.equal(b.error, boom);
    acc.add('T', pending().p);
    await tick();
    assert.equal(calls.length, 2);
    assert.equal(acc.heldBytes, 10);
  });

  it('refuses messages beyond totalBatchMaxBytes so that the caller sends them directly', async () => {
    const { sender, calls } = recordingSender();
    const acc = new ProduceAccumulator({ ...SETTINGS, totalBatchMaxBytes: 25 }, sender);
    assert.ok(acc.add('T', pending().p));
    assert.ok(acc.add('T', pending().p));
    assert.equal(acc.add('T', pending().p), false);
    await tick();
    calls[0]!.settle({ offset: 0 });
    await tick();
    assert.ok(acc.add('T', pending().p), 'room again once a request returned');
  });

  it('gives a batch the shortest timeout of its messages', async () => {
    const { sender, calls } = recordingSender();
    const acc = new ProduceAccumulator(SETTINGS, sender);
    acc.add('T', pending(10, 3000).p);
    acc.add('T', pending(10, 3000).p);
    acc.add('T', pending(10, 500).p);
    await tick();
    assert.equal(calls[0]!.timeoutMs, 500);
  });

  it('drain sends everything held and waits for every reply', async () => {
    const { sender, calls } = recordingSender();
    const acc = new ProduceAccumulator({ ...SETTINGS, batchMaxDelayMs: 30_000 }, sender);
    acc.add('T', pending().p);
    await tick();
    const all = Array.from({ length: 3 }, () => pending());
    for (const a of all) acc.add('T', a.p);
    let drained = false;
    const d = acc.drain().then(() => {
      drained = true;
    });
    assert.equal(calls.length, 2, 'the held batch left at once');
    calls[0]!.settle({ offset: 0 });
    await tick();
    assert.equal(drained, false);
    calls[1]!.settle({ offset: 1 });
    await d;
    assert.ok(all.every((a) => a.result?.sendStatus === 'SEND_OK'));
  });
});

describe('settleBatch', () => {
  it('rejects a reply without one offset msgId per message', () => {
    const msgs = [pending().p, pending().p];
    const reply: SendResult = {
      sendStatus: 'SEND_OK',
      msgId: '',
      offsetMsgId: 'ONLY_ONE',
      messageQueue: { topic: 'T', brokerName: 'b', queueId: 0 },
      queueOffset: 7,
    };
    assert.throws(() => settleBatch(reply, msgs), MQClientError);
  });
});
