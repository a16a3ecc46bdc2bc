#!/usr/bin/env node
// kill -9 trials of an mqbroker process in the middle of sends, pops and acks (issue 11).
// Build first: npx tsc -b packages/broker
// usage: node bench/broker/pop-crash-trials.mjs [trials=20] [messagesPerTrial=300] [consumers=8] [minKillMs=200] [maxKillMs=1500]
// Passes when every message whose send was acknowledged is acked by a consumer at least once
// and no message acked in time is delivered and acked again (duplicates only from late acks).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPopCrashTrials } from '../../packages/broker/dist/tests/integration/pop-crash-harness.js';

const [trials = 20, messagesPerTrial = 300, consumers = 8, minKillMs = 200, maxKillMs = 1500] = process.argv
  .slice(2)
  .map(Number);
const dir = await mkdtemp(join(tmpdir(), 'rmq-pop-crash-'));
const t0 = Date.now();
let failed = false;
try {
  const r = await runPopCrashTrials(dir, {
    trials,
    messagesPerTrial,
    consumers,
    minKillMs,
    maxKillMs,
    drainMs: 120_000,
    log: (line) => console.log(line),
  });
  console.log(
    `${r.kills} kills: ${r.produced} produced, ${r.acked} acked, ${r.lost.length} lost, ` +
      `${r.deliveries} deliveries, ${r.duplicateAcks} duplicate acks (${r.lateDuplicateAcks} late: acked after ` +
      `their invisible time, in flight; ${r.redeliveredAfterAck.length} acked in time and delivered again), ` +
      `${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  if (r.redeliveredAfterAck.length > 0) {
    failed = true;
    console.log(`ACKED THEN REDELIVERED: ${r.redeliveredAfterAck.slice(0, 20).join(' ')}`);
  }
  if (r.lost.length > 0) {
    failed = true;
    console.log(`LOST: ${r.lost.slice(0, 20).join(' ')}${r.lost.length > 20 ? ' ...' : ''} (data kept in ${dir})`);
  }
} finally {
  if (!failed) await rm(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
