import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ClientErrorCode, createReplyMessage, MQAdmin, type MQClientError, Producer } from '@rocketmq-ts/client';
import { MessageConst, replyTopicOf } from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, startCluster, type TestCluster, unique } from './client-support.js';

// Request-reply (issue 12): requesters in this process, the replier in a child process, one
// broker. The reply goes replier → broker (SEND_REPLY_MESSAGE_V2) → requester's connection
// (PUSH_REPLY_MESSAGE_TO_CLIENT).
describe('request-reply', () => {
  let cluster: TestCluster;
  let replier: ChildProcess;
  const lines: string[] = [];
  const topic = unique('T_rpc');
  const requesters: Producer[] = [];

  before(async () => {
    cluster = await startCluster();
    await createTopic(cluster, topic, 4);
    replier = spawn(
      process.execPath,
      [new URL('./client-child-replier.js', import.meta.url).pathname, cluster.namesrvAddr, topic, unique('G_rpc')],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let buffered = '';
    replier.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
    });
    await eventually(() => lines.includes('ready'), { timeoutMs: 20_000, message: 'replier ready' });
    for (let i = 0; i < 2; i++) {
      const p = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: unique('P_rpc') });
      await p.start();
      requesters.push(p);
    }
  });

  after(async () => {
    replier?.kill('SIGKILL');
    await Promise.all(requesters.map((p) => p.shutdown()));
    await cluster.shutdown();
  });

  it('answers 200 concurrent requests from two clients, each with its own reply', async () => {
    const bodies = Array.from({ length: 200 }, (_, i) => `req-${i}`);
    const replies = await Promise.all(
      bodies.map((body, i) => requesters[i % 2]!.request({ topic, body, tags: 'rpc' }, 20_000)),
    );
    for (const [i, reply] of replies.entries()) {
      assert.equal(reply.body.toString(), `echo:${bodies[i]}`);
      assert.equal(reply.topic, replyTopicOf(cluster.clusterName));
      assert.equal(reply.properties.get(MessageConst.PROPERTY_MESSAGE_TYPE), 'reply');
      assert.equal(reply.properties.get(MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT), requesters[i % 2]!.clientId);
      assert.ok(reply.properties.get(MessageConst.PROPERTY_REPLY_MESSAGE_ARRIVE_TIME));
    }
    const ids = new Set(replies.map((r) => r.properties.get(MessageConst.PROPERTY_CORRELATION_ID)));
    assert.equal(ids.size, 200);
    // Replies are stored in <cluster>_REPLY_TOPIC too (storeReplyMessageEnable).
    const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
    try {
      const stats = await admin.topicStats(replyTopicOf(cluster.clusterName));
      assert.ok(stats.reduce((n, s) => n + s.maxOffset, 0) >= 200);
    } finally {
      await admin.close();
    }
  });

  it('fails with REQUEST_TIMEOUT when no reply comes, and drops a reply that comes too late', async () => {
    const start = Date.now();
    await assert.rejects(requesters[0]!.request({ topic, body: 'noreply-1' }, 800), (e: MQClientError) => {
      assert.equal(e.code, ClientErrorCode.REQUEST_TIMEOUT);
      assert.match(e.message, /OK, but wait reply message timeout, 800 ms/);
      return true;
    });
    assert.ok(Date.now() - start >= 790, 'not before its timeout');
    // The replier answers this one after 1 s, past the 300 ms the request waits.
    await assert.rejects(requesters[0]!.request({ topic, body: 'slow-1' }, 300), /wait reply message timeout/);
    await eventually(() => lines.includes('sent slow-1'), { timeoutMs: 10_000, message: 'late reply sent' });
    // The late reply was taken by the client (the replier's send succeeded) and dropped.
    const reply = await requesters[0]!.request({ topic, body: 'after-late' }, 10_000);
    assert.equal(reply.body.toString(), 'echo:after-late');
  });

  it('drops a reply for an unknown correlation id; a reply to a client that is gone fails the replier', async () => {
    const sender = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: unique('P_stray') });
    await sender.start();
    try {
      const forged = (replyTo: string) =>
        createReplyMessage(
          {
            properties: new Map([
              [MessageConst.PROPERTY_CLUSTER, cluster.clusterName],
              [MessageConst.PROPERTY_CORRELATION_ID, `unknown-${Date.now()}`],
              [MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT, replyTo],
            ]),
          } as Parameters<typeof createReplyMessage>[0],
          'stray',
        );
      const ok = await sender.send(forged(requesters[1]!.clientId));
      assert.equal(ok.sendStatus, 'SEND_OK');
      await assert.rejects(sender.send(forged('10.0.0.1@gone')), /channel of <10\.0\.0\.1@gone> not found/);
      const reply = await requesters[1]!.request({ topic, body: 'after-stray' }, 10_000);
      assert.equal(reply.body.toString(), 'echo:after-stray');
    } finally {
      await sender.shutdown();
    }
  });

  it('refuses to build a reply to a message that has no CLUSTER property', () => {
    assert.throws(
      () => createReplyMessage({ properties: new Map() } as Parameters<typeof createReplyMessage>[0], 'x'),
      (e: MQClientError) =>
        e.code === ClientErrorCode.CREATE_REPLY_MESSAGE && /property\[CLUSTER\] is null/.test(e.message),
    );
  });
});
