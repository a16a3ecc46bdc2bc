import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '@rocketmq-ts/common';
import type { MessageQueue } from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import type { MQClientInstance } from '../src/client-instance.js';
import { ConsumeConcurrentlyService } from '../src/consumer/consume-concurrently.js';
import type { ConsumeHost } from '../src/consumer/consume-host.js';
import { RemoteBrokerOffsetStore } from '../src/consumer/offset-store.js';
import { ProcessQueue } from '../src/consumer/process-queue.js';
import { decodeMessages } from '../src/consumer/pull-decode.js';
import type { MessageExt } from '../src/message.js';
import { record } from './stored-records.js';

const mq: MessageQueue = { topic: 'T', brokerName: 'b', queueId: 0 };

/** One pull response body: records for `offsets`, as the broker sends them. */
function pulled(offsets: number[]): MessageExt[] {
  const body = Buffer.concat(offsets.map((o) => record(o, Buffer.from(`m${o}`), { TAGS: 'a' })));
  return decodeMessages(body, 'b', undefined, 'T');
}

describe('ConsumeConcurrentlyService with pulls ahead of consumption', () => {
  it('commits only up to the lowest batch still in the listener, then past everything once it returns', async () => {
    const offsets = new RemoteBrokerOffsetStore({ query: async () => -1, update: async () => {} }, silentLogger);
    const abort = new AbortController();
    const host: ConsumeHost = {
      group: 'G',
      instance: undefined as unknown as MQClientInstance,
      offsetStore: offsets,
      messageModel: 'CLUSTERING',
      maxReconsumeTimes: 16,
      consumeMessageBatchMaxSize: 4,
      logger: silentLogger,
      signal: abort.signal,
      lockQueue: async () => true,
    };
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const seen: number[] = [];
    let consumeStart: string | undefined;
    const service = new ConsumeConcurrentlyService(
      host,
      {
        type: 'concurrently',
        consume: async (msgs) => {
          seen.push(...msgs.map((m) => m.queueOffset));
          consumeStart ??= msgs[0]!.properties.get('CONSUME_START_TIME');
          if (msgs[0]!.queueOffset === 0) await held; // the first batch is slow
          return 'CONSUME_SUCCESS' as const;
        },
      },
      20,
    );
    const pq = new ProcessQueue();
    const commit = () => offsets.readOffset(mq, 'memory');
    // Three pulls land while the first batch is still being consumed, as when the next pull
    // is sent before the previous batch is handed to the listener.
    for (const batch of [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]) {
      const msgs = pulled(batch);
      assert.equal(pq.put(msgs), msgs.length);
      service.submit(msgs, pq, mq);
    }
    await eventually(() => seen.length === 12, { timeoutMs: 5000, message: 'all batches delivered' });
    await eventually(async () => pq.count === 4, { timeoutMs: 5000, message: 'later batches acknowledged' });
    assert.equal(await commit(), 0, 'the commit point stays at offset 0 while it is in the listener');
    assert.equal(pq.firstOffset(), 0);
    release();
    await service.drain();
    assert.equal(await commit(), 12);
    assert.equal(pq.count, 0);
    assert.ok(consumeStart !== undefined && Number(consumeStart) > 0, 'CONSUME_START_TIME set before the listener');
  });
});
