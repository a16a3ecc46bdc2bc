import type { MessageQueue } from '@rocketmq-ts/protocol';
import type { MessageExt } from '../message.js';
import { type ConsumeHost, Semaphore, sleep } from './consume-host.js';
import type { ConsumeConcurrentlyContext, ConsumeConcurrentlyStatus, MessageListenerConcurrently } from './listener.js';
import type { ProcessQueue } from './process-queue.js';
import { setConsumeStart } from './received-message.js';
import { resetRetryTopic, sendMessageBack } from './send-back.js';

/**
 * Runs a concurrent listener: up to `concurrency` batches at once across all queues. After
 * each batch the queue's commit point moves to its lowest unacknowledged offset. Failed
 * messages go back to the broker for delayed redelivery (clustering) or are dropped with a
 * warning (broadcasting, as Java does); a message neither path accepted is retried here.
 */
export class ConsumeConcurrentlyService {
  private readonly sem: Semaphore;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly host: ConsumeHost,
    private readonly listener: MessageListenerConcurrently,
    concurrency: number,
  ) {
    this.sem = new Semaphore(concurrency);
  }

  submit(msgs: MessageExt[], pq: ProcessQueue, mq: MessageQueue): void {
    const n = Math.max(1, this.host.consumeMessageBatchMaxSize);
    for (let i = 0; i < msgs.length; i += n) {
      const p = this.run(msgs.slice(i, i + n), pq, mq).catch((e: unknown) =>
        this.host.logger.error({ err: e, mq }, 'consume task failed'),
      );
      this.running.add(p);
      void p.finally(() => this.running.delete(p));
    }
  }

  /** Waits for handlers already running (bounded by the caller). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async run(batch: MessageExt[], pq: ProcessQueue, mq: MessageQueue): Promise<void> {
    await this.sem.acquire();
    pq.inFlight++;
    try {
      if (pq.dropped || this.host.signal.aborted) return;
      resetRetryTopic(batch, this.host.group, mq.topic);
      const now = Date.now();
      for (const m of batch) setConsumeStart(m, now);
      const ctx: ConsumeConcurrentlyContext = { messageQueue: mq, delayLevelWhenNextConsume: 0 };
      let status: ConsumeConcurrentlyStatus;
      try {
        status = (await this.listener.consume(batch, ctx)) ?? 'CONSUME_SUCCESS';
      } catch (e) {
        this.host.logger.warn({ err: e, mq }, 'listener threw; messages will be retried');
        status = 'RECONSUME_LATER';
      }
      // A queue taken away mid-consume is now another member's: do not ack for it.
      if (pq.dropped) return;
      let acked = batch;
      if (status === 'RECONSUME_LATER') {
        if (this.host.messageModel === 'BROADCASTING') {
          this.host.logger.warn({ mq, count: batch.length }, 'broadcast consume failed; messages dropped');
        } else {
          const failed: MessageExt[] = [];
          for (const m of batch) {
            try {
              await sendMessageBack(
                this.host.instance,
                this.host.group,
                m,
                ctx.delayLevelWhenNextConsume,
                this.host.maxReconsumeTimes,
              );
            } catch (e) {
              this.host.logger.warn({ err: e, msgId: m.msgId }, 'retry hand-back failed; consuming again locally');
              m.reconsumeTimes++;
              failed.push(m);
            }
          }
          if (failed.length > 0) {
            acked = batch.filter((m) => !failed.includes(m));
            void sleep(5000, this.host.signal).then(() => {
              if (!pq.dropped && !this.host.signal.aborted) this.submit(failed, pq, mq);
            });
          }
        }
      }
      const offset = pq.remove(acked);
      if (offset >= 0 && !pq.dropped) this.host.offsetStore.updateOffset(mq, offset, true);
    } finally {
      pq.inFlight--;
      this.sem.release();
    }
  }
}
