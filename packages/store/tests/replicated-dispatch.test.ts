// A slave dispatches records from replicated bytes however the master's frames cut them: cuts
// inside the 8-byte size/magic head, inside bodies, and exactly on record boundaries all give
// the master's ConsumeQueues.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { msg, openStore, readQueue } from './helpers.js';

describe('replicated dispatch', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('builds the same queues from bytes cut at every kind of place', async () => {
    const dir = await tempDir('rmq-repl-dispatch-');
    cleanups.push(() => dir.cleanup());
    const master = await openStore(join(dir.path, 'm'));
    const slave = await openStore(join(dir.path, 's'), { brokerRole: 'SLAVE' });
    cleanups.push(
      () => master.shutdown(),
      () => slave.shutdown(),
    );
    for (let i = 0; i < 120; i++) await master.putMessage(msg('T', i % 2, i, 100 + (i % 7) * 90));
    const end = master.getMaxPhyOffset();
    // Piece sizes cycle through 1..9 bytes (cuts inside the size/magic head) and larger ones.
    const sizes = [1, 2, 3, 5, 7, 8, 9, 13, 64, 333, 1000, 4096];
    let off = 0;
    for (let k = 0; off < end; k++) {
      const data = await master.readReplicaData(off, sizes[k % sizes.length]!);
      assert.ok(data && data.length > 0, `bytes at ${off}`);
      assert.equal(slave.appendReplicated(off, Buffer.from(data)), 'OK');
      off += data.length;
    }
    await eventually(() => slave.getMaxOffsetInQueue('T', 1) === master.getMaxOffsetInQueue('T', 1), {
      message: 'slave queues dispatched',
    });
    for (const q of [0, 1]) {
      const a = (await readQueue(master, 'T', q)).map((m) => `${m.queueOffset}:${m.properties.get('UNIQ_KEY')}`);
      const b = (await readQueue(slave, 'T', q)).map((m) => `${m.queueOffset}:${m.properties.get('UNIQ_KEY')}`);
      assert.equal(a.length, 60);
      assert.deepEqual(b, a, `queue ${q}`);
    }
  });
});
