#!/usr/bin/env node
// Re-runs the chaos checker on a saved history: node bench/chaos/check.mjs <history.json> [--json]
import { readFile } from 'node:fs/promises';
import { check, formatReport } from './checker.mjs';

const [file, flag] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/chaos/check.mjs <history.json> [--json]');
  process.exit(2);
}
const result = check(JSON.parse(await readFile(file, 'utf8')));
console.log(flag === '--json' ? JSON.stringify(result, null, 2) : formatReport(result));
process.exit(result.ok ? 0 : 1);
