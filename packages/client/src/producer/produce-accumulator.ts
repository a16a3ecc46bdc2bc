import { ClientErrorCode, MQClientError } from '../errors.js';
import type { SendResult } from '../message.js';

/**
 * Auto-batching of `Producer.send` (RocketMQ 5.x `DefaultMQProducer#setAutoBatch`, its
 * ProduceAccumulator). Concurrent sends to one topic are held here and leave as one
 * SEND_BATCH_MESSAGE; each caller still gets its own SendResult.
 *
 * When a batch leaves differs from Java on purpose. Java holds every message until its batch
 * is `batchMaxBytes` large or `batchMaxDelayMs` old, so a lone send waits the whole delay
 * (10 ms by default) before it is even written. Here a batch closes at the end of the event
 * loop turn in which its first message was sent: what the application sent in one turn (a
 * loop of sends, or the sends a burst of replies released) leaves together, and a lone send
 * leaves alone, microseconds later. A loaded producer thus sends batches that grow with its
 * load (bounded by `batchMaxBytes` and MAX_BATCH_COUNT: a full batch leaves at once), and a
 * slow one sees the latency of an unbatched send. Only when MAX_IN_FLIGHT requests to the
 * topic are already out does a batch wait for one of them to return, and `batchMaxDelayMs`
 * caps that wait (a SYNC_FLUSH disk, a retry on another broker).
 *
 * An earlier rule held messages while any request to the topic was in flight (Nagle's). It
 * made larger batches at the same load, but every message behind a lone send waited a whole
 * round trip: at 5,000 msg/s in bursts it raised e2e p50 from ~0.5 to ~0.65 ms and p99 by more
 * (docs/benchmarks.md).
 */

export interface AccumulatorSettings {
  /** Longest a message is held behind an in-flight request (ms). */
  batchMaxDelayMs: number;
  /** A batch leaves once its messages (body + properties) reach this many bytes. */
  batchMaxBytes: number;
  /** Bytes held (waiting or in flight) over all topics; beyond it sends bypass batching. */
  totalBatchMaxBytes: number;
}

/** Messages per batch at most, whatever their size: bounds the broker's work per request. */
export const MAX_BATCH_COUNT = 256;

/** Requests to one topic in flight before further batches wait for one to return. */
export const MAX_IN_FLIGHT = 8;

/** One message waiting in, or sent from, the accumulator, with the caller's promise. */
export class PendingSend {
  /** Bytes it counts for: body plus properties (UTF-16 length; ASCII in practice). */
  readonly size: number;
  constructor(
    readonly body: Buffer,
    readonly properties: string,
    readonly flag: number,
    readonly uniqKey: string,
    readonly timeoutMs: number,
    readonly resolve: (r: SendResult) => void,
    readonly reject: (e: unknown) => void,
  ) {
    this.size = body.length + properties.length;
  }
}

/** How the accumulator sends: one message alone (SEND_MESSAGE_V2) or several as one batch. */
export interface BatchSender {
  sendOne(topic: string, msg: PendingSend): Promise<SendResult>;
  sendBatch(topic: string, msgs: readonly PendingSend[], timeoutMs: number): Promise<SendResult>;
}

class TopicBatch {
  pending: PendingSend[] = [];
  pendingBytes = 0;
  /** Date.now() when the oldest message in `pending` arrived. */
  heldSince = 0;
  inFlight = 0;
  constructor(readonly topic: string) {}
}

export class ProduceAccumulator {
  private readonly topics = new Map<string, TopicBatch>();
  /** Topics with messages waiting, in the order they started to wait. */
  private readonly holding = new Set<TopicBatch>();
  // One timer for the whole accumulator rather than one per held batch: under load with many
  // topics nearly every message is held briefly, and a setTimeout/clearTimeout pair each time
  // cost more than the batching saved.
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The end-of-turn flush is scheduled (one setImmediate for every topic). */
  private turnScheduled = false;
  private held = 0;
  private requests = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly settings: AccumulatorSettings,
    private readonly sender: BatchSender,
  ) {}

  /** Bytes waiting or in flight, over all topics. */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * Takes `msg` for `topic`; false when the accumulator is full (totalBatchMaxBytes) and the
   * caller should send it the ordinary way. The outcome arrives through msg.resolve/reject.
   */
  add(topic: string, msg: PendingSend): boolean {
    if (this.held + msg.size > this.settings.totalBatchMaxBytes && this.held > 0) return false;
    this.held += msg.size;
    let t = this.topics.get(topic);
    if (t === undefined) {
      t = new TopicBatch(topic);
      this.topics.set(topic, t);
    }
    if (t.pending.length > 0 && t.pendingBytes + msg.size > this.settings.batchMaxBytes) this.flush(t);
    if (t.pending.length === 0) this.hold(t);
    t.pending.push(msg);
    t.pendingBytes += msg.size;
    if (t.pendingBytes >= this.settings.batchMaxBytes || t.pending.length >= MAX_BATCH_COUNT) this.flush(t);
    return true;
  }

  /** Sends everything held now and resolves once every request of the accumulator is answered. */
  drain(): Promise<void> {
    for (const t of this.topics.values()) this.flush(t);
    if (this.requests === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private hold(t: TopicBatch): void {
    t.heldSince = Date.now();
    this.holding.add(t);
    if (!this.turnScheduled) {
      this.turnScheduled = true;
      setImmediate(this.endOfTurn);
    }
  }

  /** The turn that sent the held messages is over: they leave, unless their topic is at MAX_IN_FLIGHT. */
  private readonly endOfTurn = (): void => {
    this.turnScheduled = false;
    for (const t of this.holding) if (t.inFlight < MAX_IN_FLIGHT) this.flush(t);
    if (this.holding.size > 0) this.timer ??= setTimeout(this.sweep, this.settings.batchMaxDelayMs);
  };

  /** Sends what has waited batchMaxDelayMs behind MAX_IN_FLIGHT requests; re-arms for the next oldest. */
  private readonly sweep = (): void => {
    this.timer = undefined;
    const delay = this.settings.batchMaxDelayMs;
    const now = Date.now();
    let next = delay;
    for (const t of this.holding) {
      const left = t.heldSince + delay - now;
      if (left <= 0) this.flush(t);
      else if (left < next) next = left;
    }
    if (this.holding.size > 0) this.timer = setTimeout(this.sweep, next);
  };

  private flush(t: TopicBatch): void {
    if (t.pending.length === 0) return;
    this.holding.delete(t);
    if (this.holding.size === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const msgs = t.pending;
    const bytes = t.pendingBytes;
    t.pending = [];
    t.pendingBytes = 0;
    this.launch(t, msgs, bytes);
  }

  private launch(t: TopicBatch, msgs: PendingSend[], bytes: number): void {
    t.inFlight++;
    this.requests++;
    const failed = (e: unknown) => {
      for (const m of msgs) m.reject(e);
      this.landed(t, bytes);
    };
    if (msgs.length === 1) {
      const m = msgs[0]!;
      this.sender.sendOne(t.topic, m).then((r) => {
        m.resolve(r);
        this.landed(t, bytes);
      }, failed);
      return;
    }
    this.sender.sendBatch(t.topic, msgs, minTimeout(msgs)).then((r) => {
      try {
        settleBatch(r, msgs);
      } catch (e) {
        failed(e);
        return;
      }
      this.landed(t, bytes);
    }, failed);
  }

  private landed(t: TopicBatch, bytes: number): void {
    this.held -= bytes;
    t.inFlight--;
    this.requests--;
    // A batch that waited for a free slot leaves now, unless its turn is still running.
    if (t.inFlight < MAX_IN_FLIGHT && !this.turnScheduled) this.flush(t);
    if (this.requests === 0 && this.idle.length > 0) {
      const waiters = this.idle;
      this.idle = [];
      for (const w of waiters) w();
    }
  }
}

function minTimeout(msgs: readonly PendingSend[]): number {
  let t = msgs[0]!.timeoutMs;
  for (let i = 1; i < msgs.length; i++) if (msgs[i]!.timeoutMs < t) t = msgs[i]!.timeoutMs;
  return t;
}

/**
 * Hands each message of a batch its own result: its UNIQ_KEY, its offset msgId (the broker
 * joins them with ','), the batch's queue, and queueOffset = the batch's first + index.
 * A reply that does not carry one offset id per message rejects them all.
 */
export function settleBatch(r: SendResult, msgs: readonly PendingSend[]): void {
  const offsetIds = r.offsetMsgId.split(',');
  if (offsetIds.length !== msgs.length) {
    throw new MQClientError(`batch reply has ${offsetIds.length} offset msgIds for ${msgs.length} messages`, {
      code: ClientErrorCode.BAD_RESPONSE,
    });
  }
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    m.resolve({
      sendStatus: r.sendStatus,
      msgId: m.uniqKey,
      offsetMsgId: offsetIds[i]!,
      messageQueue: r.messageQueue,
      queueOffset: r.queueOffset + i,
    });
  }
}
