import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTopic, runNode, startCluster, type TestCluster, unique } from './client-support.js';

const BIN = fileURLToPath(new URL('../../../packages/cli/dist/src/mqbench.js', import.meta.url));

const mqbench = (args: string[]) => runNode(BIN, args, { timeoutMs: 40_000 });

describe('mqbench', () => {
  let cluster: TestCluster;
  const topic = unique('T_bench');
  before(async () => {
    cluster = await startCluster();
    await createTopic(cluster, topic);
  });
  after(async () => {
    await cluster.shutdown();
  });

  it('producer, batchproducer and consumer stop at the requested count and print RocketMQ-style lines', async () => {
    const p = await mqbench([
      'producer',
      '-n',
      cluster.namesrvAddr,
      '-t',
      topic,
      '-s',
      '256',
      '-w',
      '4',
      '-q',
      '2000',
      '-ri',
      '0.2',
      '-k',
      'true',
    ]);
    assert.equal(p.code, 0, p.stderr);
    assert.match(
      p.stdout,
      /Send TPS: \d+ \| Max RT\(ms\): [\d.]+ \| Average RT\(ms\): [\d.]+ \| Send Failed: 0 \| Response Failed: 0/,
    );
    assert.match(p.stdout, /Sent OK\s+: 2000/);
    const b = await mqbench([
      'batchproducer',
      '-n',
      cluster.namesrvAddr,
      '-t',
      topic,
      '-b',
      '10',
      '-w',
      '2',
      '-q',
      '500',
      '-y',
      'true',
    ]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /Sent OK\s+: 500/);
    const c = await mqbench([
      'consumer',
      '-n',
      cluster.namesrvAddr,
      '-t',
      topic,
      '-g',
      unique('G_bench'),
      '-f',
      'true',
      '-q',
      '2500',
      '--duration',
      '30',
      '-ri',
      '0.2',
    ]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /Consume TPS: \d+ \| Average\(B2C\) RT\(ms\): [\d.]+ \| Max\(B2C\) RT\(ms\): [\d.]+/);
    assert.match(c.stdout, /Messages\s+: 25\d\d/);
  });
});
