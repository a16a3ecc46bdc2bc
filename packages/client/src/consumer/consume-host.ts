import type { Logger } from '@rocketmq-ts/common';
import type { MessageModel, MessageQueue } from '@rocketmq-ts/protocol';
import type { MQClientInstance } from '../client-instance.js';
import type { OffsetStore } from './offset-store.js';
import type { ProcessQueue } from './process-queue.js';

/** What a consume service needs from its push consumer. */
export interface ConsumeHost {
  readonly group: string;
  readonly instance: MQClientInstance;
  readonly offsetStore: OffsetStore;
  readonly messageModel: MessageModel;
  readonly maxReconsumeTimes: number;
  readonly consumeMessageBatchMaxSize: number;
  readonly logger: Logger;
  /** Aborted on shutdown: cancels every wait. */
  readonly signal: AbortSignal;
  /** Orderly: (re)acquire the broker lock of one queue. */
  lockQueue(mq: MessageQueue, pq: ProcessQueue): Promise<boolean>;
}

/** Resolves after `ms`, or at once (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A counting semaphore: at most `limit` handlers run at once. */
export class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((r) => this.waiters.push(r));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }
  get busy(): number {
    return this.active;
  }
}
