// Event-loop stall probe for benches. Preloaded into a server under test with
//   LOOP_PROBE_PRINT=1 node --import bench/broker/loop-probe.mjs ...
// it prints, every LOOP_PROBE_WINDOW_MS (default 250),
//   loop-probe <epochMs> <p50Ms> <p99Ms> <maxMs> <samples> <runqueueWaitMs> <onCpuMs>
// (perf_hooks.monitorEventLoopDelay over the window, then reset; the main thread's time spent
// runnable but not running, and running, from /proc/self/task/<pid>/schedstat), and once
//   loop-probe-origin <performance.timeOrigin>
// so that --trace-gc timestamps (ms since the isolate started) can be put on the same clock.
// A stall with run-queue wait is the machine's doing (another process had the core); one
// without is this thread's own work (GC, or a long task). Imported, startProbe() does the same
// into a callback. LOOP_PROBE_RESOLUTION_MS (default 1) is the histogram's sampling timer:
// 1 ms catches every block of 1 ms or more, at the price of waking the loop every millisecond.
//
// LOOP_PROBE_DIR=dir instead collects the same lines, plus one per GC pause
//   gc <epochStartMs> <durationMs> <kind: 1 minor, 4 major, 8 incremental, 16 weak callbacks>
// in memory and writes them at exit to dir/probe-<pid>-<threadId>-<script>.log, in every
// thread (worker threads report no schedstat): for processes a bench spawns where it cannot
// pass flags, through NODE_OPTIONS="--import=<this file>". probe-summary.mjs sums them up.
// Not product code.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { isMainThread, threadId } from 'node:worker_threads';

/** [onCpuNs, runqueueWaitNs] of the main thread, or zeros where /proc has no schedstat. */
function schedstat() {
  if (!isMainThread) return [0, 0];
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
    return [run, wait];
  } catch {
    return [0, 0];
  }
}

/**
 * Calls onWindow({ t, p50, p99, max, n, waitMs, cpuMs }) every windowMs (times in ms, t in
 * epoch ms at the window's end). Returns a stop function.
 */
export function startProbe(onWindow, windowMs = 250, resolution = 1) {
  const h = monitorEventLoopDelay({ resolution });
  h.enable();
  let last = schedstat();
  const ms = (ns) => ns / 1e6;
  const timer = setInterval(() => {
    const now = schedstat();
    if (h.count > 0) {
      onWindow({
        t: performance.timeOrigin + performance.now(),
        p50: ms(h.percentile(50)),
        p99: ms(h.percentile(99)),
        max: ms(h.max),
        n: h.count,
        waitMs: ms(now[1] - last[1]),
        cpuMs: ms(now[0] - last[0]),
      });
    }
    last = now;
    h.reset();
  }, windowMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    h.disable();
  };
}

const f3 = (x) => x.toFixed(3);
const windowLine = (w) =>
  `loop-probe ${w.t.toFixed(1)} ${f3(w.p50)} ${f3(w.p99)} ${f3(w.max)} ${w.n} ${f3(w.waitMs)} ${f3(w.cpuMs)}`;

if (process.env.LOOP_PROBE_DIR) {
  const lines = [`loop-probe-origin ${performance.timeOrigin}`, `argv ${process.argv.slice(1).join(' ')}`];
  startProbe((w) => lines.push(windowLine(w)), Number(process.env.LOOP_PROBE_WINDOW_MS ?? 20));
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      lines.push(`gc ${(performance.timeOrigin + e.startTime).toFixed(1)} ${f3(e.duration)} ${e.detail?.kind ?? 0}`);
    }
  }).observe({ entryTypes: ['gc'] });
  const script = basename(process.argv[1] ?? 'node').replace(/[^\w.-]/g, '_');
  process.on('exit', () => {
    writeFileSync(
      `${process.env.LOOP_PROBE_DIR}/probe-${process.pid}-${threadId}-${script}.log`,
      `${lines.join('\n')}\n`,
    );
  });
} else if (isMainThread && process.env.LOOP_PROBE_PRINT === '1') {
  // Worker threads inherit --import; only the main thread is probed.
  process.stdout.write(`loop-probe-origin ${performance.timeOrigin}\n`);
  startProbe(
    (w) => process.stdout.write(`${windowLine(w)}\n`),
    Number(process.env.LOOP_PROBE_WINDOW_MS ?? 250),
    Number(process.env.LOOP_PROBE_RESOLUTION_MS ?? 1),
  );
  if (process.env.HEAP_SAMPLE_OUT) await sampleHeap(process.env.HEAP_SAMPLE_OUT);
}

// HEAP_SAMPLE_OUT=file: sample allocations (the collected ones too, which --heap-prof leaves
// out) from HEAP_SAMPLE_AFTER_MS after start for HEAP_SAMPLE_FOR_MS, and write the
// .heapprofile there; bench/broker/heap-top.mjs sums it by function.
async function sampleHeap(out) {
  const { Session } = await import('node:inspector');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  const after = Number(process.env.HEAP_SAMPLE_AFTER_MS ?? 5000);
  const span = Number(process.env.HEAP_SAMPLE_FOR_MS ?? 5000);
  setTimeout(() => {
    session.post('HeapProfiler.enable');
    session.post('HeapProfiler.startSampling', {
      samplingInterval: Number(process.env.HEAP_SAMPLE_INTERVAL ?? 4096),
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    setTimeout(() => {
      session.post('HeapProfiler.stopSampling', (err, r) => {
        if (err) process.stdout.write(`loop-probe heap sampling failed: ${err.message}\n`);
        else writeFileSync(out, JSON.stringify(r.profile));
      });
    }, span).unref();
  }, after).unref();
}
