import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createRequest, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { tempDir } from '@rocketmq-ts/testkit';

const BIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

describe('mqnamesrv with enableControllerInNamesrv=true', () => {
  it('starts a controller on its own port with its log under controllerStorePath', async () => {
    const dir = await tempDir('namesrv-controller-');
    const conf = join(dir.path, 'namesrv.properties');
    await writeFile(
      conf,
      [
        'listenPort=0',
        'bindAddress=127.0.0.1',
        `kvConfigPath=${join(dir.path, 'kv.json')}`,
        'enableControllerInNamesrv=true',
        'controllerDLegerPeers=n0-127.0.0.1:0',
        'controllerBindAddress=127.0.0.1',
        `controllerStorePath=${join(dir.path, 'controller')}`,
        '',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [BIN, '-c', conf], {
      env: { ...process.env, HOME: dir.path },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const addr = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /The Controller boot success\. address (\S+),/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      void exited.then(() => reject(new Error(`exited: ${out}`)));
    });
    const client = new RemotingClient();
    const ext = Object.assign(Object.create(null) as Record<string, string>, { clusterName: 'C', brokerName: 'b' });
    const r = await client.invoke(addr, createRequest(RequestCode.CONTROLLER_GET_NEXT_BROKER_ID, ext));
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.equal(r.extFields.nextBrokerId, '1');
    await client.close();
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    await dir.cleanup();
  });
});
