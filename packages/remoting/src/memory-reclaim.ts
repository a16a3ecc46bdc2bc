import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Buffers that a closed connection held (unsent answers, reads in progress) are garbage, but
// V8 frees their memory only at its next full collection, and an idle or lightly loaded
// process may not run one for hours: the RSS an abusive client drove up would stay. So after
// such connections close, one full collection is asked for (at most one per 10 s).
// Measured with the hostile-client harness (docs/flow-control.md): 414 -> 165 MiB.

type GcFunction = () => void;

let gcFunction: GcFunction | null | undefined;

function fullGc(): GcFunction | null {
  if (gcFunction !== undefined) return gcFunction;
  const exposed = (globalThis as { gc?: GcFunction }).gc;
  if (typeof exposed === 'function') {
    gcFunction = exposed;
    return gcFunction;
  }
  try {
    // Exposes gc() to contexts created from now on; the flag is process-wide but only adds a
    // function, so it is left set.
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    gcFunction = typeof fn === 'function' ? (fn as GcFunction) : null;
  } catch {
    gcFunction = null;
  }
  return gcFunction;
}

/**
 * Schedules one full collection `delayMs` from now (so that close handlers and in-flight reads
 * of the closed connections finish first), or `minIntervalMs` after the previous one if that
 * is later; requests while one is scheduled join it. The timer does not hold the process open.
 */
export class MemoryReclaimer {
  private timer: NodeJS.Timeout | undefined;
  private lastRun = 0;

  constructor(
    private readonly delayMs = 1000,
    private readonly minIntervalMs = 10_000,
  ) {}

  request(): void {
    if (this.timer !== undefined) return;
    // A request soon after a run is deferred, not dropped: later closes must be reclaimed too.
    const delay = Math.max(this.delayMs, this.lastRun + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastRun = Date.now();
      fullGc()?.();
    }, delay);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
