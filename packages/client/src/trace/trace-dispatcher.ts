import type { Logger } from '@rocketmq-ts/common';
import { encodeTraceRecord, type TraceRecord, traceKeysOf } from '@rocketmq-ts/protocol';
import type { Message } from '../message.js';

// Java's AsyncTraceDispatcher, reduced: records are queued by the send/consume paths and
// written in batches to the trace topic by a producer of their own, off the caller's path.
// A batch is grouped by traced topic, as Java groups it, and split at 128,000 characters
// (Java's maxMsgSize); its KEYS are the traced msgIds and keys so the broker's index finds
// every record of a message by its id.

const MAX_MSG_SIZE = 128_000;
const FLUSH_DELAY_MS = 20;
const MAX_QUEUED = 20_000;
const BATCH_RECORDS = 100;

export interface TraceDispatcherOptions {
  traceTopic: string;
  /** Sends one trace message (the trace producer's send). */
  send(msg: Message): Promise<unknown>;
  logger: Logger;
}

export class TraceDispatcher {
  private queue: TraceRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();
  /** Records dropped because the queue was full (Java discards them too). */
  discarded = 0;

  constructor(private readonly o: TraceDispatcherOptions) {}

  get traceTopic(): string {
    return this.o.traceTopic;
  }

  append(r: TraceRecord): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.discarded++;
      return;
    }
    this.queue.push(r);
    if (this.queue.length >= BATCH_RECORDS) this.flushNow();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flushNow(), FLUSH_DELAY_MS);
      this.timer.unref();
    }
  }

  /** Writes everything queued and waits for the writes (shutdown). */
  async flush(): Promise<void> {
    this.flushNow();
    await Promise.allSettled([...this.inFlight]);
  }

  private flushNow(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const records = this.queue;
    this.queue = [];
    if (records.length === 0) return;
    const byTopic = new Map<string, TraceRecord[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic) ?? [];
      list.push(r);
      byTopic.set(r.topic, list);
    }
    for (const list of byTopic.values()) {
      let batch: TraceRecord[] = [];
      let text = '';
      for (const r of list) {
        batch.push(r);
        text += encodeTraceRecord(r);
        if (text.length >= MAX_MSG_SIZE) {
          this.write(batch, text);
          batch = [];
          text = '';
        }
      }
      if (batch.length > 0) this.write(batch, text);
    }
  }

  private write(records: TraceRecord[], text: string): void {
    const p = this.o
      .send({ topic: this.o.traceTopic, body: text, keys: traceKeysOf(records) })
      .then(
        () => undefined,
        (err: unknown) => this.o.logger.warn({ err, records: records.length }, 'sending trace data failed'),
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }
}
