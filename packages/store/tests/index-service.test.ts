import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { ManualClock, silentLogger } from '@rocketmq-ts/common';
import { tempDir } from '@rocketmq-ts/testkit';
import { IndexService } from '../src/index/index-service.js';

const T0 = 1_700_000_000_000;

describe('index service: rolls chained by one large dispatch', () => {
  const dirs: { cleanup: () => Promise<void> }[] = [];
  after(async () => {
    for (const d of dirs) await d.cleanup();
  });

  // 500 keys at once into 200-entry files (199 keys each): the first roll leaves a backlog that
  // starts a second roll as it ends. flush() and close() used to wait for the first roll only,
  // so close() closed the second file under its roll's flush (the rest of that flush went to
  // whatever file next got the descriptor number: a CommitLog segment reopened by the next
  // store) and the third file was created after close, never flushed.
  it('flush and close wait for every chained roll: all keys are on disk, no file is created after close', async () => {
    const dir = await tempDir('rmq-index-');
    dirs.push(dir);
    const clock = new ManualClock(T0);
    const svc = new IndexService(dir.path, 64, 200, clock, silentLogger);
    await svc.load();
    await svc.ensureFile();
    for (let i = 0; i < 500; i++) svc.put(`Topic#k${i}`, i * 100, T0 + i);
    await svc.flush();
    await svc.close();
    const names = (await readdir(dir.path)).sort();
    assert.equal(names.length, 3, 'three files: 199 + 199 + 102 keys');

    const again = new IndexService(dir.path, 64, 200, clock, silentLogger);
    await again.load();
    assert.deepEqual(
      again.files.map((f) => f.path.slice(-17)),
      names,
      'nothing appeared in the directory after close returned',
    );
    const missing: number[] = [];
    for (let i = 0; i < 500; i++) {
      const hits = await again.query(`Topic#k${i}`, 64, T0 - 1000, T0 + 10_000);
      if (!hits.includes(i * 100)) missing.push(i);
    }
    assert.deepEqual(missing, [], 'every key put before flush + close is found after reopening');
    await again.close();
  });
});
