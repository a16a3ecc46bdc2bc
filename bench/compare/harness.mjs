// The measuring side of the comparison: one harness for every target.
//
// A target is an object { name, version(), prepare(topic), produce(n, opts), consume(n, opts), close() }:
//   produce resolves once the broker has acknowledged all n messages (it uses pump() for the window),
//   consume resolves once n messages were received and acknowledged / committed.
// The latency phase runs the consumer in a worker thread (latency-worker.mjs) with its own target
// instance and connections, so producer and consumer do not share an event loop.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';

const nowMs = () => performance.now();
/** CLOCK_MONOTONIC, the same in every thread: the latency stamp. */
export const nowNs = () => process.hrtime.bigint();

/**
 * Sends n messages keeping at most `inflight` unacknowledged; with `rate` > 0 it also paces to
 * `rate` msg/s. sendOne(i) returns a promise that resolves when message i is acknowledged.
 */
export async function pump(n, { inflight = 128, rate = 0 }, sendOne) {
  let sent = 0;
  let acked = 0;
  let failed = null;
  let waiter = null;
  let maxLagMs = 0;
  const wake = () => {
    if (waiter) {
      const w = waiter;
      waiter = null;
      w();
    }
  };
  const onAck = () => {
    acked++;
    wake();
  };
  const onFail = (e) => {
    failed ??= e;
    wake();
  };
  const t0 = nowMs();
  while (sent < n) {
    if (failed) throw failed;
    if (sent - acked >= inflight) {
      await new Promise((r) => {
        waiter = r;
      });
      continue;
    }
    if (rate > 0) {
      const elapsed = nowMs() - t0;
      if (sent >= Math.floor((elapsed * rate) / 1000) + 1) {
        await sleep(1);
        continue;
      }
      maxLagMs = Math.max(maxLagMs, elapsed - (sent * 1000) / rate);
    }
    sendOne(sent++).then(onAck, onFail);
  }
  while (acked < n) {
    if (failed) throw failed;
    await new Promise((r) => {
      waiter = r;
    });
  }
  return { maxLagMs };
}

/** Races `p` against a deadline so that no phase can hang the run. */
export async function withDeadline(p, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i];
}

/** 1024 random payloads of `size` bytes, reused round-robin (random so nothing compresses). */
export function payloadPool(size) {
  const pool = [];
  for (let i = 0; i < 1024; i++) pool.push(randomBytes(size));
  return pool;
}

let clockTicks = 0;
function ticksPerSecond() {
  if (clockTicks === 0) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** RSS, peak RSS (VmHWM) in MiB and CPU seconds (utime + stime) of a process, or null if it is gone. */
export function procStats(pid) {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    // Field 2 (comm) may hold spaces: split after its closing parenthesis; utime, stime are fields 14, 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024, cpuS: ticks / ticksPerSecond() };
  } catch {
    return null;
  }
}

/** Polls a server process every 250 ms so that the peak RSS is known even where VmHWM is not kept. */
export class ProcWatch {
  constructor(pid) {
    this.pid = pid;
    this.peakMiB = 0;
    this.timer = setInterval(() => this.sample(), 250);
    this.timer.unref();
    this.sample();
  }
  sample() {
    const s = procStats(this.pid);
    if (s) this.peakMiB = Math.max(this.peakMiB, s.rssMiB, s.hwmMiB);
    return s;
  }
  stop() {
    clearInterval(this.timer);
    return this.sample();
  }
}

const cpuDelta = (a, b) => (a && b ? b.cpuS - a.cpuS : null);
const cpuSeconds = (u) => (u.user + u.system) / 1e6;

/**
 * Produce phase: n messages as fast as the in-flight window allows, through target[method]
 * ('produce', or 'produceUnbatched' for rocketmq-ts with auto-batching off).
 */
export async function producePhase(target, { topic, n, size, inflight, pool, pid, deadlineMs }, method = 'produce') {
  const s0 = procStats(pid);
  const c0 = process.cpuUsage();
  const t0 = nowMs();
  await withDeadline(
    target[method](n, { topic, size, inflight, rate: 0, payload: (i) => pool[i & 1023] }),
    deadlineMs,
    `${target.name} ${method}`,
  );
  const secs = (nowMs() - t0) / 1000;
  return {
    secs,
    msgsPerSec: n / secs,
    MBps: (n * size) / secs / 1e6,
    serverCpuS: cpuDelta(s0, procStats(pid)),
    clientCpuS: cpuSeconds(process.cpuUsage(c0)),
  };
}

/** Consume phase: everything produced before, received and acknowledged through the durable consumer API. */
export async function consumePhase(target, { topic, n, size, batch, pid, deadlineMs }) {
  let bytes = 0;
  let count = 0;
  const s0 = procStats(pid);
  const c0 = process.cpuUsage();
  const t0 = nowMs();
  await withDeadline(
    target.consume(n, {
      topic,
      batch,
      onMessage: (b) => {
        bytes += b.length;
        count++;
      },
    }),
    deadlineMs,
    `${target.name} consume`,
  );
  const secs = (nowMs() - t0) / 1000;
  if (count < n || bytes < n * size)
    throw new Error(`${target.name}: consumed ${count} msgs / ${bytes} B, expected ${n}`);
  return {
    secs,
    msgsPerSec: n / secs,
    MBps: bytes / secs / 1e6,
    serverCpuS: cpuDelta(s0, procStats(pid)),
    clientCpuS: cpuSeconds(process.cpuUsage(c0)),
  };
}

/**
 * End-to-end latency at a fixed rate: the consumer runs in a worker thread; each payload carries its
 * send time (ns) and sequence number. The first `warmupS` seconds are sent but not counted.
 */
export async function latencyPhase(
  target,
  spec,
  { topic, size, rate, durS, warmupS, batch, pool, pid, deadlineMs, latDump },
) {
  const warm = Math.round(rate * warmupS);
  const total = Math.round(rate * durS) + warm;
  await target.prepare(topic);
  const worker = new Worker(new URL('./latency-worker.mjs', import.meta.url), {
    workerData: { spec, topic, n: total, batch, deadlineMs },
  });
  const ready = new Promise((resolve, reject) => {
    worker.on('message', (m) => m.type === 'ready' && resolve());
    worker.once('error', reject);
  });
  const done = new Promise((resolve, reject) => {
    worker.on('message', (m) => m.type === 'done' && resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`latency worker exited with ${code}`)));
  });
  try {
    await withDeadline(ready, 30_000, `${target.name} latency consumer start`);
    const s0 = procStats(pid);
    const t0 = nowMs();
    const r = await withDeadline(
      target.produce(total, {
        topic,
        size,
        inflight: 1024,
        rate,
        payload: (i) => {
          const b = Buffer.allocUnsafe(size);
          pool[i & 1023].copy(b);
          b.writeUInt32LE(i, 8);
          b.writeBigUInt64LE(nowNs(), 0);
          return b;
        },
      }),
      deadlineMs,
      `${target.name} latency produce`,
    );
    const sendSecs = (nowMs() - t0) / 1000;
    const { lat, seq } = await withDeadline(done, deadlineMs, `${target.name} latency consume`);
    const serverCpuS = cpuDelta(s0, procStats(pid));
    const counted = [];
    for (let i = 0; i < lat.length; i++) if (seq[i] >= warm) counted.push(lat[i]);
    const sorted = Float64Array.from(counted).sort();
    if (latDump) {
      // seq (send order: sent at about seq / rate s), latency ms; in receive order
      const lines = ['seq,lat_ms'];
      for (let i = 0; i < lat.length; i++) lines.push(`${seq[i]},${lat[i].toFixed(3)}`);
      writeFileSync(latDump, `${lines.join('\n')}\n`);
    }
    return {
      msgs: sorted.length,
      achievedRate: total / sendSecs,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      p999: percentile(sorted, 0.999),
      max: sorted[sorted.length - 1],
      producerMaxLagMs: r?.maxLagMs ?? null,
      serverCpuS,
    };
  } finally {
    await worker.terminate();
  }
}

/** Runs the selected phases against one started server; returns the result row. */
export async function measure(target, spec, server, cfg) {
  const pool = payloadPool(cfg.size);
  const pid = server.pid;
  const tag = `bench${Date.now().toString(36)}`;
  const row = { target: spec.label, version: await target.version(), pid, idle: null };
  await sleep(cfg.settleMs);
  row.idle = procStats(pid);
  const watch = new ProcWatch(pid);
  const common = { size: cfg.size, pool, pid, deadlineMs: cfg.phaseDeadlineMs };
  const thr = `${tag}_thr`;
  // Untimed produce on a topic of its own before each timed produce: a fresh server (and a
  // just-built client path) runs its first thousands of messages unoptimised by the JIT, and a
  // 50,000-message phase would otherwise measure that as much as the steady state.
  const warmUp = async (method) => {
    if (!cfg.warmupN) return;
    const topic = `${tag}_warm_${method}`;
    await target.prepare(topic);
    const o = { topic, size: cfg.size, inflight: cfg.inflight, rate: 0, payload: (i) => pool[i & 1023] };
    await withDeadline(target[method](cfg.warmupN, o), cfg.phaseDeadlineMs, `${target.name} warm-up`);
  };
  if (cfg.phases.includes('produce')) {
    await warmUp('produce');
    // The consume path warms up the same way: the warm-up messages are consumed (untimed, by a
    // consumer of their own) before the timed consume phase.
    if (cfg.warmupN && cfg.phases.includes('consume')) {
      const o = { topic: `${tag}_warm_produce`, batch: cfg.batch, onMessage: () => {} };
      await withDeadline(target.consume(cfg.warmupN, o), cfg.phaseDeadlineMs, `${target.name} consume warm-up`);
    }
  }
  const cpu0 = procStats(pid);
  let offCpuS = 0;
  try {
    if (cfg.phases.includes('produce')) {
      await target.prepare(thr);
      row.produce = await producePhase(target, { ...common, topic: thr, n: cfg.n, inflight: cfg.inflight });
      log(cfg, `  produce ${cfg.n} x ${cfg.size} B: ${fmtNum(row.produce.msgsPerSec)} msg/s`);
    }
    if (cfg.phases.includes('consume')) {
      row.consume = await consumePhase(target, { ...common, topic: thr, n: cfg.n, batch: cfg.batch });
      log(cfg, `  consume ${cfg.n}: ${fmtNum(row.consume.msgsPerSec)} msg/s`);
    }
    if (cfg.phases.includes('unbatched') && target.produceUnbatched) {
      const before = procStats(pid);
      await warmUp('produceUnbatched');
      const off = `${tag}_off`;
      await target.prepare(off);
      const o = { ...common, topic: off, n: cfg.n, inflight: cfg.inflight };
      row.produceUnbatched = await producePhase(target, o, 'produceUnbatched');
      log(cfg, `  produce, autoBatch off: ${fmtNum(row.produceUnbatched.msgsPerSec)} msg/s`);
      offCpuS = cpuDelta(before, procStats(pid)) ?? 0;
    }
    if (cfg.phases.includes('latency')) {
      row.latency = await latencyPhase(target, spec, {
        ...common,
        topic: `${tag}_lat`,
        rate: cfg.rate,
        durS: cfg.latencyS,
        warmupS: cfg.warmupS,
        batch: cfg.batch,
        latDump: cfg.latDumpDir ? path.join(cfg.latDumpDir, `${spec.label.replace(/[^A-Za-z0-9_-]/g, '_')}.csv`) : null,
      });
      const L = row.latency;
      log(
        cfg,
        `  latency @${cfg.rate}/s: p50 ${L.p50.toFixed(2)} p99 ${L.p99.toFixed(2)} p999 ${L.p999.toFixed(2)} ms`,
      );
    }
  } finally {
    const end = watch.stop();
    row.peakMiB = Math.max(watch.peakMiB, end?.hwmMiB ?? 0);
    // The extra autoBatch-off produce phase (and its warm-up) is reported on its own line, not
    // in the target's total.
    row.serverCpuS = cpuDelta(cpu0, end);
    if (row.serverCpuS !== null) row.serverCpuS -= offCpuS;
  }
  return row;
}

export const fmtNum = (x, digits = 0) =>
  typeof x === 'number' && Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';

function log(cfg, line) {
  if (!cfg.silent) console.log(line);
}
