#!/usr/bin/env node
// Many kill -9 trials of a SYNC_FLUSH writer process against one store directory.
// Build first: npx tsc -b packages/store
// usage: node bench/store/crash-trials.mjs [trials=100] [minKillMs=50] [maxKillMs=600] [keepDir]
// keepDir: the crash image before each recovery is copied there; on a failure it is kept and
// the recovery log printed (default <tmpdir>/rmq-crash-failed-<pid>, removed when all pass).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTrials } from '../../packages/store/dist/tests/integration/crash-harness.js';

const trials = Number(process.argv[2] ?? 100);
const minMs = Number(process.argv[3] ?? 50);
const maxMs = Number(process.argv[4] ?? 600);
const keepDir = process.argv[5] ?? join(tmpdir(), `rmq-crash-failed-${process.pid}`);
// Trials run in rounds of 10 kills on one directory (each restart recovers the previous
// crash image and all earlier acknowledgements are re-checked), then a fresh directory.
const ROUND = 10;
const t0 = Date.now();
let failures = 0;
let truncations = 0;
let shortSegments = 0;
let maxRecovery = 0;
let totalRecovery = 0;
const results = [];
let acked = 0;
try {
  for (let done = 0; done < trials; done += ROUND) {
    const dir = await mkdtemp(join(tmpdir(), 'rmq-crash-trials-'));
    try {
      const round = await runTrials(
        dir,
        Math.min(ROUND, trials - done),
        () => minMs + Math.floor(Math.random() * (maxMs - minMs)),
        (n, r, fresh) => {
          if (r.truncated) truncations++;
          shortSegments += r.shortSegments;
          maxRecovery = Math.max(maxRecovery, r.recoveryMs);
          totalRecovery += r.recoveryMs;
          const k = done + n + 1;
          if (k % 10 === 0 || k === trials) {
            console.log(
              `trial ${k}/${trials}: +${fresh} acks, ${r.acked} acked in this dir, ${r.stored} stored, logEnd ${r.logEnd}, recovery ${r.recoveryMs.toFixed(1)} ms`,
            );
          }
        },
        keepDir,
      );
      results.push(...round);
      acked += round[round.length - 1]?.acked ?? 0;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  await rm(keepDir, { recursive: true, force: true });
} catch (e) {
  failures++;
  console.error('TRIAL FAILED:', e);
}
console.log(
  JSON.stringify({
    trials: results.length,
    requested: trials,
    failures,
    ackedVerified: acked,
    truncatedTails: truncations,
    shortSegmentsAfterKill: shortSegments,
    recoveryMsAvg: results.length ? +(totalRecovery / results.length).toFixed(1) : 0,
    recoveryMsMax: +maxRecovery.toFixed(1),
    seconds: (Date.now() - t0) / 1000,
  }),
);
process.exit(failures > 0 ? 1 : 0);
