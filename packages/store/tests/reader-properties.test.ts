import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '@rocketmq-ts/common';
import { tempDir } from '@rocketmq-ts/testkit';
import fc from 'fast-check';
import { CQ_UNIT } from '../src/consumequeue/consume-queue.js';
import { ConsumeQueueStore } from '../src/consumequeue/consume-queue-store.js';
import { IndexFile } from '../src/index/index-file.js';

// Issue 19 item 3: the ConsumeQueue and index readers, given any file contents (a damaged disk,
// a file copied from elsewhere), never throw and never walk without bound. File I/O makes each
// run cost a few hundred microseconds, so these run a few hundred times.

const ENTRIES_PER_FILE = 8;
const SLOTS = 8;
const MAX_INDEX = 16;
/** The index file header is 40 bytes (docs/formats.md), then the slots, then 20-byte entries. */
const INDEX_FILE_SIZE = 40 + SLOTS * 4 + MAX_INDEX * 20;

/** Valid ConsumeQueue entries (phy ascending, size > 0), then zeroes to the end of the file. */
function cqFile(entries: { size: number }[]): Buffer {
  const b = Buffer.alloc(ENTRIES_PER_FILE * CQ_UNIT);
  let phy = 0;
  entries.forEach((e, i) => {
    b.writeBigInt64BE(BigInt(phy), i * CQ_UNIT);
    b.writeInt32BE(e.size, i * CQ_UNIT + 8);
    b.writeBigInt64BE(BigInt(i), i * CQ_UNIT + 12);
    phy += e.size;
  });
  return b;
}

describe('store readers on arbitrary files (fast-check)', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let n = 0;
  before(async () => {
    dir = await tempDir('reader-props-');
  });
  after(() => dir.cleanup());

  it('ConsumeQueue load and read: never throw, a valid file loads its entries, offsets stay in bounds', async () => {
    const valid = fc
      .array(fc.record({ size: fc.integer({ min: 1, max: 500 }) }), { maxLength: ENTRIES_PER_FILE })
      .map((es) => ({ bytes: cqFile(es), count: es.length as number | undefined }));
    const random = fc
      .uint8Array({ maxLength: ENTRIES_PER_FILE * CQ_UNIT + 7 })
      .map((u) => ({ bytes: Buffer.from(u), count: undefined as number | undefined }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(valid, random), fc.nat(), async (c, logEnd) => {
        const root = join(dir.path, `cq${n++}`);
        await mkdir(join(root, 'T', '0'), { recursive: true });
        await writeFile(join(root, 'T', '0', '0'.padStart(20, '0')), c.bytes);
        const store = new ConsumeQueueStore(root, ENTRIES_PER_FILE * CQ_UNIT, silentLogger);
        await store.load(0, c.count === undefined ? logEnd : Number.MAX_SAFE_INTEGER);
        const q = store.get('T', 0)!;
        assert.ok(q.minOffset >= 0 && q.minOffset <= q.maxOffset && q.maxOffset <= ENTRIES_PER_FILE);
        if (c.count !== undefined) assert.equal(q.maxOffset, c.count);
        for (let off = q.minOffset; off < q.maxOffset; off++) {
          const v = await q.read(off, 4);
          if (v) assert.ok(v.count >= 1 && v.count <= 4 && v.pos + v.count * CQ_UNIT <= v.buf.length);
        }
        for (const q2 of store.all()) q2.close();
      }),
      { numRuns: 200 },
    );
  });

  it('IndexFile open and select: never throw, never return more than asked, stop on cycles', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: INDEX_FILE_SIZE }),
        fc.boolean(),
        fc.nat(),
        fc.integer({ min: 1, max: 8 }),
        async (bytes, writable, hash, maxNum) => {
          const path = join(dir.path, `index${n++}`);
          const whole = Buffer.alloc(INDEX_FILE_SIZE);
          Buffer.from(bytes).copy(whole);
          await writeFile(path, whole);
          const f = await IndexFile.open(path, SLOTS, MAX_INDEX, writable);
          try {
            const out: number[] = [];
            await f.select(hash, maxNum, 0, Number.MAX_SAFE_INTEGER, out);
            assert.ok(out.length <= maxNum);
          } finally {
            await f.close();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
