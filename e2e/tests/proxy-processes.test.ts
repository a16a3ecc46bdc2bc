import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { unique } from './client-support.js';
import {
  createTopic,
  type ProxyCluster,
  producer,
  receiveN,
  simpleConsumer,
  startProxyCluster,
  stop,
} from './proxy-grpc-support.js';

// Issue 13: the proxy as its own processes. Two `mqproxy` (Cluster mode) side by side serve one
// cluster: a message produced through one is consumed through the other. `mqbroker
// --enable-proxy` runs a broker with the gRPC proxy in its process (RocketMQ 5.x's flag).

const BIN = (name: string) => fileURLToPath(new URL(`../../../packages/distribution/bin/${name}`, import.meta.url));

interface Spawned {
  proc: ChildProcess;
  /** The gRPC endpoint from the process's "boot success, gRPC port N" line. */
  endpoints: string;
}

/** Spawns a bin and waits for its proxy's boot line. */
async function spawnProxyProcess(bin: string, args: string[]): Promise<Spawned> {
  const proc = spawn(process.execPath, [BIN(bin), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROCKETMQ_LOG_LEVEL: 'warn' },
  });
  let out = '';
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => {
    err += c;
  });
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${bin} did not boot in 30 s: ${out}${err}`)), 30_000);
    proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /boot success, gRPC port (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${bin} exited with ${code} before booting: ${out}${err}`));
    });
  });
  return { proc, endpoints: `127.0.0.1:${port}` };
}

async function stopProcess(s: Spawned | undefined): Promise<void> {
  if (!s || s.proc.exitCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  const t = setTimeout(() => s.proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

describe('gRPC proxy processes', () => {
  let c: ProxyCluster;
  let dir: { path: string; cleanup: () => Promise<void> };
  const spawned: Spawned[] = [];
  before(async () => {
    c = await startProxyCluster();
    dir = await tempDir('rmq-proxy-proc-');
    // Polls may be shorter than Java's 5 s floor: the consumers here await 2 s.
    const json = { grpcServerPort: 0, grpcServerHost: '127.0.0.1', grpcClientConsumerMinLongPollingTimeoutMillis: 500 };
    await writeFile(join(dir.path, 'rmq-proxy.json'), JSON.stringify(json));
  });
  after(async () => {
    for (const s of spawned) await stopProcess(s);
    await c.shutdown();
    await dir.cleanup();
  });

  it('two mqproxy processes serve one cluster: produced through one, consumed through the other', async () => {
    const pc = join(dir.path, 'rmq-proxy.json');
    const [a, b] = await Promise.all([
      spawnProxyProcess('mqproxy.js', ['-n', c.namesrvAddr, '-pc', pc]),
      spawnProxyProcess('mqproxy.js', ['-n', c.namesrvAddr, '-pc', pc]),
    ]);
    spawned.push(a, b);
    assert.notEqual(a.endpoints, b.endpoints);
    const topic = unique('T_px_two');
    await createTopic(c, topic);
    const p = producer(a.endpoints, [topic]);
    await p.startup();
    const s = simpleConsumer(b.endpoints, unique('G_px_two'), topic);
    await s.startup();
    try {
      const sent = [];
      for (let i = 0; i < 5; i++) sent.push((await p.send({ topic, body: Buffer.from(`two-${i}`) })).messageId);
      const got = await receiveN(s, 5);
      for (const m of got) await s.ack(m);
      assert.deepEqual(got.map((m) => m.messageId).sort(), sent.sort());
    } finally {
      await stop(s);
      await stop(p);
    }
  });

  it('mqbroker --enable-proxy runs a broker with the gRPC proxy in its process', async () => {
    const conf = join(dir.path, 'broker-p.conf');
    const lines = {
      brokerClusterName: 'ProxyCluster',
      brokerName: 'broker-p',
      listenPort: 0,
      brokerIP1: '127.0.0.1',
      storePathRootDir: join(dir.path, 'store-p'),
      metricsExporterType: 'DISABLE',
    };
    await writeFile(
      conf,
      Object.entries(lines)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    const broker = await spawnProxyProcess('mqbroker.js', [
      '-n',
      c.namesrvAddr,
      '-c',
      conf,
      '--enable-proxy',
      '-pc',
      join(dir.path, 'rmq-proxy.json'),
    ]);
    spawned.push(broker);
    const topic = unique('T_px_mqbroker');
    await c.admin.createTopic({ topic, clusterName: 'ProxyCluster', readQueueNums: 2, writeQueueNums: 2 });
    await eventually(async () => (await c.admin.topicRoute(topic).catch(() => undefined))?.queueDatas.length === 1);
    const route = await c.admin.topicRoute(topic);
    assert.deepEqual(
      route.queueDatas.map((q) => q.brokerName),
      ['broker-p'],
    );
    const p = producer(broker.endpoints, [topic]);
    await p.startup();
    const s = simpleConsumer(broker.endpoints, unique('G_px_mqbroker'), topic);
    await s.startup();
    try {
      const receipt = await p.send({ topic, body: Buffer.from('in-process') });
      const [m] = await receiveN(s, 1);
      assert.ok(m, 'received');
      assert.equal(m.messageId, receipt.messageId);
      await s.ack(m);
    } finally {
      await stop(s);
      await stop(p);
    }
  });
});
