import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MQAdmin, MQClientError, Producer } from '@rocketmq-ts/client';
import { createTopic, runChild, startCluster, type TestCluster, unique } from './client-support.js';

describe('client lifecycle', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster.shutdown();
  });

  it('a process exits by itself once it closes its producer, consumers and admin', async () => {
    const topic = unique('T_close');
    await createTopic(cluster, topic);
    const r = await runChild('./client-child-close.js', [cluster.namesrvAddr, topic], 30_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /closed/);
  });

  it('fails over to the next NameServer address and reports unreachable ones', async () => {
    // Clients start at a random address (as Java does, to spread load); with two dead ones
    // listed first, most of these runs begin on a dead address and must fail over.
    for (let i = 0; i < 6; i++) {
      const admin = new MQAdmin({ namesrvAddr: `127.0.0.1:1;127.0.0.1:2;${cluster.namesrvAddr}` });
      try {
        assert.ok(Array.isArray(await admin.topicList()));
      } finally {
        await admin.close();
      }
    }
    const dead = new MQAdmin({ namesrvAddr: '127.0.0.1:1' });
    try {
      await assert.rejects(
        dead.topicList(),
        (e: unknown) => e instanceof MQClientError && e.retriable && /connect to 127\.0\.0\.1:1 failed/.test(e.message),
      );
    } finally {
      await dead.close();
    }
  });

  it('auto-creates a missing topic through TBW102 on first send', async () => {
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr });
    await producer.start();
    try {
      const topic = unique('T_auto');
      const r = await producer.send({ topic, body: 'x' });
      assert.equal(r.sendStatus, 'SEND_OK');
      assert.equal(r.messageQueue.topic, topic);
    } finally {
      await producer.shutdown();
    }
  });

  it('rejects sends after shutdown with a typed error', async () => {
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr });
    await producer.start();
    await producer.shutdown();
    await assert.rejects(producer.send({ topic: 'T', body: 'x' }), MQClientError);
  });
});
