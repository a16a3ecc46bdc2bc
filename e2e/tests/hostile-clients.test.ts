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

/**
 * Eight connections pipeline pulls of records the broker reads from disk (the data restarted
 * out of the write cache) and never read the answers: ~8 MiB of answers each before their
 * sockets stop the flow. A producer on the same broker stalled 0.3-2.6 s at the start of such
 * a flood (p99 1,063 ms over 10 s on a loaded 2-core box): each pull read a span of 1 MiB
 * into a buffer of its own and copied its records out on the event loop, and every read came
 * back at once. Reads now scatter into the answer's own buffer, a few at a time
 * (file-store-reader.ts). The hand form: scripts/hostile-clients.mjs --only 'non-reading
 * clients pipelining pulls' --targets broker --duration 10 --connections 8 --fill-mib 96.
 */
describe('hostile clients: non-reading connections pipelining pulls of cold data', () => {
  /** Well under the old stalls, with room for a loaded CI box (an idle process waits 30-80 ms there). */
  const MAX_P99_MS = 500;
  let report: HarnessReport;
  before(async () => {
    report = await runHarness({
      only: ['non-reading clients pipelining pulls'],
      targets: ['broker'],
      // 5 s: on a loaded box the probe manages ~200 sends, so its p99 is not just its slowest.
      durationMs: 5000,
      connections: 8,
      bombMiB: 1,
      fillMiB: 16,
      coldData: true,
      settleMs: 200,
      server: { controller: false },
    });
  });

  it('answers every send of a normal producer on the same broker, p99 within the bound', () => {
    const [row] = report.rows;
    assert.ok(row, 'the abuse ran');
    const where = formatRows([row]);
    assert.equal(row.serverExit, undefined, `server died: ${where}\n${report.stderr.slice(-2000)}`);
    assert.equal(row.abuseError, undefined, where);
    assert.equal(row.probe.failed, 0, `probe sends failed (${row.probe.errors.join('; ')}): ${where}`);
    assert.ok(row.probe.sent > 20, `probe sent too little: ${where}`);
    // Each send waits for the one before: at most the last one is still unanswered.
    assert.ok(row.probe.acked.length >= row.probe.sent - 1, `sends not acknowledged: ${where}`);
    const slow = row.probe.slow.map(([at, ms]) => `${ms} ms at +${at}`).join(', ');
    assert.ok(row.probe.p99Ms <= MAX_P99_MS, `probe p99 over ${MAX_P99_MS} ms (slow sends: ${slow}): ${where}`);
    assert.ok(row.portAnswers, `the broker port no longer answers: ${where}`);
  });

  it('can read every message acknowledged during the flood', () => {
    assert.ok(report.acked > 0);
    assert.deepEqual(report.missing, []);
  });
});
