// Runs abuses against every port of a server process, one at a time, with the normal client
// probing meanwhile; one row per (abuse, port). Used by hostile-clients.test.ts (short
// durations) and scripts/hostile-clients.mjs (by hand, longer).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ABUSES, type Abuse, type AbuseContext, type AbuseResult, portAnswers } from './abuse.js';
import {
  createTopic,
  fillTopic,
  missingFrom,
  type ProbeProcess,
  type ProbeStats,
  startProbeProcess,
  waitForRoute,
} from './probe.js';
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
  /**
   * Restart the server on its files after the fill, so that every message of the data topic
   * is out of the new broker's write cache and each pull reads the disk, whatever fillMiB.
   */
  coldData?: boolean;
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
  /** Whether the abused port answered a normal request after the abuse. */
  portAnswers: boolean;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  rssAfterMiB: number;
  /** How long the abuse (and the settle wait) took. */
  ms: number;
  /** Whether its acknowledged messages were checked yet (internal). */
  checked: boolean;
}

export interface HarnessReport {
  rows: HarnessRow[];
  /** Acknowledged probe messages no consumer could read afterwards. */
  missing: string[];
  /** Acknowledged by a server that then died (its rows say so): not checked. */
  unchecked: number;
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

/** A server process with the topics the abuses and the probe use, and the probe running. */
async function prepare(
  options: HarnessOptions,
  dirs: string[],
): Promise<{ server: ServerProcess; probe: ProbeProcess }> {
  const dir = options.coldData ? await mkdtemp(join(tmpdir(), 'rmq-hostile-cold-')) : undefined;
  if (dir !== undefined) dirs.push(dir);
  const serverOptions = { ...options.server, ...(dir !== undefined ? { dir } : {}) };
  let server = await startServerProcess(serverOptions);
  try {
    await createTopic(server.namesrvAddr, PROBE_TOPIC);
    await createTopic(server.namesrvAddr, DATA_TOPIC);
    // At least 32 messages of 8 KiB per queue: every pull at offset 0 answers 256 KiB.
    await fillTopic(server.namesrvAddr, DATA_TOPIC, Math.max(1, options.fillMiB ?? 1) * 128, 8 * 1024);
    if (dir !== undefined) {
      await server.stop();
      server = await startServerProcess(serverOptions);
      await waitForRoute(server.namesrvAddr, PROBE_TOPIC);
      await waitForRoute(server.namesrvAddr, DATA_TOPIC);
    }
    const probe = await startProbeProcess(server.namesrvAddr, PROBE_TOPIC, 10);
    return { server, probe };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/**
 * Runs each selected abuse against each port it applies to, one at a time, the probe sending
 * throughout. A server that dies is reported in its row and replaced by a fresh one (whose
 * messages are checked too), so that one fatal abuse does not hide what the others do.
 */
export async function runHarness(options: HarnessOptions): Promise<HarnessReport> {
  const dirs: string[] = [];
  try {
    return await runIn(options, dirs);
  } finally {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}

async function runIn(options: HarnessOptions, dirs: string[]): Promise<HarnessReport> {
  let { server, probe } = await prepare(options, dirs);
  const rows: HarnessRow[] = [];
  let missing: string[] = [];
  let unchecked = 0;
  let acked = 0;
  let stderr = '';
  const targetsOf = (s: ServerProcess): Target[] =>
    s.targets.filter(
      (t) => options.targets === undefined || options.targets.length === 0 || options.targets.includes(t.name),
    );
  const targets = targetsOf(server);
  // Checks what the probe got acknowledged on this server, then stops both.
  const finish = async (): Promise<void> => {
    const last = server.exited() === undefined ? await probe.stop() : undefined;
    acked += rows.reduce((n, r) => n + (r.checked ? 0 : r.probe.acked.length), 0) + (last?.acked.length ?? 0);
    const bodies = rows.filter((r) => !r.checked).flatMap((r) => r.probe.acked);
    if (last) bodies.push(...last.acked);
    for (const r of rows) r.checked = true;
    if (server.exited() === undefined)
      missing = missing.concat(await missingFrom(server.namesrvAddr, PROBE_TOPIC, bodies));
    else unchecked += bodies.length;
    if (server.exited() !== undefined) {
      await probe.stop().catch(() => undefined);
      stderr += server.stderr();
    }
    await server.stop();
  };
  try {
    for (const abuse of ABUSES.filter((a) => selected(a, options.only))) {
      for (const t of targets.filter((x) => abuse.appliesTo(x))) {
        if (server.exited() !== undefined) {
          await finish();
          ({ server, probe } = await prepare(options, dirs));
        }
        const target = targetsOf(server).find((x) => x.name === t.name);
        if (target === undefined) continue;
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
        const ctx: AbuseContext = {
          target,
          durationMs: options.durationMs,
          connections: options.connections,
          topic: DATA_TOPIC,
          group: DATA_GROUP,
          bombMiB: options.bombMiB,
        };
        await abuse.prepare?.(ctx);
        await probe.window();
        const started = Date.now();
        let result: AbuseResult | undefined;
        let abuseError: string | undefined;
        try {
          result = await abuse.run(ctx);
        } catch (err) {
          abuseError = err instanceof Error ? err.message : String(err);
        }
        // An abuse the server ends early (it closes the connections) still gets a full window.
        const left = started + options.durationMs - Date.now();
        if (left > 0) await new Promise((r) => setTimeout(r, left));
        const stats = await probe.window();
        await new Promise((r) => setTimeout(r, options.settleMs ?? 1000));
        clearInterval(sampler);
        const answers = server.exited() === undefined && (await portAnswers(ctx));
        const exit = server.exited();
        const row: HarnessRow = {
          abuse: abuse.name,
          target: target.name,
          result,
          abuseError,
          probe: stats,
          serverExit: exit,
          portAnswers: answers,
          rssBeforeMiB: rssBefore,
          rssPeakMiB: peak,
          rssAfterMiB: exit === undefined ? await server.rssMiB().catch(() => Number.NaN) : Number.NaN,
          ms: Date.now() - started,
          checked: false,
        };
        rows.push(row);
        options.onRow?.(row);
      }
    }
  } finally {
    await finish();
  }
  return { rows, missing, unchecked, acked, targets, stderr };
}

/** The report as a markdown table. */
export function formatRows(rows: readonly HarnessRow[]): string {
  const f = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
  const out = [
    '| abuse | port | ms | requests | answers | closed by server | probe sent/failed | probe p50 / p99 / max ms | RSS before / peak / after MiB | server |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.abuse} | ${r.target} | ${r.ms} | ${r.result?.requests ?? '-'} | ${r.result?.responses ?? '-'} | ${r.result?.closedByServer ?? '-'} | ` +
        `${r.probe.sent}/${r.probe.failed} | ${f(r.probe.p50Ms)} / ${f(r.probe.p99Ms)} / ${f(r.probe.maxMs)} | ` +
        `${f(r.rssBeforeMiB)} / ${f(r.rssPeakMiB)} / ${f(r.rssAfterMiB)} | ${r.serverExit === undefined ? (r.portAnswers ? 'up' : 'up, port silent') : `exited ${r.serverExit}`}${r.abuseError ? ` (abuse failed: ${r.abuseError})` : ''} |`,
    );
  }
  return out.join('\n');
}
