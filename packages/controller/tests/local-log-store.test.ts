import assert from 'node:assert/strict';
import { appendFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '@rocketmq-ts/testkit';
import { EVENT_LOG_FILE, LocalLogStore } from '../src/index.js';
import { storeConformance } from './store-suite.js';

describe('LocalLogStore', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir('controller-log-');
  });
  after(() => dir.cleanup());

  storeConformance(async () => {
    const s = new LocalLogStore({ dir: dir.path, address: '127.0.0.1:9878' });
    await s.open();
    return s;
  });

  async function fresh(): Promise<{
    path: string;
    reopen: () => Promise<LocalLogStore>;
    cleanup: () => Promise<void>;
  }> {
    const d = await tempDir('controller-log-crash-');
    const reopen = async () => {
      const s = new LocalLogStore({ dir: d.path, address: 'a' });
      await s.open();
      return s;
    };
    const s = await reopen();
    for (let i = 1; i <= 5; i++) {
      await s.transact((st) =>
        st.applyBrokerId({ clusterName: 'C', brokerName: 'b', appliedBrokerId: i, registerCheckCode: `h:${i};0` }),
      );
    }
    await s.close();
    return { path: join(d.path, EVENT_LOG_FILE), reopen, cleanup: d.cleanup };
  }

  const ids = (s: LocalLogStore) => s.query((st) => [...(st.get('b')?.replicas.keys() ?? [])]);

  it('a torn tail (the file cut at every byte of the last record) loses only that record, and is cut', async () => {
    const f = await fresh();
    const full = await readFile(f.path);
    const s0 = await f.reopen();
    const lastStart =
      full.length -
      (await (async () => {
        // length of the last record = 8 + its payload length; find it by walking.
        let pos = 0;
        let last = 0;
        while (pos < full.length) {
          last = pos;
          pos += 8 + full.readUInt32BE(pos);
        }
        return full.length - last;
      })());
    await s0.close();
    for (let cut = lastStart + 1; cut < full.length; cut += 7) {
      await writeFile(f.path, full.subarray(0, cut));
      const s = await f.reopen();
      assert.deepEqual(await ids(s), [1, 2, 3, 4]);
      assert.equal(s.report.truncatedBytes, cut - lastStart);
      await s.close();
      assert.equal((await stat(f.path)).size, lastStart);
    }
    await f.cleanup();
  });

  it('a flipped byte in the last record drops it; garbage appended after the log is cut', async () => {
    const f = await fresh();
    const full = await readFile(f.path);
    const damaged = Buffer.from(full);
    damaged[damaged.length - 3] = (damaged[damaged.length - 3] ?? 0) ^ 0x55;
    await writeFile(f.path, damaged);
    let s = await f.reopen();
    assert.deepEqual(await ids(s), [1, 2, 3, 4]);
    await s.close();
    await writeFile(f.path, full);
    await appendFile(f.path, Buffer.from([0, 0, 0, 9, 1, 2, 3]));
    s = await f.reopen();
    assert.deepEqual(await ids(s), [1, 2, 3, 4, 5]);
    // The store keeps appending after the cut point.
    await s.transact((st) =>
      st.applyBrokerId({ clusterName: 'C', brokerName: 'b', appliedBrokerId: 6, registerCheckCode: 'h:6;0' }),
    );
    await s.close();
    s = await f.reopen();
    assert.deepEqual(await ids(s), [1, 2, 3, 4, 5, 6]);
    assert.equal(s.report.truncatedBytes, 0);
    await s.close();
    await truncate(f.path, 0);
    s = await f.reopen();
    assert.deepEqual(await ids(s), []);
    await s.close();
    await f.cleanup();
  });
});
