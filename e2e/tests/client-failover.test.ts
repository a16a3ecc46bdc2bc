import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MQAdmin, Producer } from '@rocketmq-ts/client';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { startCluster, type TestCluster, unique } from './client-support.js';

const MQBROKER = fileURLToPath(new URL('../../../packages/distribution/bin/mqbroker.js', import.meta.url));

/** `mqbroker` as a child process on port 0, registered with the cluster's NameServer. */
async function spawnBroker(cluster: TestCluster, dir: string, brokerName: string): Promise<ChildProcess> {
  const conf = join(dir, 'broker.conf');
  const lines = {
    brokerClusterName: cluster.clusterName,
    brokerName,
    listenPort: 0,
    listenHost: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    namesrvAddr: cluster.namesrvAddr,
    storePathRootDir: join(dir, 'store'),
    mappedFileSizeCommitLog: 16 * 1024 * 1024,
  };
  await writeFile(
    conf,
    Object.entries(lines)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  const child = spawn(process.execPath, [MQBROKER, '-c', conf], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROCKETMQ_LOG_LEVEL: 'warn' },
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/boot success/.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${brokerName} exited with ${code} before booting: ${err}`)));
  });
  return child;
}

describe('client with two brokers', () => {
  let cluster: TestCluster;
  let brokerB: ChildProcess;
  let dirB: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    cluster = await startCluster();
    dirB = await tempDir('rmq-broker-b-');
    brokerB = await spawnBroker(cluster, dirB.path, 'broker-b');
  });
  after(async () => {
    if (brokerB.exitCode === null && brokerB.signalCode === null) {
      const exited = new Promise((r) => brokerB.once('exit', r));
      brokerB.kill('SIGKILL');
      await exited;
    }
    await dirB.cleanup();
    await cluster.shutdown();
  });

  it('creates topics on every master and keeps sending when one broker is killed (-9)', async () => {
    const topic = unique('T_failover');
    const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, sendMsgTimeoutMs: 5000 });
    try {
      await eventually(async () => (await admin.masterAddrs(cluster.clusterName)).length === 2, {
        message: 'two masters',
      });
      const created = await admin.createTopic({
        topic,
        clusterName: cluster.clusterName,
        readQueueNums: 2,
        writeQueueNums: 2,
      });
      assert.equal(created.length, 2);
      await eventually(async () => (await admin.topicRoute(topic).catch(() => undefined))?.queueDatas.length === 2, {
        message: 'route on both brokers',
      });
      await producer.start();
      const before = new Set<string>();
      for (let i = 0; i < 20; i++) before.add((await producer.send({ topic, body: `x${i}` })).messageQueue.brokerName);
      assert.deepEqual([...before].sort(), ['broker-a', 'broker-b']);
      // broker-b dies without unregistering: the producer still routes to it (its cached route
      // is refreshed every 30 s) and must fail over to broker-a send by send.
      const exited = new Promise((r) => brokerB.once('exit', r));
      brokerB.kill('SIGKILL');
      await exited;
      const after = new Map<string, number>();
      for (let i = 0; i < 30; i++) {
        const r = await producer.send({ topic, body: `y${i}` });
        assert.equal(r.sendStatus, 'SEND_OK');
        after.set(r.messageQueue.brokerName, (after.get(r.messageQueue.brokerName) ?? 0) + 1);
      }
      assert.deepEqual([...after.keys()], ['broker-a']);
      assert.equal(after.get('broker-a'), 30);
      // The NameServer drops the dead broker from the route (its connection is gone), and a
      // client asking again sees only broker-a.
      await eventually(
        async () => {
          const route = await admin.topicRoute(topic).catch(() => undefined);
          return route?.brokerDatas.length === 1 && route.brokerDatas[0]!.brokerName === 'broker-a';
        },
        { timeoutMs: 20_000, message: 'broker-b gone from the route' },
      );
    } finally {
      await producer.shutdown();
      await admin.close();
    }
  });
});
