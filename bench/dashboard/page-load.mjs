#!/usr/bin/env node
// Page weight and load time of the dashboard: starts `rocketmq-ts start` on free ports, sums
// the gzipped bytes of what the first page fetches, then loads the Cluster page `--runs`
// times in Debian's chromium (fresh browser context each time: empty cache) and prints the
// median DOMContentLoaded, load, and when the broker table's data arrived (in-page clocks).
// usage: node bench/dashboard/page-load.mjs [--runs 10]   (after npm run build)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 10) || 10;
const dir = mkdtempSync(join(tmpdir(), 'dashboard-bench-'));
const server = spawn(
  process.execPath,
  [
    'packages/distribution/bin/rocketmq-ts.js',
    'start',
    '--data-dir',
    dir,
    '--namesrv-port',
    '0',
    '--broker-port',
    '0',
    '--host',
    '127.0.0.1',
    '--no-proxy',
    '--dashboard-port',
    '0',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let out = '';
const url = await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => {
    out += d;
    const m = /dashboard (http:\/\/\S+\/)/.exec(out);
    if (m) resolve(m[1]);
  });
  server.on('exit', () => reject(new Error(`rocketmq-ts start exited: ${out}`)));
});
try {
  let gz = 0;
  let raw = 0;
  for (const p of ['', 'assets/app.js', 'assets/app.css', 'assets/favicon.svg']) {
    const z = await fetch(url + p, { headers: { 'accept-encoding': 'gzip' } });
    gz += Number(z.headers.get('content-length'));
    raw += (await (await fetch(url + p, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer()).byteLength;
  }
  console.log(`page weight: ${gz} B gzipped (${raw} B uncompressed): index.html + app.js + app.css + favicon.svg`);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const dcl = [];
  const load = [];
  const data = [];
  for (let i = 0; i < runs + 1; i++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(url);
    await page.waitForSelector('#brokers tbody tr');
    // In-page clocks (ms since navigation start): the harness's own polling would add to them.
    const t = await page.evaluate(
      `(() => { const n = performance.getEntriesByType('navigation')[0]; const c = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/cluster')); return [n.domContentLoadedEventEnd, n.loadEventEnd, c ? c.responseEnd : NaN]; })()`,
    );
    await ctx.close();
    if (i === 0) continue; // the first page of a new browser also pays for its renderer start-up
    dcl.push(t[0]);
    load.push(t[1]);
    data.push(t[2]);
  }
  await browser.close();
  const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)].toFixed(0);
  const max = (a) => Math.max(...a).toFixed(0);
  console.log(
    `${runs} loads, empty cache: DOMContentLoaded median ${med(dcl)} ms (max ${max(dcl)}), load median ${med(load)} ms (max ${max(load)}), first data (/api/cluster answered) median ${med(data)} ms (max ${max(data)})`,
  );
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
