import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './repo-root.js';

// Runs the side-by-side benchmark's seconds-long smoke mode (our target only, a few thousand
// messages, no peers) against the built tree, so that bench/compare keeps working as the code moves.

function runSmoke(root: string, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bench', 'compare', 'run.mjs'), '--smoke'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('bench:compare --smoke', () => {
  it('prints a table with a rocketmq-ts row and a positive produce rate', { timeout: 30_000 }, async (t) => {
    const root = repoRoot();
    if (!existsSync(path.join(root, 'packages', 'distribution', 'dist', 'src', 'rocketmq-ts.js'))) {
      t.skip('rocketmq-ts start is not built');
      return;
    }
    const { code, out } = await runSmoke(root, 27_000);
    const row = out.split('\n').find((l) => l.startsWith('| rocketmq-ts ASYNC_FLUSH |'));
    assert.ok(row, `no rocketmq-ts row in the output:\n${out}`);
    const produce = Number(row.split('|')[2]?.trim().replaceAll(',', ''));
    assert.ok(produce > 0, `produce msg/s is not positive in: ${row}\n${out}`);
    assert.equal(code, 0, out);
  });
});
