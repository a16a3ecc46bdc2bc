// The chaos harness's bounded run (issue 15): classic SYNC_MASTER/SLAVE, real processes, a
// kill -9 of the master (restarted; while it is down a new consumer group must read every
// acknowledged message from the slave) and a partition of the HA link. The checker must find no
// acknowledged message lost and no split brain. Longer runs: docs/chaos.md.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '@rocketmq-ts/testkit';
import { repoRoot } from './repo-root.js';

interface Result {
  ok: boolean;
  failures: string[];
  sends: { acknowledged: number };
  lost: { total: number };
  splitBrain: unknown[];
  slaveDrain: Array<{ expected: number; missing: number }>;
  faults: Array<{ name: string; end?: number }>;
  consumerGroups: Array<{ name: string; lost: number }>;
}

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot(), 'bench', 'chaos', 'run.mjs'), ...args], {
      cwd: repoRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    // A hung run gets SIGTERM (the harness then stops its servers), SIGKILL if that hangs too.
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('chaos harness, bounded classic run', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir('rmq-chaos-');
  });
  after(async () => {
    await dir?.cleanup();
  });

  it('kill -9 of the master and an HA partition lose no acknowledged message and show no split brain', {
    timeout: 110_000,
  }, async () => {
    const { code, out } = await run(
      [
        '--mode=classic',
        '--brokers=2',
        '--faults=kill,partition-ha',
        '--order=sequential',
        '--max-faults=2',
        '--duration=18',
        '--interval=2',
        '--fault-duration=3',
        '--seed=7',
        '--rate=150',
        '--drain-timeout=30',
        `--out=${dir.path}`,
      ],
      100_000,
    );
    const result = JSON.parse(await readFile(path.join(dir.path, 'result.json'), 'utf8').catch(() => 'null')) as
      | Result
      | undefined;
    assert.ok(result, `no result.json; harness output:\n${out}`);
    assert.deepEqual(
      result.faults.map((f) => f.name),
      ['kill', 'partition-ha'],
      out,
    );
    assert.ok(
      result.faults.every((f) => f.end !== undefined),
      out,
    );
    assert.ok(result.sends.acknowledged > 100, `only ${result.sends.acknowledged} acknowledged\n${out}`);
    assert.equal(result.lost.total, 0, out);
    for (const g of result.consumerGroups) assert.equal(g.lost, 0, `${g.name}\n${out}`);
    assert.deepEqual(result.splitBrain, [], out);
    assert.equal(result.slaveDrain.length, 1, out);
    assert.equal(result.slaveDrain[0]!.missing, 0, out);
    assert.equal(result.ok, true, `${result.failures.join('; ')}\n${out}`);
    assert.equal(code, 0, out);
  });
});
