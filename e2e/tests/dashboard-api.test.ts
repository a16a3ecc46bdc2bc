// The dashboard's JSON API against a real NameServer and broker (startLocalCluster with
// dashboardPort 0): exact answers for known traffic.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MQAdmin, Producer, PushConsumer } from '@rocketmq-ts/client';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { type LocalCluster, startLocalCluster } from 'rocketmq-ts';
import { unique } from './client-support.js';

describe('dashboard API', { timeout: 90_000 }, () => {
  let cluster: LocalCluster;
  let dir: { path: string; cleanup: () => Promise<void> };
  let base = '';
  let admin: MQAdmin;
  let producer: Producer;

  const get = async <T>(path: string): Promise<T> => {
    const r = await fetch(base + path);
    const body = (await r.json()) as T;
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(body)}`);
    return body;
  };
  const send = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(base + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const out = (await r.json()) as T;
    assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(out)}`);
    return out;
  };

  before(async () => {
    dir = await tempDir('rmq-dashboard-api-');
    cluster = await startLocalCluster({
      dataDir: dir.path,
      namesrvPort: 0,
      brokerPort: 0,
      host: '127.0.0.1',
      dashboardPort: 0,
      dashboardSampleIntervalMs: 300,
    });
    base = cluster.dashboard!.url.replace(/\/$/, '');
    admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
    producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: unique('PG') });
    await producer.start();
  });
  after(async () => {
    await producer?.shutdown();
    await admin?.close();
    await cluster?.shutdown();
    await dir?.cleanup();
  });

  it('lists the broker with its role and version', async () => {
    const c = await get<{
      clusters: { clusterName: string; brokers: { role: string; version: string; addr: string }[] }[];
    }>('/api/cluster');
    assert.equal(c.clusters[0]?.clusterName, 'DefaultCluster');
    assert.deepEqual(
      c.clusters[0]?.brokers.map((b) => [b.role, b.version, b.addr]),
      [['MASTER', 'V5_3_3', cluster.brokerAddr]],
    );
  });

  it('creates, describes and deletes a topic; finds its messages by time range exactly; shows throughput and the producer', async () => {
    const topic = unique('ApiTopic');
    await send('POST', '/api/topics', { topic, readQueueNums: 3, writeQueueNums: 3 });
    await eventually(async () => (await admin.topicRoute(topic).catch(() => undefined)) !== undefined, {
      message: 'route',
    });
    const t0 = Date.now();
    for (let i = 0; i < 30; i++) await producer.send({ topic, body: `m${i}`, keys: `k${i}` });
    const t1 = Date.now();
    const detail = await get<{ queues: { maxOffset: number }[]; messageType: string }>(
      `/api/topics/${encodeURIComponent(topic)}`,
    );
    assert.equal(detail.queues.length, 3);
    assert.equal(
      detail.queues.reduce((s, q) => s + q.maxOffset, 0),
      30,
    );
    assert.equal(detail.messageType, 'NORMAL');
    const all = await get<{ messages: { keys: string[] }[] }>(
      `/api/messages?${new URLSearchParams({ topic, begin: String(t0 - 1000), end: String(t1 + 1000), max: '100' })}`,
    );
    assert.equal(all.messages.length, 30);
    assert.deepEqual(new Set(all.messages.map((m) => m.keys[0])).size, 30);
    const none = await get<{ messages: unknown[] }>(
      `/api/messages?${new URLSearchParams({ topic, begin: String(t0 - 100_000), end: String(t0 - 50_000) })}`,
    );
    assert.equal(none.messages.length, 0);
    const capped = await get<{ messages: unknown[] }>(`/api/messages?${new URLSearchParams({ topic, max: '7' })}`);
    assert.equal(capped.messages.length, 7);
    const byKey = await get<{ messages: { msgId: string; offsetMsgId: string }[] }>(
      `/api/messages/by-key?${new URLSearchParams({ topic, key: 'k7' })}`,
    );
    assert.equal(byKey.messages.length, 1);
    const byId = await get<{ messages: { msgId: string }[] }>(
      `/api/messages/by-id?${new URLSearchParams({ id: byKey.messages[0]!.offsetMsgId })}`,
    );
    assert.equal(byId.messages[0]?.msgId, byKey.messages[0]!.msgId);
    const missing = await fetch(`${base}/api/messages/detail?${new URLSearchParams({ id: 'C0FFEE', topic })}`);
    assert.equal(missing.status, 404);
    await eventually(
      async () => {
        const tp = await get<{ total: { inTps: number }[] }>('/api/throughput');
        return tp.total.some((p) => p.inTps > 0);
      },
      { message: 'throughput sampled' },
    );
    // The producer has a broker to heartbeat to once it has sent.
    await eventually(
      async () => {
        const p = await get<{ producers: { group: string; language: string }[] }>('/api/producers');
        return p.producers.some((x) => x.group === producer.group && x.language === 'NODE_JS');
      },
      { message: 'producer listed' },
    );
    await send('DELETE', `/api/topics/${encodeURIComponent(topic)}`);
    assert.ok(!(await admin.topicList()).includes(topic));
  });

  it('shows a group with online clients, exact per-queue lag, and resets its offset to the start', async () => {
    const topic = unique('GroupTopic');
    const group = unique('Group');
    await admin.createTopic({ topic, clusterName: 'DefaultCluster', readQueueNums: 2, writeQueueNums: 2 });
    await eventually(async () => (await admin.topicRoute(topic).catch(() => undefined)) !== undefined, {
      message: 'route',
    });
    let consumed = 0;
    const c = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, consumerGroup: group });
    c.subscribe(topic, '*');
    c.registerMessageListener({
      type: 'concurrently',
      consume: (msgs) => {
        consumed += msgs.length;
      },
    });
    await c.start();
    try {
      for (let i = 0; i < 10; i++) await producer.send({ topic, body: `g${i}` });
      await eventually(() => consumed === 10, { message: 'consumed' });
      const g = await eventually(
        async () => {
          const v = await get<{ connections: unknown[]; totalLag: number; queues: { consumerOffset: number }[] }>(
            `/api/groups/${group}`,
          );
          return v.queues.reduce((s, q) => s + q.consumerOffset, 0) === 10 ? v : undefined;
        },
        { message: 'offsets committed' },
      );
      assert.equal(g.connections.length, 1);
      assert.equal(g.totalLag, 0);
      const list = await get<{ groups: { group: string; online: number }[] }>('/api/groups');
      assert.equal(list.groups.find((x) => x.group === group)?.online, 1);
      const reset = await send<{ queues: { offset: number }[] }>('POST', `/api/groups/${group}/reset-offset`, {
        topic,
        timestamp: 0,
      });
      assert.deepEqual(
        reset.queues.map((q) => q.offset),
        [0, 0],
      );
      // The reset replays the 10 messages.
      await eventually(() => consumed === 20, { message: 'replayed after reset' });
      const hist = await get<{ lagHistory: { lag: number }[] }>(`/api/groups/${group}`);
      assert.ok(hist.lagHistory.length > 0);
    } finally {
      await c.shutdown();
    }
  });
});
