// The hostile-client harness in its bounded form (issue 18): every abuse against every port
// of a spawned `rocketmq-ts start` (NameServer, broker, fast port, HA, gRPC proxy, dashboard)
// and of an `mqcontroller`, for a fraction of a second each, our SDK producing throughout. Per abuse: the server survives, the normal client's sends all succeed with a
// bounded latency, and afterwards every acknowledged message is readable. Longer runs with
// RSS and latency figures: scripts/hostile-clients.mjs.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ABUSES } from './hostile/abuse.js';
import { formatRows, type HarnessReport, runHarness } from './hostile/harness.js';

/** Generous: this runs on a loaded 2-core CI box; the hand script measures the real tail. */
const MAX_PROBE_LATENCY_MS = 3000;

/**
 * Abuses the server does not withstand yet, with the work that fixes them; they run and
 * report as todo until then. Remove an entry once its abuse passes.
 */
const AWAITING: Record<string, string> = {};

/**
 * Abuses whose every request the server refuses or answers at once (issue 18: a HEART_BEAT
 * of 100,000 consumer groups stalled the broker ~5.7 s, the probe's sends timing out). On
 * the NameServer's and broker's ports the probe's median must stay under the 50 ms
 * and its slowest send under MAX_STALL_MS. Its p99 (with ~10 sends in the window, the
 * slowest) is left to the hand script: on a shared 2-core machine at a load of 15-20 an idle
 * process's own event loop waits 30-80 ms for the CPU. (The NameServer port's 1-2 s pause of
 * the last stop was the harness's own: it built the huge frames while a probe send was in
 * flight in the same process. The probe now runs in a process of its own.)
 */
const BOUNDED_ABUSES = new Set(['huge strings and counts']);
const BOUNDED_TARGETS = new Set(['namesrv', 'broker', 'broker-fast']);
const MAX_MEDIAN_MS = 50;
const MAX_STALL_MS = 500;

describe('hostile clients (issue 18)', () => {
  let report: HarnessReport;
  before(async () => {
    report = await runHarness({ durationMs: 300, connections: 2, bombMiB: 64, fillMiB: 1, settleMs: 100 });
  });

  it('runs against every port: NameServer, broker, fast port, HA, gRPC proxy, dashboard, controller', () => {
    assert.deepEqual(
      report.targets.map((t) => t.name),
      ['namesrv', 'broker', 'broker-fast', 'ha', 'proxy', 'dashboard', 'controller'],
    );
  });

  for (const abuse of ABUSES) {
    const todo = AWAITING[abuse.name];
    it(`survives "${abuse.name}" with the normal client working`, todo ? { todo } : {}, () => {
      const rows = report.rows.filter((r) => r.abuse === abuse.name);
      assert.ok(rows.length > 0, 'the abuse ran');
      for (const r of rows) {
        const where = `${abuse.name} on ${r.target}:\n${formatRows([r])}`;
        assert.equal(r.abuseError, undefined, where);
        assert.equal(r.serverExit, undefined, `server died: ${where}\n${report.stderr.slice(-2000)}`);
        assert.ok(r.portAnswers, `the port no longer answers a normal request: ${where}`);
        assert.equal(r.probe.failed, 0, `probe sends failed (${r.probe.errors.join('; ')}): ${where}`);
        assert.ok(r.probe.sent > 0, `probe sent nothing: ${where}`);
        assert.ok(r.probe.maxMs <= MAX_PROBE_LATENCY_MS, `probe latency: ${where}`);
        if (BOUNDED_ABUSES.has(abuse.name) && BOUNDED_TARGETS.has(r.target)) {
          assert.ok(r.probe.p50Ms <= MAX_MEDIAN_MS, `probe median over ${MAX_MEDIAN_MS} ms: ${where}`);
          assert.ok(r.probe.maxMs <= MAX_STALL_MS, `probe stalled over ${MAX_STALL_MS} ms: ${where}`);
        }
      }
    });
  }

  it('can read every message acknowledged during the abuses', () => {
    assert.ok(report.acked > 0);
    assert.deepEqual(report.missing, []);
  });
});
