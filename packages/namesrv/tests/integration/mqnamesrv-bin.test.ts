import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createRequest, RequestCode } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { tempDir } from '@rocketmq-ts/testkit';

// The module the `mqnamesrv` bin of the rocketmq-ts package runs (@rocketmq-ts/namesrv/mqnamesrv).
const BIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

describe('mqnamesrv', async () => {
  const dir = await tempDir('mqnamesrv-bin-');
  after(() => dir.cleanup());
  const env = { ...process.env, HOME: dir.path };

  it('prints the effective config with -p and exits', async () => {
    const conf = join(dir.path, 'namesrv.properties');
    await writeFile(conf, 'listenPort=19876\norderMessageEnable=true\n');
    const child = spawn(process.execPath, [BIN, '-c', conf, '-p'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    assert.match(out, /^listenPort=19876$/m);
    assert.match(out, /^orderMessageEnable=true$/m);
    assert.match(out, /^scanNotActiveBrokerInterval=5000$/m);
    assert.ok(out.includes(`kvConfigPath=${join(dir.path, 'namesrv', 'kvConfig.json')}`), out);
  });

  it('boots, prints the Java boot line, serves requests and exits 0 on SIGTERM', async () => {
    const conf = join(dir.path, 'boot.properties');
    await writeFile(conf, `listenPort=0\nbindAddress=127.0.0.1\nkvConfigPath=${join(dir.path, 'kv.json')}\n`);
    const child = spawn(process.execPath, [BIN, '-c', conf], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.on('close', () => reject(new Error(`exited before booting: ${out}`)));
      });
      const m = /^The Name Server boot success\. serializeType=JSON, address 127\.0\.0\.1:(\d+)$/.exec(line);
      assert.ok(m, line);
      const client = new RemotingClient();
      try {
        const r = await client.invoke(`127.0.0.1:${m[1]}`, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO));
        assert.equal(r.body?.toString(), '{"brokerAddrTable":{},"clusterAddrTable":{}}');
      } finally {
        await client.close();
      }
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
