// The controller-mode epoch file (docs/controller.md): text layout, append/trim rules, the
// consistent point two replicas truncate to, and crash images (torn, flipped, missing file).
import assert from 'node:assert/strict';
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '@rocketmq-ts/testkit';
import { consistentPoint, decodeEpochFile, EPOCH_FILE_NAME, EpochFile, encodeEpochFile } from '../src/index.js';

describe('epoch file', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let n = 0;
  const fresh = () => join(dir.path, `e${++n}`, EPOCH_FILE_NAME);
  before(async () => {
    dir = await tempDir('rmq-epoch-');
  });
  after(async () => {
    await dir.cleanup();
  });

  it('writes RocketMQ text layout: count, CRC32 of the entry lines, epoch-startOffset lines', () => {
    const text = encodeEpochFile([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 4096 },
    ]);
    const lines = text.split('\n');
    assert.equal(lines[0], '2');
    assert.deepEqual(lines.slice(2), ['1-0', '3-4096', '']);
    // CRC32 (IEEE) of "1-0\n3-4096\n", computed with zlib.crc32 outside this code.
    assert.equal(lines[1], '1131518206');
    const back = decodeEpochFile(text);
    assert.ok(back.ok);
    assert.deepEqual(back.entries, [
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 4096 },
    ]);
    assert.ok(decodeEpochFile(text.replace('3-4096', '3-4097')).ok === false, 'a changed entry fails the CRC');
    assert.ok(decodeEpochFile(`${text.split('\n')[0]}\n0\n1-0\n3-4096\n`).ok, 'CRC 0 means unchecked');
  });

  it('appends only forward in epoch and offset; an empty range is replaced', async () => {
    const f = new EpochFile(fresh());
    await f.load();
    assert.equal(f.lastEpoch(), 0);
    assert.ok(await f.append(1, 0));
    assert.ok(await f.append(2, 100));
    assert.equal(await f.append(2, 200), false, 'same epoch');
    assert.equal(await f.append(1, 300), false, 'lower epoch');
    assert.equal(await f.append(3, 50), false, 'lower offset');
    assert.ok(await f.append(3, 100), 'epoch 2 wrote nothing: its entry is replaced (apache/rocketmq#6344)');
    assert.deepEqual(f.entries(), [
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 100 },
    ]);
    const again = new EpochFile(f.path);
    assert.equal(await again.load(), undefined);
    assert.deepEqual(again.entries(), f.entries());
  });

  it('trims by offset after a truncation and by prefix after old segments are deleted', async () => {
    const f = new EpochFile(fresh());
    await f.load();
    for (const [e, o] of [
      [1, 0],
      [2, 100],
      [4, 250],
    ] as const)
      await f.append(e, o);
    await f.truncateFromOffset(250);
    assert.deepEqual(
      f.entries().map((e) => e.epoch),
      [1, 2],
    );
    await f.truncatePrefix(150);
    assert.deepEqual(f.entries(), [{ epoch: 2, startOffset: 100 }]);
    await f.truncatePrefix(10_000);
    assert.deepEqual(f.entries(), [{ epoch: 2, startOffset: 100 }], 'the last entry always stays');
  });

  it('finds the consistent point as RocketMQ does', () => {
    const master = [
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 1000 },
    ];
    // A former master of epoch 1 that wrote past where the new master (epoch 2) began.
    assert.equal(consistentPoint([{ epoch: 1, startOffset: 0 }], 1300, master, 1500), 1000);
    // A slave behind the master in epoch 1: nothing to cut.
    assert.equal(consistentPoint([{ epoch: 1, startOffset: 0 }], 800, master, 1500), 800);
    // Same epochs, slave behind in epoch 2.
    assert.equal(consistentPoint(master, 1200, master, 1500), 1200);
    // Epoch 2 on both but started elsewhere (two different masters of epoch 2 cannot be; a stale list): falls back to epoch 1.
    assert.equal(
      consistentPoint(
        [
          { epoch: 1, startOffset: 0 },
          { epoch: 2, startOffset: 900 },
        ],
        1300,
        master,
        1500,
      ),
      900,
    );
    // Nothing in common: -1 (manual repair). Empty local list: keep the local max.
    assert.equal(consistentPoint([{ epoch: 7, startOffset: 0 }], 10, master, 1500), -1);
    assert.equal(consistentPoint([], 10, master, 1500), 10);
    // 64-bit-range offsets compare as numbers (apache/rocketmq#10578).
    const big = 2 ** 40;
    assert.equal(
      consistentPoint([{ epoch: 1, startOffset: 0 }], big + 5, [...master, { epoch: 3, startOffset: big }], big + 9),
      1000,
    );
  });

  it('crash images: torn file → .bak, flipped byte → .bak, both bad → empty, missing → empty', async () => {
    const path = fresh();
    const f = new EpochFile(path);
    await f.load();
    await f.append(1, 0);
    await f.append(2, 100); // .bak now holds [1-0]
    const good = await readFile(path, 'utf8');

    // Torn: the rename is atomic, but a copy made by hand or a bad disk can leave half a file.
    await truncate(path, good.length - 4);
    let g = new EpochFile(path);
    assert.match((await g.load()) ?? '', /used the \.bak copy/);
    assert.deepEqual(g.entries(), [{ epoch: 1, startOffset: 0 }]);

    // Flipped byte inside an entry: CRC mismatch.
    await writeFile(path, good.replace('2-100', '2-900'));
    g = new EpochFile(path);
    assert.match((await g.load()) ?? '', /crc mismatch.*\.bak/);
    assert.deepEqual(g.entries(), [{ epoch: 1, startOffset: 0 }]);

    // Both bad.
    await writeFile(`${path}.bak`, 'garbage');
    g = new EpochFile(path);
    assert.match((await g.load()) ?? '', /epoch list empty/);
    assert.deepEqual(g.entries(), []);

    // Missing (a new replica, or a wiped store): empty and no complaint.
    await rm(path);
    g = new EpochFile(path);
    assert.equal(await g.load(), undefined);
    assert.deepEqual(g.entries(), []);
  });
});
