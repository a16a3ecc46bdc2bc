import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeStoredRecord, tagsHashCode } from '@rocketmq-ts/protocol';
import { tempDir } from '@rocketmq-ts/testkit';
import { msg, openStore, readQueue } from './helpers.js';

// Reads that miss the write cache are coalesced across the gaps left by other queues'
// records. Each queue must still get exactly its own records, whole and in order.
describe('file store: reads from disk across interleaved queues', () => {
  it('returns each queue its own records when one read spans other queues', async () => {
    const dir = await tempDir('rmq-coalesce-');
    try {
      const store = await openStore(dir.path, { writeCacheBytes: 8 * 1024, mappedFileSizeCommitLog: 256 * 1024 });
      for (let i = 0; i < 600; i++) await store.putMessage(msg('Mix', i % 2, i, 300 + (i % 7) * 50));
      for (let q = 0; q < 2; q++) {
        const got = await readQueue(store, 'Mix', q);
        assert.equal(got.length, 300);
        got.forEach((m, k) => {
          const i = k * 2 + q;
          assert.equal(m.queueOffset, k);
          assert.deepEqual(m.body, msg('Mix', q, i, 300 + (i % 7) * 50).body, `queue ${q} offset ${k}`);
        });
      }
      // Queue 0 holds tags tag0, tag2, tag1, … (tag = i % 3): with a filter, the skipped
      // records inside a run must not leak into the result.
      const tag1 = tagsHashCode('tag1');
      const r = await store.getMessage('Mix', 0, 0, 32, 1 << 20, (code) => code === tag1);
      assert.equal(r.status, 'FOUND');
      assert.ok(r.records.length >= 5);
      for (const rec of r.records) assert.equal(decodeStoredRecord(rec)!.properties.get('TAGS'), 'tag1');
      await store.shutdown();
    } finally {
      await dir.cleanup();
    }
  });

  it("does not keep a read span of other queues' records alive in an answer (issue 18)", async () => {
    const dir = await tempDir('rmq-coalesce-');
    try {
      const config = { writeCacheBytes: 8 * 1024, mappedFileSizeCommitLog: 4 * 1024 * 1024, maxMessageSize: 64 * 1024 };
      const writer = await openStore(dir.path, config);
      // Queue 0: small records, each followed by a 30 KB record of queue 1 (gaps under 64 KiB).
      for (let i = 0; i < 64; i++) {
        await writer.putMessage(msg('Sparse', 0, i, 200));
        await writer.putMessage(msg('Sparse', 1, i, 30_000));
      }
      await writer.shutdown();
      // Reopened, nothing is in the write cache: the reads go to disk.
      const store = await openStore(dir.path, config);
      const r = await store.getMessage('Sparse', 0, 0, 32, 1 << 20);
      assert.equal(r.status, 'FOUND');
      assert.equal(r.records.length, 32);
      for (const rec of r.records) {
        // One coalesced read spans ~1 MiB; the records must not be views of it.
        assert.ok(rec.buffer.byteLength < 64 * 1024, `record held a ${rec.buffer.byteLength}-byte buffer`);
      }
      for (const [k, rec] of r.records.entries()) {
        assert.deepEqual(decodeStoredRecord(rec)!.body, msg('Sparse', 0, k, 200).body);
      }
      const dense = await store.getMessage('Sparse', 1, 0, 4, 1 << 20);
      assert.equal(dense.records.length, 4);
      await store.shutdown();
    } finally {
      await dir.cleanup();
    }
  });
});
