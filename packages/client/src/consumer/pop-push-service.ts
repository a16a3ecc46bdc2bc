import type { Logger } from '@rocketmq-ts/common';
import type { MessageQueue, SubscriptionData } from '@rocketmq-ts/protocol';
import { Semaphore, sleep } from './consume-host.js';
import type { ConsumeConcurrentlyContext, ConsumeOrderlyContext, MessageListener } from './listener.js';
import type { PopCore } from './pop-core.js';
import type { PopMessage } from './pop-message.js';
import { setConsumeStart } from './received-message.js';

/** The PushConsumer options of its Pop mode (Java DefaultMQPushConsumer's names). */
export interface PopModeOptions {
  /**
   * `false`: consume through Pop. The broker hands out messages; the client allocates no
   * queues, pops from every broker of each subscribed topic and acks what the listener
   * consumed. Default `true` (pull, queues allocated among the group's members).
   */
  clientRebalance?: boolean;
  /** How long a popped message stays invisible to the group while the listener works, default 60000 ms. */
  popInvisibleTime?: number;
  /** Messages per POP_MESSAGE (at most 32), default 32. */
  popBatchNums?: number;
  /** A pop loop (one per readable queue) pauses while this many of its messages are unfinished, default 96. */
  popThresholdForQueue?: number;
  /**
   * Seconds a failed message stays invisible before it is delivered again, by its
   * reconsumeTimes (or by the context's delayLevelWhenNextConsume when set); the last entry
   * repeats. Default 10, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 1200, 1800,
   * 3600, 7200.
   */
  popDelayLevel?: readonly number[];
}

const DEFAULT_POP_DELAY_LEVEL = [10, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 1200, 1800, 3600, 7200];

export interface PopPushHost {
  readonly core: PopCore;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly maxReconsumeTimes: number;
  readonly consumeMessageBatchMaxSize: number;
  readonly consumeThreadMax: number;
  /** Long-poll hold at the broker (brokerSuspendMaxTimeMillis). */
  readonly pollTimeMs: number;
  readonly initMode: 0 | 1;
  /** Back-off after a failed pop. */
  readonly retryDelayMs: number;
}

interface Loop {
  topic: string;
  brokerName: string;
  stopped: boolean;
  /** Messages this loop popped and not yet acked, changed or abandoned. */
  held: number;
}

/**
 * The PushConsumer's Pop mode: long-polling pop loops per (topic, broker), the listener
 * run with at most consumeThreadMax batches at once, an ack after it succeeds, and after a
 * failure the message made invisible for the back-off of its attempt (or moved to the DLQ once
 * its retries are used up). A crashed consumer's messages come back when their invisibility
 * ends. An orderly listener pops in FIFO mode and takes one batch at a time per broker; a
 * failure suspends the rest of that queue's messages for suspendCurrentQueueTimeMillis.
 */
export class PopPushService {
  private readonly loops = new Map<string, Loop>();
  private readonly running = new Set<Promise<void>>();
  private readonly sem: Semaphore;
  private readonly invisibleTime: number;
  private readonly batch: number;
  private readonly threshold: number;
  private readonly delays: readonly number[];

  constructor(
    private readonly host: PopPushHost,
    private readonly listener: MessageListener,
    o: PopModeOptions,
  ) {
    this.sem = new Semaphore(host.consumeThreadMax);
    this.invisibleTime = o.popInvisibleTime ?? 60_000;
    this.batch = Math.min(32, Math.max(1, o.popBatchNums ?? 32));
    this.threshold = o.popThresholdForQueue ?? 96;
    this.delays = o.popDelayLevel && o.popDelayLevel.length > 0 ? o.popDelayLevel : DEFAULT_POP_DELAY_LEVEL;
  }

  /** The (topic, broker) pairs being popped, as message queues with queueId −1. */
  targets(): MessageQueue[] {
    const seen = new Map<string, MessageQueue>();
    for (const loop of this.loops.values()) {
      seen.set(`${loop.topic}@${loop.brokerName}`, { topic: loop.topic, brokerName: loop.brokerName, queueId: -1 });
    }
    return [...seen.values()];
  }

  /**
   * Starts pop loops for every broker now serving a subscribed topic, as many per broker as
   * it has readable queues of the topic (concurrent pops of one group take different queues:
   * the broker skips a queue another pop holds); stops those of brokers gone.
   */
  async rebalance(subscriptions: ReadonlyMap<string, SubscriptionData>): Promise<void> {
    const want = new Map<string, { topic: string; brokerName: string }>();
    for (const topic of subscriptions.keys()) {
      let brokers: Map<string, number>;
      try {
        brokers = await this.host.core.readQueuesByBroker(topic);
      } catch (e) {
        this.host.logger.warn({ err: e, topic }, 'no route for pop yet');
        for (const [k, l] of this.loops) if (l.topic === topic) want.set(k, l);
        continue;
      }
      for (const [brokerName, queues] of brokers) {
        for (let i = 0; i < Math.max(1, queues); i++) want.set(`${topic}@${brokerName}#${i}`, { topic, brokerName });
      }
    }
    for (const [k, loop] of this.loops) {
      if (!want.has(k)) {
        loop.stopped = true;
        this.loops.delete(k);
      }
    }
    for (const [k, { topic, brokerName }] of want) {
      if (this.loops.has(k) || this.host.signal.aborted) continue;
      const loop: Loop = { topic, brokerName, stopped: false, held: 0 };
      this.loops.set(k, loop);
      this.popLoop(loop, subscriptions).catch((e: unknown) =>
        this.host.logger.error({ err: e, key: k }, 'pop loop stopped'),
      );
    }
  }

  stop(): void {
    for (const loop of this.loops.values()) loop.stopped = true;
    this.loops.clear();
  }

  /** Waits for listener calls already running (bounded by the caller). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async popLoop(loop: Loop, subscriptions: ReadonlyMap<string, SubscriptionData>): Promise<void> {
    const { signal } = this.host;
    const { topic, brokerName } = loop;
    const orderly = this.listener.type === 'orderly';
    while (!loop.stopped && !signal.aborted) {
      if (loop.held >= this.threshold) {
        await sleep(20, signal);
        continue;
      }
      const sub = subscriptions.get(topic);
      if (!sub) break;
      let msgs: PopMessage[];
      try {
        msgs = await this.host.core.pop(brokerName, sub, {
          maxMessages: Math.min(this.batch, this.threshold - loop.held),
          invisibleTimeMs: this.invisibleTime,
          pollTimeMs: this.host.pollTimeMs,
          initMode: this.host.initMode,
          order: orderly,
        });
      } catch (e) {
        if (loop.stopped || signal.aborted) break;
        this.host.logger.warn({ err: e, topic, brokerName }, 'pop failed');
        await sleep(this.host.retryDelayMs, signal);
        continue;
      }
      if (msgs.length === 0) continue;
      const mq = { topic, brokerName, queueId: -1 };
      if (orderly) {
        // FIFO: the broker hands out a queue's next messages only once these are acked, so
        // consuming them before the next pop loses no parallelism within a queue.
        await this.track(this.consumeOrderly(msgs, mq));
        continue;
      }
      const n = Math.max(1, this.host.consumeMessageBatchMaxSize);
      for (let i = 0; i < msgs.length; i += n) {
        const part = msgs.slice(i, i + n);
        loop.held += part.length;
        void this.track(this.consumeConcurrently(part, mq)).finally(() => {
          loop.held -= part.length;
        });
      }
    }
  }

  private track(p: Promise<void>): Promise<void> {
    const q = p.catch((e: unknown) => this.host.logger.error({ err: e }, 'consume task failed'));
    this.running.add(q);
    void q.finally(() => this.running.delete(q));
    return q;
  }

  private async consumeConcurrently(batch: PopMessage[], mq: MessageQueue): Promise<void> {
    if (this.listener.type !== 'concurrently') return;
    await this.sem.acquire();
    try {
      if (this.host.signal.aborted) return;
      // Its invisibility is over: another consumer may have it by now (Java drops it too).
      if (expired(batch[0]!, Date.now())) return;
      const now = Date.now();
      for (const m of batch) setConsumeStart(m, now);
      const ctx: ConsumeConcurrentlyContext = { messageQueue: mq, delayLevelWhenNextConsume: 0 };
      let ok: boolean;
      try {
        ok = ((await this.listener.consume(batch, ctx)) ?? 'CONSUME_SUCCESS') === 'CONSUME_SUCCESS';
      } catch (e) {
        this.host.logger.warn({ err: e, mq }, 'listener threw; messages will be retried');
        ok = false;
      }
      await Promise.all(batch.map((m) => (ok ? this.ack(m) : this.retryLater(m, ctx.delayLevelWhenNextConsume))));
    } finally {
      this.sem.release();
    }
  }

  private async consumeOrderly(msgs: PopMessage[], mq: MessageQueue): Promise<void> {
    if (this.listener.type !== 'orderly') return;
    const byQueue = new Map<number, PopMessage[]>();
    for (const m of msgs) byQueue.set(m.queueId, [...(byQueue.get(m.queueId) ?? []), m]);
    await Promise.all(
      [...byQueue.values()].map(async (list) => {
        for (let i = 0; i < list.length; i++) {
          const m = list[i]!;
          const ctx: ConsumeOrderlyContext = { messageQueue: mq, suspendCurrentQueueTimeMillis: 1000 };
          let ok: boolean;
          try {
            setConsumeStart(m, Date.now());
            ok = (await this.runOrderly(m, ctx)) === 'SUCCESS';
          } catch (e) {
            this.host.logger.warn({ err: e, mq }, 'orderly listener threw; the queue is suspended');
            ok = false;
          }
          if (ok) {
            await this.ack(m);
            continue;
          }
          // This message and the ones after it come back, in order, once the suspension ends.
          if (m.reconsumeTimes >= this.host.maxReconsumeTimes) {
            await this.deadLetter(m);
            continue;
          }
          await Promise.all(list.slice(i).map((r) => this.change(r, ctx.suspendCurrentQueueTimeMillis)));
          return;
        }
      }),
    );
  }

  private async runOrderly(m: PopMessage, ctx: ConsumeOrderlyContext): Promise<string> {
    if (this.listener.type !== 'orderly') return 'SUCCESS';
    return (await this.listener.consume([m], ctx)) ?? 'SUCCESS';
  }

  private async retryLater(m: PopMessage, delayLevel: number): Promise<void> {
    if (delayLevel < 0 || m.reconsumeTimes >= this.host.maxReconsumeTimes) {
      await this.deadLetter(m);
      return;
    }
    const level = delayLevel > 0 ? delayLevel : m.reconsumeTimes;
    const seconds = this.delays[Math.min(level, this.delays.length - 1)]!;
    await this.change(m, seconds * 1000);
  }

  private async ack(m: PopMessage): Promise<void> {
    try {
      await this.host.core.ack(m);
    } catch (e) {
      this.host.logger.warn({ err: e, msgId: m.msgId }, 'ack failed; the message will be delivered again');
    }
  }

  private async change(m: PopMessage, ms: number): Promise<void> {
    try {
      await this.host.core.changeInvisibleDuration(m, ms);
    } catch (e) {
      // It comes back anyway when popInvisibleTime ends.
      this.host.logger.warn({ err: e, msgId: m.msgId }, 'changing the invisible time failed');
    }
  }

  private async deadLetter(m: PopMessage): Promise<void> {
    try {
      await this.host.core.forwardToDeadLetterQueue(m);
    } catch (e) {
      this.host.logger.warn({ err: e, msgId: m.msgId }, 'moving a message to the DLQ failed; it will come back');
    }
  }
}

function expired(m: PopMessage, now: number): boolean {
  const f = m.receiptHandle.split(' ');
  return Number(f[1]) + Number(f[2]) <= now;
}
