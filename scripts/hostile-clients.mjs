#!/usr/bin/env node
// Hostile clients against a spawned `rocketmq-ts start` (NameServer, broker and its fast port),
// one abuse and port at a time, with our SDK producing meanwhile; prints a table, and checks
// that every acknowledged message is still readable at the end. The bounded form runs in
// `npm test` (e2e/tests/hostile-clients.test.ts).
//
//   npm run build && node scripts/hostile-clients.mjs [--duration 10] [--connections 8]
//     [--bomb-mib 1024] [--only 'non-reading,heartbeat'] [--targets broker,namesrv]
//     [--settle 3] [--fill-mib 96] [--cold-data] [--root /path/to/other/checkout] [--broker-conf key=value,...]
//     [--node-args='--cpu-prof --cpu-prof-dir=/tmp/prof'] [--json]
//
// --fill-mib: data put in the pulled topic first; above the broker's 64 MiB write cache the
// pulls read from disk, each answer a fresh buffer (what makes non-reading clients costly).
// --cold-data: restart the server on its files after the fill, so that all of it is read from
// disk (a small fill does then what 96 MiB does).
// --root runs another checkout's server (e.g. an older commit, for a before/after figure).
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatRows, runHarness } from '../e2e/dist/tests/hostile/harness.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    'bomb-mib': { type: 'string', default: '1024' },
    only: { type: 'string', default: '' },
    targets: { type: 'string', default: '' },
    settle: { type: 'string', default: '3' },
    'fill-mib': { type: 'string', default: '96' },
    'cold-data': { type: 'boolean', default: false },
    root: { type: 'string' },
    'broker-conf': { type: 'string', default: '' },
    'node-args': { type: 'string', default: '' },
    json: { type: 'boolean', default: false },
  },
});
const list = (s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const brokerConfig = Object.fromEntries(list(values['broker-conf']).map((kv) => kv.split('=')));
const report = await runHarness({
  durationMs: Number(values.duration) * 1000,
  connections: Number(values.connections),
  bombMiB: Number(values['bomb-mib']),
  only: list(values.only),
  targets: list(values.targets),
  settleMs: Number(values.settle) * 1000,
  fillMiB: Number(values['fill-mib']),
  coldData: values['cold-data'],
  server: {
    brokerConfig,
    nodeArgs: values['node-args'].split(' ').filter(Boolean),
    ...(values.root ? { bin: join(resolve(values.root), 'packages/distribution/bin/rocketmq-ts.js') } : {}),
  },
  onRow: (row) => {
    if (values.json) console.log(JSON.stringify({ ...row, probe: { ...row.probe, acked: row.probe.acked.length } }));
    else
      console.error(
        `${row.abuse} @ ${row.target}: probe p99 ${row.probe.p99Ms.toFixed(1)} ms, RSS ${row.rssBeforeMiB.toFixed(0)} -> ${row.rssPeakMiB.toFixed(0)} -> ${row.rssAfterMiB.toFixed(0)} MiB${row.serverExit ? `, SERVER EXITED ${row.serverExit}` : ''}`,
      );
    if (!values.json && row.probe.slow.length > 0)
      console.error(
        `  slow sends (start ms into the window: ms): ${row.probe.slow.map(([at, ms]) => `${at}: ${ms}`).join(', ')}`,
      );
  },
});
console.log(`ports: ${report.targets.map((t) => `${t.name} ${t.port}`).join(', ')}`);
console.log(formatRows(report.rows));
console.log(
  `acknowledged probe messages: ${report.acked}, unreadable afterwards: ${report.missing.length}, not checked (server died): ${report.unchecked}`,
);
const died = report.rows.find((r) => r.serverExit !== undefined);
if (died) console.log(`server died during "${died.abuse}" on ${died.target}:\n${report.stderr.slice(-3000)}`);
process.exitCode = died || report.missing.length > 0 ? 1 : 0;
