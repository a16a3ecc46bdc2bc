// The thread writer writes small ranges on the loop while the thread is idle and hands the
// rest to the thread; either way the file must hold every record with its body CRC filled in.
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '@rocketmq-ts/common';
import { encodeStoredRecord, parseHost, probeStoredRecord, RecordOffset } from '@rocketmq-ts/protocol';
import { acquireThreadWriter } from '../src/commitlog/record-writer.js';

/** `count` records of `bodySize` bytes, BODYCRC zeroed as the CommitLog encodes them. */
function records(count: number, bodySize: number, seed: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const r = encodeStoredRecord({
      topic: 'T',
      queueId: 0,
      flag: 0,
      body: Buffer.alloc(bodySize, (seed + i) & 0xff),
      properties: '',
      sysFlag: 0,
      bornTimestamp: 1,
      bornHost: parseHost('10.0.0.1:1')!,
      storeTimestamp: 2,
      storeHost: parseHost('10.0.0.2:2')!,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      queueOffset: i,
      physicalOffset: 0,
    });
    r.writeInt32BE(0, RecordOffset.BODYCRC);
    parts.push(r);
  }
  return Buffer.concat(parts);
}

function assertAllValid(file: Buffer, end: number): void {
  let pos = 0;
  while (pos < end) {
    const p = probeStoredRecord(file, pos, end, true);
    assert.equal(p.kind, 'record', `record at ${pos}: ${JSON.stringify(p)}`);
    pos += (p as { size: number }).size;
  }
  assert.equal(pos, end);
}

describe('thread record writer', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('writes small ranges (loop) and large ones (thread), interleaved, with CRCs filled', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rmq-writer-'));
    dirs.push(dir);
    const file = path.join(dir, 'log');
    const fd = openSync(file, 'w+');
    const writer = await acquireThreadWriter(silentLogger);
    try {
      // One shared block as the CommitLog has: small, large, small ranges back to back, all
      // issued before any completes (the large one keeps the thread busy for the next small one).
      const chunks = [records(2, 100, 1), records(300, 1000, 2), records(3, 200, 3), records(1, 50, 4)];
      const total = chunks.reduce((n, c) => n + c.length, 0);
      const buf = writer.alloc(total);
      let off = 0;
      const done: Promise<void>[] = [];
      for (const c of chunks) {
        c.copy(buf, off);
        const from = off;
        done.push(
          new Promise((resolve, reject) =>
            writer.write(buf, fd, from, from + c.length, from, (e) => (e ? reject(e) : resolve())),
          ),
        );
        off += c.length;
      }
      await Promise.all(done);
      assertAllValid(readFileSync(file), total);
    } finally {
      writer.close();
      closeSync(fd);
    }
  });

  it('reports a failed small write through its callback (bad descriptor)', async () => {
    const writer = await acquireThreadWriter(silentLogger);
    const rec = records(1, 10, 0);
    const buf = writer.alloc(rec.length);
    rec.copy(buf);
    const err = await new Promise<Error | undefined>((resolve) => writer.write(buf, 987654, 0, rec.length, 0, resolve));
    assert.ok(err, 'an error');
    assert.match(String((err as NodeJS.ErrnoException).code), /EBADF/);
    writer.close();
  });
});
