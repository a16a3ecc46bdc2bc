import { type IntervalHistogram, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { MetricFamily } from './metric-family.js';

// Node process metrics under the names prom-client's default collectors use
// (nodejs_eventloop_lag_*, nodejs_gc_duration_seconds, nodejs_heap_*), so Node dashboards
// work unchanged. The event-loop histogram is Node's (a libuv timer sampled every 50 ms, in C++:
// no JS runs per sample; coarser than prom-client's 10 ms, as the exporter's whole cost is kept
// under 2 % of the broker's CPU — docs/metrics.md). GC entries arrive batched, one callback per
// batch, a few per second under load.

const GC_BOUNDS = [0.001, 0.01, 0.1, 1, 2, 5];
const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

export class ProcessMetrics {
  private readonly loop: IntervalHistogram;
  private readonly gcObserver: PerformanceObserver;
  private readonly gc = new Map<string, { counts: number[]; sum: number; count: number }>();

  constructor() {
    this.loop = monitorEventLoopDelay({ resolution: 50 });
    this.loop.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const detail = (e as { detail?: { kind?: number } }).detail;
        const kind = GC_KINDS[detail?.kind ?? 0] ?? 'other';
        let g = this.gc.get(kind);
        if (g === undefined) {
          g = { counts: new Array<number>(GC_BOUNDS.length + 1).fill(0), sum: 0, count: 0 };
          this.gc.set(kind, g);
        }
        const s = e.duration / 1000;
        let i = 0;
        while (i < GC_BOUNDS.length && s > GC_BOUNDS[i]!) i++;
        g.counts[i]!++;
        g.sum += s;
        g.count++;
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  close(): void {
    this.loop.disable();
    this.gcObserver.disconnect();
  }

  families(): MetricFamily[] {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    const ns = (v: number) => (Number.isFinite(v) ? v / 1e9 : 0);
    const families: MetricFamily[] = [
      {
        name: 'nodejs_eventloop_lag_p50_seconds',
        help: 'Event loop delay, median (libuv histogram since start)',
        kind: 'gauge',
        points: [{ labels: {}, value: ns(this.loop.percentile(50)) }],
      },
      {
        name: 'nodejs_eventloop_lag_p99_seconds',
        help: 'Event loop delay, 99th percentile',
        kind: 'gauge',
        points: [{ labels: {}, value: ns(this.loop.percentile(99)) }],
      },
      {
        name: 'nodejs_eventloop_lag_max_seconds',
        help: 'Event loop delay, maximum',
        kind: 'gauge',
        points: [{ labels: {}, value: ns(this.loop.max) }],
      },
      {
        name: 'nodejs_gc_duration_seconds',
        help: 'Garbage collection duration by kind',
        kind: 'histogram',
        points: [...this.gc].map(([kind, g]) => ({
          labels: { kind },
          bounds: GC_BOUNDS,
          counts: g.counts,
          sum: g.sum,
          count: g.count,
        })),
      },
      {
        name: 'nodejs_heap_size_used_bytes',
        help: 'V8 heap used',
        kind: 'gauge',
        points: [{ labels: {}, value: mem.heapUsed }],
      },
      {
        name: 'nodejs_heap_size_total_bytes',
        help: 'V8 heap total',
        kind: 'gauge',
        points: [{ labels: {}, value: mem.heapTotal }],
      },
      {
        name: 'nodejs_external_memory_bytes',
        help: 'Memory of C++ objects bound to JS (Buffers included)',
        kind: 'gauge',
        points: [{ labels: {}, value: mem.external }],
      },
      {
        name: 'process_resident_memory_bytes',
        help: 'Resident set size',
        kind: 'gauge',
        points: [{ labels: {}, value: mem.rss }],
      },
      {
        name: 'process_cpu_seconds_total',
        help: 'User and system CPU time',
        kind: 'counter',
        points: [{ labels: {}, value: (cpu.user + cpu.system) / 1e6 }],
      },
    ];
    return families;
  }
}
