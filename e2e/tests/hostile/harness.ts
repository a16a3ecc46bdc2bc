// Runs abuses against every port of a server process, one at a time, with the normal client
// probing meanwhile; one row per (abuse, port). Used by hostile-clients.test.ts (short
// durations) and scripts/hostile-clients.mjs (by hand, longer).
import { ABUSES, type Abuse, type AbuseResult } from './abuse.js';
import { createTopic, fillTopic, missingFrom, type ProbeStats, startProbe } from './probe.js';
import { type ServerProcess, type ServerProcessOptions, startServerProcess, type Target } from './server-process.js';

export interface HarnessOptions {
  durationMs: number;
  connections: number;
  bombMiB: number;
  /** Only abuses whose name contains one of these (all when empty). */
  only?: string[];
  /** Only ports with these names (all when empty). */
  targets?: string[];
  server?: ServerProcessOptions;
  /**
   * MiB of 8 KiB messages put in the data topic before the abuses (default 1). Above the
   * broker's 64 MiB CommitLog write cache, the oldest ones are read from disk, so every pull
   * of them allocates its answer (the costly case for non-reading clients).
   */
  fillMiB?: number;
  /** Wait after each abuse before reading the RSS "after" (GC, closes). Default 1000 ms. */
  settleMs?: number;
  /** Called after each row (progress for hand runs). */
  onRow?: (row: HarnessRow) => void;
}

export interface HarnessRow {
  abuse: string;
  target: string;
  result: AbuseResult | undefined;
  /** Thrown by the abuse itself (a harness bug, not a server failure). */
  abuseError: string | undefined;
  probe: ProbeStats;
  /** The server's exit code/signal if it died during this abuse. */
  serverExit: string | undefined;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  rssAfterMiB: number;
}

export interface HarnessReport {
  rows: HarnessRow[];
  /** Acknowledged probe messages no consumer could read afterwards. */
  missing: string[];
  acked: number;
  targets: Target[];
  stderr: string;
}

export const PROBE_TOPIC = 'HostileProbe';
export const DATA_TOPIC = 'HostileData';
export const DATA_GROUP = 'HostileGroup';

function selected(abuse: Abuse, only: string[] | undefined): boolean {
  return only === undefined || only.length === 0 || only.some((o) => abuse.name.includes(o));
}

export async function runHarness(options: HarnessOptions): Promise<HarnessReport> {
  const server: ServerProcess = await startServerProcess(options.server);
  try {
    await createTopic(server.namesrvAddr, PROBE_TOPIC);
    await createTopic(server.namesrvAddr, DATA_TOPIC);
    // At least 32 messages of 8 KiB per queue: every pull at offset 0 answers 256 KiB.
    await fillTopic(server.namesrvAddr, DATA_TOPIC, Math.max(1, options.fillMiB ?? 1) * 128, 8 * 1024);
    const rows: HarnessRow[] = [];
    const acked: string[] = [];
    const targets = server.targets.filter(
      (t) => options.targets === undefined || options.targets.length === 0 || options.targets.includes(t.name),
    );
    for (const abuse of ABUSES.filter((a) => selected(a, options.only))) {
      for (const target of targets.filter((t) => abuse.appliesTo(t))) {
        if (server.exited() !== undefined) break;
        const rssBefore = await server.rssMiB();
        let peak = rssBefore;
        const sampler = setInterval(() => {
          server
            .rssMiB()
            .then((v) => {
              peak = Math.max(peak, v);
            })
            .catch(() => {});
        }, 100);
        const probe = await startProbe(server.namesrvAddr, PROBE_TOPIC, 10, `${abuse.name.length}-${target.name}`);
        let result: AbuseResult | undefined;
        let abuseError: string | undefined;
        try {
          result = await abuse.run({
            target,
            durationMs: options.durationMs,
            connections: options.connections,
            topic: DATA_TOPIC,
            group: DATA_GROUP,
            bombMiB: options.bombMiB,
          });
        } catch (err) {
          abuseError = err instanceof Error ? err.message : String(err);
        }
        const stats = await probe.stop();
        clearInterval(sampler);
        acked.push(...stats.acked);
        await new Promise((r) => setTimeout(r, options.settleMs ?? 1000));
        const exit = server.exited();
        const row: HarnessRow = {
          abuse: abuse.name,
          target: target.name,
          result,
          abuseError,
          probe: stats,
          serverExit: exit,
          rssBeforeMiB: rssBefore,
          rssPeakMiB: peak,
          rssAfterMiB: exit === undefined ? await server.rssMiB() : Number.NaN,
        };
        rows.push(row);
        options.onRow?.(row);
      }
    }
    const missing = server.exited() === undefined ? await missingFrom(server.namesrvAddr, PROBE_TOPIC, acked) : acked;
    return { rows, missing, acked: acked.length, targets, stderr: server.stderr() };
  } finally {
    await server.stop();
  }
}

/** The report as a markdown table. */
export function formatRows(rows: readonly HarnessRow[]): string {
  const f = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
  const out = [
    '| abuse | port | requests | answers | closed by server | probe sent/failed | probe p50 / p99 / max ms | RSS before / peak / after MiB | server |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.abuse} | ${r.target} | ${r.result?.requests ?? '-'} | ${r.result?.responses ?? '-'} | ${r.result?.closedByServer ?? '-'} | ` +
        `${r.probe.sent}/${r.probe.failed} | ${f(r.probe.p50Ms)} / ${f(r.probe.p99Ms)} / ${f(r.probe.maxMs)} | ` +
        `${f(r.rssBeforeMiB)} / ${f(r.rssPeakMiB)} / ${f(r.rssAfterMiB)} | ${r.serverExit === undefined ? 'up' : `exited ${r.serverExit}`}${r.abuseError ? ` (abuse failed: ${r.abuseError})` : ''} |`,
    );
  }
  return out.join('\n');
}
