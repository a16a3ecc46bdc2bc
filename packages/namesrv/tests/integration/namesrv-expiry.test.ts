import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { NamesrvController } from '../../src/index.js';
import { registerRequest, topic } from '../fixtures.js';

describe('NameServer lease expiry (real timers)', async () => {
  const dir = await tempDir('namesrv-expiry-');
  const ns = new NamesrvController({
    listenPort: 0,
    bindAddress: '127.0.0.1',
    kvConfigPath: join(dir.path, 'kvConfig.json'),
    scanNotActiveBrokerInterval: 20,
  });
  const broker = new RemotingClient();
  after(async () => {
    await broker.close();
    await ns.shutdown();
    await dir.cleanup();
  });

  it('drops a silent broker after its heartbeatTimeoutMillis and closes its connection', async () => {
    await ns.start();
    const r = await broker.invoke(
      ns.address,
      registerRequest({
        brokerName: 'b',
        brokerAddr: '10.0.0.1:10911',
        topics: [topic('T')],
        heartbeatTimeoutMillis: 100,
      }),
    );
    assert.equal(r.code, 0);
    assert.equal(ns.routeInfo.liveBrokers().length, 1);
    const conn = [...broker.connections()][0]!;
    await eventually(() => ns.routeInfo.liveBrokers().length === 0 && conn.closed, {
      timeoutMs: 5000,
      message: 'broker lease to expire and its connection to close',
    });
    assert.equal(ns.routeInfo.pickupTopicRouteData('T'), undefined);
  });
});
