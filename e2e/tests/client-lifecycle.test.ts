import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
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
    const topic = unique('T_nsfail');
    await createTopic(cluster, topic);
    // Two "dead" NameServers that count the connections they get and drop each at once.
    let tried = 0;
    const dead = await Promise.all(
      [0, 1].map(async () => {
        const server = createServer((socket) => {
          tried++;
          socket.destroy();
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return server;
      }),
    );
    try {
      const deadAddrs = dead.map((s) => `127.0.0.1:${(s.address() as AddressInfo).port}`);
      // Clients start at a random address (as Java does, to spread load); with the dead ones
      // listed first, two starts in three begin on a dead address and must fail over.
      for (let i = 0; i < 40 && tried === 0; i++) {
        const admin = new MQAdmin({ namesrvAddr: [...deadAddrs, cluster.namesrvAddr].join(';') });
        try {
          assert.ok((await admin.topicList()).includes(topic), 'the live NameServer answered');
        } finally {
          await admin.close();
        }
      }
      assert.ok(tried > 0, 'a dead address was tried first, and the call still succeeded');
    } finally {
      for (const s of dead) s.close();
    }
    const unreachable = new MQAdmin({ namesrvAddr: '127.0.0.1:1' });
    try {
      await assert.rejects(
        unreachable.topicList(),
        (e: unknown) => e instanceof MQClientError && e.retriable && /connect to 127\.0\.0\.1:1 failed/.test(e.message),
      );
    } finally {
      await unreachable.close();
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
