#!/usr/bin/env node
// Many kill -9 trials of a SYNC_FLUSH writer process against one store directory.
// Build first: npx tsc -b packages/store
// usage: node bench/store/crash-trials.mjs [trials=100] [minKillMs=50] [maxKillMs=600]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTrials } from '../../packages/store/dist/tests/integration/crash-harness.js';

const trials = Number(process.argv[2] ?? 100);
const minMs = Number(process.argv[3] ?? 50);
const maxMs = Number(process.argv[4] ?? 600);
const dir = await mkdtemp(join(tmpdir(), 'rmq-crash-trials-'));
const t0 = Date.now();
let failures = 0;
let truncations = 0;
let maxRecovery = 0;
let totalRecovery = 0;
let results = [];
try {
  results = await runTrials(
    dir,
    trials,
    () => minMs + Math.floor(Math.random() * (maxMs - minMs)),
    (n, r, fresh) => {
      if (r.truncated) truncations++;
      maxRecovery = Math.max(maxRecovery, r.recoveryMs);
      totalRecovery += r.recoveryMs;
      if ((n + 1) % 10 === 0 || n === trials - 1) {
        console.log(
          `trial ${n + 1}/${trials}: +${fresh} acks, ${r.acked} acked total, ${r.stored} stored, logEnd ${r.logEnd}, recovery ${r.recoveryMs.toFixed(1)} ms`,
        );
      }
    },
  );
} catch (e) {
  failures++;
  console.error('TRIAL FAILED:', e);
} finally {
  await rm(dir, { recursive: true, force: true });
}
const last = results[results.length - 1];
console.log(
  JSON.stringify({
    trials: results.length,
    requested: trials,
    failures,
    ackedTotal: last?.acked ?? 0,
    storedTotal: last?.stored ?? 0,
    truncatedTails: truncations,
    recoveryMsAvg: results.length ? +(totalRecovery / results.length).toFixed(1) : 0,
    recoveryMsMax: +maxRecovery.toFixed(1),
    seconds: (Date.now() - t0) / 1000,
  }),
);
process.exit(failures > 0 ? 1 : 0);
