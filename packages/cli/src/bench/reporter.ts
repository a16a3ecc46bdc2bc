import { Histogram } from './histogram.js';

const ts = (): string => new Date().toISOString().replace('T', ' ').replace('Z', '');
const f3 = (v: number): string => v.toFixed(3);

/**
 * Periodic RocketMQ-style report lines, a live progress line on a TTY, and the final
 * summary. `line` builds one interval's text from the interval and cumulative stats.
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
  ) {}

  record(ms: number): void {
    this.interval.record(ms);
    this.total.record(ms);
  }

  start(): void {
    this.timer = setInterval(() => this.report(), this.intervalSec * 1000);
    if (this.tty) {
      this.live = setInterval(() => {
        process.stdout.write(
          `\r\x1b[K${this.progress()} | elapsed ${((Date.now() - this.started) / 1000).toFixed(1)}s`,
        );
      }, 250);
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
