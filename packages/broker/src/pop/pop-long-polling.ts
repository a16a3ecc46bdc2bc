import type { Clock, Logger } from '@rocketmq-ts/common';
import type { RemotingCommand } from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import type { TagsCodeFilter } from '@rocketmq-ts/store';
import { PullRequestHoldService, type Rerun } from '../long-polling/pull-request-hold-service.js';

// Long polling of POP and NOTIFICATION requests on the pull machinery (PullRequestHoldService).
// A suspended request waits under (topic, queueId), queueId −1 for a pop of every queue. What it
// waits for is an arrival counter rather than a queue offset: every message stored into the
// topic counts for its queue and for −1, and every message stored into one of the topic's pop
// retry topics counts for −1 and for every queue of the topic (those pops read the retry topic
// too). An arrival wakes the matching requests at once (tag filter permitting); the periodic
// check wakes the rest when their counter moved or their time is up. Woken requests re-run.

interface TopicArrivals {
  all: number;
  retry: number;
  perQueue: Map<number, number>;
}

/** 'full': the limits are reached; 'stopped': the broker is shutting down (answer now). */
export type HoldOutcome = Promise<RemotingCommand | undefined> | 'full' | 'stopped';

export class PopLongPolling {
  private readonly hold: PullRequestHoldService;
  /** Topics someone pops, with their arrival counters. */
  private readonly arrivals = new Map<string, TopicArrivals>();
  /** Pop retry topic → the topic it retries. */
  private readonly retryOf = new Map<string, string>();
  /** Suspended requests per `topic@group@queueId`. */
  private readonly polling = new Map<string, number>();
  private total = 0;
  /** Not polling until start(): a slave (or a broker not yet master) answers pops at once. */
  private stopped = true;

  constructor(
    private readonly opts: {
      checkIntervalMs: number;
      perKeyLimit: number;
      totalLimit: number;
      clock: Clock;
      logger: Logger;
    },
  ) {
    this.hold = new PullRequestHoldService({
      checkIntervalMs: opts.checkIntervalMs,
      maxOffset: (topic, queueId) => this.mark(topic, queueId),
      clock: opts.clock,
      logger: opts.logger,
    });
  }

  /** Idempotent; a stopped instance starts again (a broker promoted once more). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.hold.start();
  }

  /** Answers every suspended request (each re-runs once, without suspending). Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.hold.stop();
  }

  /** A topic is popped (and, when given, read through this retry topic): count its arrivals. */
  watch(topic: string, retryTopics: readonly string[] = []): void {
    if (!this.arrivals.has(topic)) this.arrivals.set(topic, { all: 0, retry: 0, perQueue: new Map() });
    for (const r of retryTopics) this.retryOf.set(r, topic);
  }

  /** Arrival counter of (topic, queueId): a request holds on the value it saw before reading. */
  mark(topic: string, queueId: number): number {
    const a = this.arrivals.get(topic);
    if (a === undefined) return 0;
    return queueId < 0 ? a.all : (a.perQueue.get(queueId) ?? 0) + a.retry;
  }

  /** Store callback for every dispatched message. */
  notifyMessageArriving(topic: string, queueId: number, tagsCode: number | undefined): void {
    const a = this.arrivals.get(topic);
    if (a !== undefined) {
      a.all++;
      a.perQueue.set(queueId, (a.perQueue.get(queueId) ?? 0) + 1);
      this.hold.notifyMessageArriving(topic, queueId, a.perQueue.get(queueId)!, tagsCode);
      this.hold.notifyMessageArriving(topic, -1, a.all, tagsCode);
      return;
    }
    const original = this.retryOf.get(topic);
    const o = original === undefined ? undefined : this.arrivals.get(original);
    if (original === undefined || o === undefined) return;
    o.all++;
    o.retry++;
    // Retry messages match any filter (the retry subscription is `*`).
    this.hold.notifyMessageArriving(original, -1, o.all, undefined);
  }

  /** FIFO acks and the like: wake whoever waits on (topic, queueId) and on (topic, −1). */
  wake(topic: string, queueId: number): void {
    const a = this.arrivals.get(topic);
    if (a === undefined) return;
    a.all++;
    a.perQueue.set(queueId, (a.perQueue.get(queueId) ?? 0) + 1);
    this.hold.notifyMessageArriving(topic, queueId, a.perQueue.get(queueId)!, undefined);
    this.hold.notifyMessageArriving(topic, -1, a.all, undefined);
  }

  /**
   * Suspends a request until an arrival past `mark`, or `timeoutMs`; then `rerun` answers it.
   * 'full' when the key or the broker already holds the maximum.
   */
  suspend(
    key: { topic: string; group: string; queueId: number },
    mark: number,
    timeoutMs: number,
    connection: Connection,
    filter: TagsCodeFilter | undefined,
    rerun: Rerun,
  ): HoldOutcome {
    if (this.stopped) return 'stopped';
    const k = `${key.topic}@${key.group}@${key.queueId}`;
    const n = this.polling.get(k) ?? 0;
    if (n >= this.opts.perKeyLimit || this.total >= this.opts.totalLimit) return 'full';
    this.polling.set(k, n + 1);
    this.total++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      const left = (this.polling.get(k) ?? 1) - 1;
      if (left <= 0) this.polling.delete(k);
      else this.polling.set(k, left);
      this.total--;
    };
    const q = Math.max(-1, key.queueId);
    // Released before the re-run (which may suspend again) and, for a request dropped
    // without one (its connection closed), when it settles.
    return this.hold
      .hold(
        key.topic,
        q,
        mark,
        timeoutMs,
        connection,
        filter,
        () => {
          release();
          return rerun();
        },
        mark,
      )
      .finally(release);
  }

  /** Suspended requests under `topic@group@queueId` (POLLING_INFO). */
  pollingNum(topic: string, group: string, queueId: number): number {
    return this.polling.get(`${topic}@${group}@${queueId}`) ?? 0;
  }

  connectionClosed(connection: Connection): void {
    this.hold.connectionClosed(connection);
  }
}
