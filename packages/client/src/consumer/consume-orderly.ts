import type { MessageQueue } from '@rocketmq-ts/protocol';
import { type ConsumeHost, sleep } from './consume-host.js';
import type { ConsumeOrderlyContext, ConsumeOrderlyStatus, MessageListenerOrderly } from './listener.js';
import type { ProcessQueue } from './process-queue.js';
import { setConsumeStart } from './received-message.js';
import { resetRetryTopic, sendMessageBack } from './send-back.js';

/**
 * Runs an orderly listener: per queue, one batch at a time, oldest first. In clustering mode
 * a queue is consumed only while this client holds its broker lock, so no two members ever
 * consume one queue at the same time. A failed batch stays at the head of the queue and is
 * retried after a pause; once a message has failed maxReconsumeTimes times it is sent to the
 * DLQ so the queue can move on.
 */
export class ConsumeOrderlyService {
  private readonly loops = new Set<Promise<void>>();

  constructor(
    private readonly host: ConsumeHost,
    private readonly listener: MessageListenerOrderly,
  ) {}

  submit(pq: ProcessQueue, mq: MessageQueue): void {
    if (pq.consuming || pq.dropped) return;
    pq.consuming = true;
    const p = this.loop(pq, mq)
      .catch((e: unknown) => this.host.logger.error({ err: e, mq }, 'orderly consume loop failed'))
      .finally(() => {
        pq.consuming = false;
        this.loops.delete(p);
        // Messages may have arrived after the loop saw an empty queue.
        if (!pq.dropped && pq.count > 0 && !this.host.signal.aborted) this.submit(pq, mq);
      });
    this.loops.add(p);
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.loops]);
  }

  private async loop(pq: ProcessQueue, mq: MessageQueue): Promise<void> {
    const { host } = this;
    const clustering = host.messageModel === 'CLUSTERING';
    while (!pq.dropped && !host.signal.aborted && pq.count > 0) {
      if (clustering && (!pq.locked || pq.lockExpired(Date.now()))) {
        if (!(await host.lockQueue(mq, pq).catch(() => false))) {
          await sleep(1000, host.signal);
          continue;
        }
      }
      const batch = pq.peek(Math.max(1, host.consumeMessageBatchMaxSize));
      if (batch.length === 0) break;
      resetRetryTopic(batch, host.group, mq.topic);
      const now = Date.now();
      for (const m of batch) setConsumeStart(m, now);
      const ctx: ConsumeOrderlyContext = { messageQueue: mq, suspendCurrentQueueTimeMillis: 1000 };
      let status: ConsumeOrderlyStatus;
      try {
        status = (await this.listener.consume(batch, ctx)) ?? 'SUCCESS';
      } catch (e) {
        host.logger.warn({ err: e, mq }, 'orderly listener threw; suspending the queue');
        status = 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
      }
      if (pq.dropped) break;
      if (status === 'SUCCESS') {
        const offset = pq.remove(batch);
        if (offset >= 0) host.offsetStore.updateOffset(mq, offset, false);
        continue;
      }
      let exhausted = false;
      for (const m of batch) {
        m.reconsumeTimes++;
        if (m.reconsumeTimes >= host.maxReconsumeTimes) exhausted = true;
      }
      if (exhausted && clustering) {
        // Java moves the whole batch on once one message is exhausted; the DLQ keeps them.
        try {
          for (const m of batch) await sendMessageBack(host.instance, host.group, m, -1, host.maxReconsumeTimes);
          const offset = pq.remove(batch);
          if (offset >= 0) host.offsetStore.updateOffset(mq, offset, false);
          continue;
        } catch (e) {
          host.logger.warn({ err: e, mq }, 'moving exhausted messages to the DLQ failed; retrying');
        }
      }
      await sleep(Math.max(10, ctx.suspendCurrentQueueTimeMillis), host.signal);
    }
  }
}
