/** Least time between two failure-driven route reads of one topic (ms). */
export const FAILURE_REFRESH_INTERVAL_MS = 1000;

interface TopicState {
  /** When the last read for this topic started. */
  at: number;
  /** The read scheduled for the end of the current interval, while one is pending. */
  trailing?: Promise<void>;
}

/**
 * Re-reads a topic's route from the NameServer after a request to one of its brokers got no
 * answer (connection refused or closed, timeout), instead of waiting for the periodic poll:
 * at most once per interval per topic. A call inside the interval gets one read scheduled at
 * its end, shared by every caller meanwhile, so the last failure is always followed by a read
 * that started after it (a master elected a moment after the first read is still seen within
 * a second). The returned promise settles when that read is over and never rejects.
 */
export class FailureRouteRefresher {
  private readonly topics = new Map<string, TopicState>();
  /** Scheduled reads' timers, each with the release of its waiters. */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  constructor(
    private readonly read: (topic: string) => Promise<unknown>,
    private readonly onError: (err: unknown, topic: string) => void,
    private readonly intervalMs = FAILURE_REFRESH_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  refresh(topic: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    const state = this.topics.get(topic);
    if (state?.trailing) return state.trailing;
    const now = this.now();
    if (!state || now - state.at >= this.intervalMs) return this.start(topic);
    const trailing = new Promise<void>((resolve) => {
      const t = setTimeout(
        () => {
          this.timers.delete(t);
          resolve();
        },
        state.at + this.intervalMs - now,
      );
      this.timers.set(t, resolve);
    }).then(() => (this.closed ? undefined : this.start(topic)));
    state.trailing = trailing;
    return trailing;
  }

  /** Cancels scheduled reads (their callers are released at once). */
  close(): void {
    this.closed = true;
    for (const [t, release] of this.timers) {
      clearTimeout(t);
      release();
    }
    this.timers.clear();
    this.topics.clear();
  }

  private start(topic: string): Promise<void> {
    this.topics.set(topic, { at: this.now() });
    return this.read(topic).then(
      () => undefined,
      (e: unknown) => this.onError(e, topic),
    );
  }
}
