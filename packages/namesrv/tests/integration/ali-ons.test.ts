import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { tempDir } from '@rocketmq-ts/testkit';
import { NamesrvController } from '../../src/index.js';
import { registerRequest, topic } from '../fixtures.js';

const PROBE = fileURLToPath(new URL('./ali-ons-probe.js', import.meta.url));

/** Runs the probe; kills it if it outlives `timeoutMs`. */
function runProbe(
  args: string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PROBE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('ali-ons against the NameServer', async () => {
  const dir = await tempDir('namesrv-alions-');
  const ns = new NamesrvController({
    listenPort: 0,
    bindAddress: '127.0.0.1',
    kvConfigPath: join(dir.path, 'kvConfig.json'),
  });
  const client = new RemotingClient();

  before(async () => {
    await ns.start();
    const r = await client.invoke(
      ns.address,
      registerRequest({ brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911', topics: [topic('TopicTest', 4)] }),
    );
    assert.equal(r.code, ResponseCode.SUCCESS);
  });
  after(async () => {
    await client.close();
    await ns.shutdown();
    await dir.cleanup();
  });

  it('resolves a registered topic (ali-ons sends version 121: bare-key JSON) and fails an unknown one with 17', async () => {
    const { code, stdout, stderr } = await runProbe([ns.address, 'TopicTest', 'NoSuchTopic']);
    assert.equal(code, 0, stderr);
    const out = JSON.parse(stdout);
    assert.deepEqual(out.route, {
      brokerDatas: [
        {
          brokerAddrs: { 0: '10.0.0.1:10911' },
          brokerName: 'broker-a',
          cluster: 'DefaultCluster',
          enableActingMaster: false,
        },
      ],
      filterServerTable: {},
      queueDatas: [{ brokerName: 'broker-a', perm: 6, readQueueNums: 4, topicSysFlag: 0, writeQueueNums: 4 }],
    });
    assert.deepEqual(out.queues, ['broker-a#0', 'broker-a#1', 'broker-a#2', 'broker-a#3']);
    assert.equal(out.masterAddr, '10.0.0.1:10911');
    assert.deepEqual(out.missing, { name: 'MQClientException', code: ResponseCode.TOPIC_NOT_EXIST });
  });
});
