#!/usr/bin/env node
// kill -9 trials of an mqbroker process while timer messages are sent, filed and fired
// (issue 12). Build first: npm run build
// usage: node bench/timer/crash-trials.mjs [trials=20] [messagesPerTrial=400] [minKillMs=150] [maxKillMs=2000] [maxDelayMs=3000]
// Passes when every acknowledged timer is stored in its topic at least once and none before
// the time it asked for (precision 100 ms, see TIMER_CRASH_BROKER_CONF).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTimerCrashTrials } from '../../packages/broker/dist/tests/integration/timer-crash-harness.js';

const [trials = 20, messagesPerTrial = 400, minKillMs = 150, maxKillMs = 2000, maxDelayMs = 3000] = process.argv
  .slice(2)
  .map(Number);
const dir = await mkdtemp(join(tmpdir(), 'rmq-timer-crash-'));
const t0 = Date.now();
let failed = false;
try {
  const r = await runTimerCrashTrials(join(dir, 'broker'), {
    trials,
    messagesPerTrial,
    minKillMs,
    maxKillMs,
    maxDelayMs,
    drainMs: 60_000,
    log: (line) => console.log(line),
  });
  console.log(
    `${r.kills} kills: ${r.produced} acknowledged timers, ${r.stored} stored, ${r.lost.length} lost, ` +
      `${r.early.length} early, ${r.duplicates} duplicates, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  if (r.lost.length > 0 || r.early.length > 0) {
    failed = true;
    console.log(`LOST: ${r.lost.slice(0, 20).join(' ')}`);
    console.log(`EARLY: ${r.early.slice(0, 20).join('; ')} (data kept in ${dir})`);
  }
} finally {
  if (!failed) await rm(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
