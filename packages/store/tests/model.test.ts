// Model-based check: random appends, pulls and clean restarts applied to the file store and to
// the memory store must give the same answers, byte for byte (segments are large enough that
// no blank filler shifts physical offsets).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import { encodeProperties, tagsHashCode } from '@rocketmq-ts/protocol';
import { tempDir } from '@rocketmq-ts/testkit';
import fc from 'fast-check';
import { createFileStore, createMemoryStore, type MessageInput, type MessageStore } from '../src/index.js';

type Cmd =
  | { kind: 'put'; topic: string; queueId: number; size: number; tags: string; batch: number }
  | { kind: 'get'; topic: string; queueId: number; offset: number; max: number; tags: string | undefined }
  | { kind: 'restart' };

const topicArb = fc.constantFrom('A', 'B');
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      topic: topicArb,
      queueId: fc.integer({ min: 0, max: 2 }),
      size: fc.integer({ min: 0, max: 3000 }),
      tags: fc.constantFrom('x', 'y'),
      batch: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('get' as const),
      topic: topicArb,
      queueId: fc.integer({ min: 0, max: 2 }),
      offset: fc.integer({ min: 0, max: 12 }),
      max: fc.integer({ min: 1, max: 5 }),
      tags: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

let seq = 0;
function input(c: Extract<Cmd, { kind: 'put' }>): MessageInput {
  seq++;
  return {
    topic: c.topic,
    queueId: c.queueId,
    flag: seq,
    body: Buffer.alloc(c.size, seq & 0xff),
    properties: encodeProperties({ TAGS: c.tags, KEYS: `k${seq}` }),
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000 + seq,
    bornHost: '10.0.0.1:1234',
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  };
}

describe('file store matches the memory store (model-based)', () => {
  it('answers random appends, pulls and restarts identically', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 30 }), async (cmds) => {
        const dir = await tempDir('rmq-model-');
        const config = { storeHost: '10.0.0.2:10911', mappedFileSizeCommitLog: 4 * 1024 * 1024, maxIndexNum: 1000 };
        const clock = new ManualClock(1_700_000_100_000);
        const open = async (): Promise<MessageStore> => {
          const s = createFileStore({ ...config, storePathRootDir: dir.path }, { clock });
          await s.start();
          return s;
        };
        const model = createMemoryStore(config, { clock });
        await model.start();
        let file = await open();
        try {
          for (const c of cmds) {
            clock.advance(7);
            if (c.kind === 'put') {
              const batch = Array.from({ length: c.batch }, () => input(c));
              const [a, b] = await Promise.all([file.putMessages(batch), model.putMessages(batch)]);
              assert.deepEqual(a, b);
            } else if (c.kind === 'get') {
              const f = c.tags === undefined ? undefined : (code: number) => code === tagsHashCode(c.tags);
              const a = await file.getMessage(c.topic, c.queueId, c.offset, c.max, 1 << 20, f);
              const b = await model.getMessage(c.topic, c.queueId, c.offset, c.max, 1 << 20, f);
              // An unknown queue is "no logic queue" in both; after a restart the file store
              // may know the queue from disk only when it has entries, so compare the rest.
              assert.deepEqual(
                { ...a, records: a.records.map((r) => r.toString('hex')) },
                {
                  ...b,
                  records: b.records.map((r) => r.toString('hex')),
                },
              );
            } else {
              await file.shutdown();
              file = await open();
            }
          }
          for (const t of ['A', 'B']) {
            for (let q = 0; q < 3; q++) {
              assert.equal(file.getMaxOffsetInQueue(t, q), model.getMaxOffsetInQueue(t, q));
              const r = await file.queryMessage(t, `k${seq}`, 5, 0, Number.MAX_SAFE_INTEGER);
              const m = await model.queryMessage(t, `k${seq}`, 5, 0, Number.MAX_SAFE_INTEGER);
              assert.deepEqual(r.records, m.records);
            }
          }
        } finally {
          await file.shutdown();
          await model.shutdown();
          await dir.cleanup();
        }
      }),
      { numRuns: 25 },
    );
  });
});
