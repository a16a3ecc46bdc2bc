import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StateFile } from '../src/index.js';

describe('StateFile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'state-file-'));
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads undefined for a missing or blank file', async () => {
    const f = new StateFile(join(dir, 'missing.json'));
    assert.equal(await f.read(), undefined);
    await writeFile(join(dir, 'blank.json'), '  \n');
    assert.equal(await new StateFile(join(dir, 'blank.json')).load(), undefined);
  });

  it('creates the directory, replaces the file and leaves no temp file', async () => {
    const path = join(dir, 'sub', 'a.json');
    const f = new StateFile(path);
    await f.write('{"v":1}');
    await f.write('{"v":2}');
    assert.deepEqual(await f.load(), { v: 2 });
    assert.ok(!existsSync(`${path}.tmp`));
    await writeFile(`${path}.tmp`, 'torn');
    assert.deepEqual(await f.load(), { v: 2 }, 'a leftover temp file from a crash is ignored');
  });

  it('coalesces saves requested during a write into one write of the latest state', async () => {
    const path = join(dir, 'c.json');
    const f = new StateFile(path);
    let renders = 0;
    let state = 0;
    const render = () => {
      renders++;
      return String(state);
    };
    const saves: Promise<void>[] = [];
    for (let i = 1; i <= 10; i++) {
      state = i;
      saves.push(f.save(render));
    }
    await Promise.all(saves);
    await f.idle();
    assert.equal(await readFile(path, 'utf8'), '10');
    assert.ok(renders <= 2, `rendered ${renders} times`);
  });

  it('rejects a failed save and keeps working afterwards', async () => {
    const blocker = join(dir, 'file-not-dir');
    await writeFile(blocker, 'x');
    await assert.rejects(new StateFile(join(blocker, 'x.json')).write('1'));
    const ok = new StateFile(join(dir, 'ok.json'));
    await ok.write('1');
    assert.equal(await ok.read(), '1');
  });
});
