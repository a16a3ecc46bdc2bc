#!/usr/bin/env node
// Deletes build output whose TypeScript source is gone. `tsc -b` never removes the output of a
// deleted or moved source: npm pack would ship it (dist/src) and run-tests.mjs would still run it
// (dist/tests). Runs after `tsc -b` in `npm run build`.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const OUTPUT = /(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/;
const projects = [...readdirSync('packages').map((p) => join('packages', p)), 'e2e'];
let removed = 0;

function prune(project, dir) {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, e.name);
    if (e.isDirectory()) {
      prune(project, file);
      continue;
    }
    const m = OUTPUT.exec(e.name);
    if (!m) continue;
    // dist/<path>/x.js comes from <path>/x.ts or x.tsx (rootDir is the project folder).
    const source = join(project, relative(join(project, 'dist'), dir), `${e.name.slice(0, -m[1].length)}.ts`);
    if (!existsSync(source) && !existsSync(`${source}x`)) {
      rmSync(file);
      removed++;
    }
  }
}

for (const project of projects) prune(project, join(project, 'dist'));
if (removed > 0) console.log(`prune-stale-dist: removed ${removed} files whose source is gone`);
