import { bar, sparkline, Window } from '../support/sparkline.js';
import { Histogram } from './histogram.js';

const ts = (): string => new Date().toISOString().replace('T', ' ').replace('Z', '');
const f3 = (v: number): string => v.toFixed(3);

/** The run's bounds (0 = unbounded), for the progress bar of the live line. */
export interface BenchBounds {
  messages: number;
  seconds: number;
}

const LIVE_MS = 250;

/**
 * Periodic RocketMQ-style report lines, a live line on a TTY (a sparkline of the last
 * 10 s of message rate, the current rate, and a progress bar when the run is bounded), and
 * the final summary. `line` builds one interval's text from the interval and cumulative stats.
 */
export class Reporter {
  readonly interval = new Histogram();
  readonly total = new Histogram();
  private readonly started = Date.now();
  private lastReport = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private live: NodeJS.Timeout | undefined;
  private readonly tty = process.stdout.isTTY === true;

  constructor(
    private readonly intervalSec: number,
    private readonly line: (tps: number, iv: Histogram, total: Histogram) => string,
    private readonly progress: () => string,
    /** Messages per recorded request (batch size), for the summary's counts. */
    private readonly unit = 1,
    private readonly bounds: BenchBounds = { messages: 0, seconds: 0 },
  ) {}

  /** The live line: sparkline, rate, progress bar (bounded runs), `progress()`, elapsed time. */
  liveLine(rates: readonly number[], now = Date.now()): string {
    const elapsed = (now - this.started) / 1000;
    const done = this.total.count * this.unit;
    const { messages, seconds } = this.bounds;
    const fraction = Math.max(messages > 0 ? done / messages : 0, seconds > 0 ? elapsed / seconds : 0);
    const rate = rates.at(-1) ?? 0;
    const progress = messages > 0 || seconds > 0 ? ` ${bar(fraction)} ${Math.floor(Math.min(1, fraction) * 100)}%` : '';
    return `${sparkline(rates)} ${Math.round(rate)} msg/s${progress} | ${this.progress()} | elapsed ${elapsed.toFixed(1)}s`;
  }

  record(ms: number): void {
    this.interval.record(ms);
    this.total.record(ms);
  }

  start(): void {
    this.timer = setInterval(() => this.report(), this.intervalSec * 1000);
    if (this.tty) {
      const rates = new Window(40);
      let last = 0;
      this.live = setInterval(() => {
        const done = this.total.count * this.unit;
        rates.push(((done - last) * 1000) / LIVE_MS);
        last = done;
        // Cut to the terminal width: a wrapped line would not be overwritten by the next one.
        const width = process.stdout.columns ?? 120;
        process.stdout.write(`\r\x1b[K${this.liveLine(rates.values).slice(0, Math.max(20, width - 1))}`);
      }, LIVE_MS);
    }
  }

  private report(): void {
    const now = Date.now();
    const secs = (now - this.lastReport) / 1000;
    this.lastReport = now;
    const tps = secs > 0 ? Math.round(this.interval.count / secs) : 0;
    const text = `Current Time: ${ts()} | ${this.line(tps, this.interval, this.total)} | p50 RT(ms): ${f3(this.interval.percentile(50))} | p99 RT(ms): ${f3(this.interval.percentile(99))}`;
    process.stdout.write(`${this.tty ? '\r\x1b[K' : ''}${text}\n`);
    this.interval.reset();
  }

  /** Stops the timers and prints the summary block. */
  finish(title: string, extra: Record<string, string | number>): void {
    if (this.timer) clearInterval(this.timer);
    if (this.live) clearInterval(this.live);
    if (this.interval.count > 0) this.report();
    const secs = (Date.now() - this.started) / 1000;
    const t = this.total;
    const rows: [string, string | number][] = [
      ['Elapsed(s)', secs.toFixed(2)],
      ['Messages', t.count * this.unit],
      ...(this.unit > 1 ? ([['Requests', t.count]] as [string, number][]) : []),
      ['Average TPS', secs > 0 ? Math.round((t.count * this.unit) / secs) : 0],
      ['Average RT(ms)', f3(t.mean)],
      ['p50 RT(ms)', f3(t.percentile(50))],
      ['p99 RT(ms)', f3(t.percentile(99))],
      ['p99.9 RT(ms)', f3(t.percentile(99.9))],
      ['Max RT(ms)', f3(t.max)],
      ...Object.entries(extra),
    ];
    process.stdout.write(
      `${this.tty ? '\r\x1b[K' : ''}=== ${title} summary ===\n${rows.map(([k, v]) => `${k.padEnd(16)}: ${v}`).join('\n')}\n`,
    );
  }
}

export { f3 };
