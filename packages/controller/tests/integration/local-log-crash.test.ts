import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { LocalLogStore } from '../../src/index.js';

const child = fileURLToPath(new URL('./log-writer-child.js', import.meta.url));

describe('LocalLogStore crash (kill -9 of a real writer process)', () => {
  it('every acknowledged change survives, ids stay dense, across 5 kills', async () => {
    const d = await tempDir('controller-log-kill-');
    let acked = 0;
    for (let round = 0; round < 5; round++) {
      const p = spawn(process.execPath, [child, d.path], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        for (const m of out.matchAll(/acked (\d+)\n/g)) acked = Math.max(acked, Number(m[1]));
        out = out.slice(out.lastIndexOf('\n') + 1);
      });
      const target = acked + 20;
      await eventually(() => acked >= target, { timeoutMs: 30_000, message: 'child acks' });
      p.kill('SIGKILL');
      await new Promise((r) => p.once('exit', r));
      const s = new LocalLogStore({ dir: d.path, address: 'test' });
      await s.open();
      const ids = await s.query((st) => [...(st.get('b')?.replicas.keys() ?? [])]);
      await s.close();
      assert.ok(ids.length >= acked, `stored ${ids.length} < acknowledged ${acked}`);
      assert.deepEqual(
        ids,
        Array.from({ length: ids.length }, (_, i) => i + 1),
      );
      acked = ids.length;
    }
    await d.cleanup();
  });
});
