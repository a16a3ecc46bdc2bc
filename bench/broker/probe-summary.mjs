#!/usr/bin/env node
// Sums up the logs loop-probe.mjs writes with LOOP_PROBE_DIR, one row per process/thread:
// event-loop stalls (20 ms windows whose worst delay passed 3 ms, i.e. 2 ms beyond the 1 ms
// tick), how many of them the thread spent waiting for a CPU (run-queue wait >= 2 ms in the
// window: main threads only), total run-queue wait, and its GC pauses. Only windows between
// the first and last loaded window (p50 sample count steady) are not singled out: pass
// --from/--to epoch ms to cut a phase.
//   LOOP_PROBE_DIR=/tmp/probe NODE_OPTIONS="--import=$PWD/bench/broker/loop-probe.mjs" <bench>
//   node bench/broker/probe-summary.mjs /tmp/probe [--from ms] [--to ms]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { from: { type: 'string', default: '0' }, to: { type: 'string', default: 'Infinity' } },
});
const dir = positionals[0] ?? '/tmp/probe';
const from = Number(values.from);
const to = Number(values.to);
console.log(
  '| process | seconds | stall windows | of which waiting for CPU | run-queue wait s | worst delay ms | GC pauses | GC ms | worst GC ms | GC pauses > 1 ms |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const file of readdirSync(dir)
  .filter((f) => f.startsWith('probe-'))
  .sort()) {
  const lines = readFileSync(join(dir, file), 'utf8').split('\n');
  const argv = (lines.find((l) => l.startsWith('argv ')) ?? '').slice(5);
  const windows = [];
  const gcs = [];
  for (const l of lines) {
    const p = l.split(' ');
    if (p[0] === 'loop-probe') {
      const [t, , , max, , waitMs] = p.slice(1).map(Number);
      if (t >= from && t <= to) windows.push({ t, max, waitMs });
    } else if (p[0] === 'gc') {
      const [t, ms] = p.slice(1).map(Number);
      if (t >= from && t <= to) gcs.push(ms);
    }
  }
  if (windows.length === 0) continue;
  const stalls = windows.filter((w) => w.max > 3);
  const name = `${file.replace(/^probe-|\.log$/g, '')} ${argv.split(' ').slice(1, 3).join(' ')}`.slice(0, 60);
  const secs = (windows.at(-1).t - windows[0].t) / 1000;
  console.log(
    `| ${name} | ${secs.toFixed(1)} | ${stalls.length} | ${stalls.filter((w) => w.waitMs >= 2).length} | ${(windows.reduce((a, w) => a + w.waitMs, 0) / 1000).toFixed(2)} | ${Math.max(...windows.map((w) => w.max)).toFixed(1)} | ${gcs.length} | ${gcs.reduce((a, b) => a + b, 0).toFixed(0)} | ${Math.max(0, ...gcs).toFixed(1)} | ${gcs.filter((g) => g > 1).length} |`,
  );
}
