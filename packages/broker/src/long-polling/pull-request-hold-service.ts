import type { Clock, Logger } from '@rocketmq-ts/common';
import type { RemotingCommand } from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import type { TagsCodeFilter } from '@rocketmq-ts/store';

/** A pull answered "nothing yet" and parked until a message arrives or its time is up. */
interface HeldPull {
  topic: string;
  queueId: number;
  /** The queue offset the client asked for: anything at or beyond it wakes the pull. */
  offset: number;
  deadline: number;
  connection: Connection;
  filter: TagsCodeFilter | undefined;
  /** Re-runs the pull without suspension; its answer is the response. */
  rerun: Rerun;
  resolve: (response: RemotingCommand | undefined) => void;
}

/** Re-runs a held pull without suspension; its answer (now or later) is the response. */
export type Rerun = () => RemotingCommand | undefined | Promise<RemotingCommand | undefined>;

interface PullRequestHoldServiceOptions {
  /** Re-check period for deadlines and missed wake-ups (ms). */
  checkIntervalMs: number;
  /** Current max offset of a queue (the periodic re-check uses it). */
  maxOffset(topic: string, queueId: number): number;
  clock: Clock;
  logger: Logger;
}

/**
 * Long polling (Java PullRequestHoldService). A held pull is woken when the store reports a
 * message for its topic/queue beyond its offset whose tag hash may match, by the periodic
 * check when its deadline passes or the queue grew, or dropped when its connection closes.
 * Whatever wakes it, the pull is re-run without suspension and that answer is sent, so a
 * held pull never outlives `suspendTimeoutMillis` by more than one check period.
 */
export class PullRequestHoldService {
  /** topic → queueId → held pulls. Nested maps: the arrival path (every put) builds no key string. */
  private readonly held = new Map<string, Map<number, HeldPull[]>>();
  private timer: NodeJS.Timeout | undefined;
  private count = 0;

  constructor(private readonly opts: PullRequestHoldServiceOptions) {}

  get size(): number {
    return this.count;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), this.opts.checkIntervalMs);
    this.timer.unref();
  }

  /** Answers every held pull now (shutdown): clients get their "nothing yet" promptly. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const p of this.all()) this.wake(p);
  }

  hold(
    topic: string,
    queueId: number,
    offset: number,
    timeoutMs: number,
    connection: Connection,
    filter: TagsCodeFilter | undefined,
    rerun: Rerun,
    seenMaxOffset?: number,
  ): Promise<RemotingCommand | undefined> {
    return new Promise((resolve) => {
      const p: HeldPull = {
        topic,
        queueId,
        offset,
        deadline: this.opts.clock.now() + Math.max(0, timeoutMs),
        connection,
        filter,
        rerun,
        resolve,
      };
      let queues = this.held.get(topic);
      if (!queues) {
        queues = new Map();
        this.held.set(topic, queues);
      }
      const list = queues.get(queueId);
      if (list) list.push(p);
      else queues.set(queueId, [p]);
      this.count++;
      // Parked: no longer one of the connection's active pulls (remoting flow control).
      connection.requestSuspended?.();
      // A message dispatched after the pull read the queue (whose max offset then was
      // `seenMaxOffset`) but before it got here would otherwise wait for the periodic check.
      // Compared with what the read saw, not with `offset`, so that an offset the store
      // cannot serve does not turn into an immediate re-run loop.
      if (seenMaxOffset !== undefined && this.opts.maxOffset(topic, queueId) > seenMaxOffset) this.wake(p);
    });
  }

  /** Store callback: a message was dispatched to `topic`/`queueId`. */
  notifyMessageArriving(topic: string, queueId: number, maxOffset: number, tagsCode: number | undefined): void {
    const list = this.held.get(topic)?.get(queueId);
    if (!list) return;
    // Backwards: waking detaches from `list`, which only moves entries already visited.
    for (let i = list.length - 1; i >= 0; i--) {
      const p = list[i];
      if (p === undefined) continue;
      if (maxOffset > p.offset && (tagsCode === undefined || p.filter === undefined || p.filter(tagsCode))) {
        this.wake(p);
      }
    }
  }

  /** The client went away: its held pulls get no answer. */
  connectionClosed(connection: Connection): void {
    for (const p of this.all()) if (p.connection === connection) this.remove(p, undefined);
  }

  // Runs every checkIntervalMs over every held pull (8192 with 1024 topics × 8 queues): it
  // walks the table in place, reads each queue's max offset once, and allocates only for
  // the pulls it answers. Public so tests with a ManualClock can run a pass at a chosen time.
  check(): void {
    const now = this.opts.clock.now();
    let due: HeldPull[] | undefined;
    for (const [topic, queues] of this.held) {
      for (const [queueId, list] of queues) {
        const max = this.opts.maxOffset(topic, queueId);
        for (let i = 0; i < list.length; i++) {
          const p = list[i]!;
          if (!(p.connection.closed || now >= p.deadline || max > p.offset)) continue;
          if (due === undefined) due = [p];
          else due.push(p);
        }
      }
    }
    if (!due) return;
    for (const p of due) {
      if (p.connection.closed) this.remove(p, undefined);
      else this.wake(p);
    }
  }

  /** A snapshot of every held pull (callers detach while iterating). */
  private all(): HeldPull[] {
    const out: HeldPull[] = [];
    for (const queues of this.held.values()) for (const list of queues.values()) for (const p of list) out.push(p);
    return out;
  }

  private wake(p: HeldPull): void {
    if (!this.detach(p)) return;
    let answer: ReturnType<Rerun>;
    try {
      answer = p.rerun();
    } catch (err) {
      this.rerunFailed(p, err);
      return;
    }
    if (answer instanceof Promise) answer.then(p.resolve, (err: unknown) => this.rerunFailed(p, err));
    else p.resolve(answer);
  }

  private rerunFailed(p: HeldPull, err: unknown): void {
    this.opts.logger.warn({ err, topic: p.topic, queueId: p.queueId }, 're-running a held pull failed');
    p.resolve(undefined);
  }

  private remove(p: HeldPull, response: RemotingCommand | undefined): void {
    if (this.detach(p)) p.resolve(response);
  }

  private detach(p: HeldPull): boolean {
    const queues = this.held.get(p.topic);
    const list = queues?.get(p.queueId);
    const i = list ? list.indexOf(p) : -1;
    if (!queues || !list || i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) {
      queues.delete(p.queueId);
      if (queues.size === 0) this.held.delete(p.topic);
    }
    this.count--;
    p.connection.requestResumed?.();
    return true;
  }
}
