#!/usr/bin/env node
// Runs the compiled node:test files. Node 20's --test takes no globs, so we collect the files.
// usage: node scripts/run-tests.mjs unit|integration|e2e|all [name-filter]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const mode = process.argv[2] ?? 'all';
const filter = process.argv[3];
const roots = [];
for (const pkg of readdirSync('packages')) roots.push(join('packages', pkg, 'dist', 'tests'));
roots.push(join('e2e', 'dist'));

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const kind = (f) => (f.includes('/integration/') ? 'integration' : f.startsWith('e2e') ? 'e2e' : 'unit');
const files = roots
  .flatMap((r) => walk(r, []))
  .filter((f) => mode === 'all' || kind(f) === mode)
  .filter((f) => !filter || f.includes(filter))
  .sort();
if (files.length === 0) {
  console.error(`no ${mode} test files found: run npm run build first`);
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
