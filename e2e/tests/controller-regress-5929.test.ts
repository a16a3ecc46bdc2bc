// apache/rocketmq#5929 / #9845 (ha-and-controller.md §4 scenario 19): one of the broker's
// controller addresses is blackholed — a listener that accepts connections and never answers.
// Every broker keeps registering and heartbeating through the real controller (the embedded one of
// `mqnamesrv`), the group forms, the slave stays in the SyncStateSet, no failover or epoch change
// happens over several heartbeat timeouts, and sends keep getting SEND_OK. The blackholed address
// is listed first, so every leader lookup tries it before the real one.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MQAdmin, Producer } from '@rocketmq-ts/client';
import { tempDir } from '@rocketmq-ts/testkit';
import {
  info,
  type Member,
  type NamesrvWithController,
  spawnMember,
  spawnNamesrvWithController,
  stopProc,
  waitSettled,
} from './controller-mode-support.js';

const TOPIC = 'Ctl5929';
const HEARTBEAT_TIMEOUT_MS = 2000;

describe('controller mode: #5929 / #9845 an unreachable controller address', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let ns: NamesrvWithController;
  let admin: MQAdmin;
  let producer: Producer | undefined;
  const members: Member[] = [];
  const held: net.Socket[] = [];
  let blackholeBytes = 0;
  const blackhole = net.createServer((sock) => {
    held.push(sock);
    sock.on('data', (d) => {
      blackholeBytes += d.length;
    });
    sock.on('error', () => {});
  });

  before(async () => {
    dir = await tempDir('rmq-5929-');
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const blackholeAddr = `127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`;
    ns = await spawnNamesrvWithController(join(dir.path, 'ns'));
    admin = new MQAdmin({ namesrvAddr: ns.namesrvAddr });
    const props = {
      namesrvAddr: ns.namesrvAddr,
      controllerAddr: `${blackholeAddr};${ns.controllerAddr}`,
      controllerHeartBeatTimeoutMills: HEARTBEAT_TIMEOUT_MS,
      brokerHeartbeatInterval: 300,
    };
    members.push(await spawnMember(join(dir.path, 'b0'), 'b0', props));
    await waitSettled(admin, members, 20_000);
    members.push(await spawnMember(join(dir.path, 'b1'), 'b1', props));
  });

  after(async () => {
    await producer?.shutdown().catch(() => undefined);
    for (const m of members) await stopProc(m.proc);
    await admin?.close();
    await stopProc(ns?.proc);
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => blackhole.close(() => resolve()));
    await dir?.cleanup();
  });

  it('#5929 / #9845: the group forms through the reachable controller and stays put over several heartbeat timeouts', async () => {
    const master = await waitSettled(admin, members, 20_000);
    const slave = members.find((m) => m !== master)!;
    const [mi, si] = await Promise.all([info(admin, master), info(admin, slave)]);
    const epoch = mi.controllerMasterEpoch;
    assert.ok(Number(epoch) >= 1);
    assert.equal(si.controllerMasterEpoch, epoch);
    const set = mi.syncStateSet;
    assert.deepEqual(set?.split(',').sort(), [mi.controllerBrokerId, si.controllerBrokerId].sort());
    assert.ok(blackholeBytes > 0, 'the brokers also tried the blackholed controller');

    await admin.createTopic({ topic: TOPIC, brokerAddr: master.addr, readQueueNums: 1, writeQueueNums: 1 });
    const p = new Producer({ namesrvAddr: ns.namesrvAddr, producerGroup: 'regress_5929_pg' });
    producer = p;
    await p.start();

    // Three heartbeat timeouts: a broker whose heartbeats were held up behind the blackholed
    // address would be timed out by the controller, and the group would fail over.
    const until = Date.now() + 3 * HEARTBEAT_TIMEOUT_MS + 500;
    let sent = 0;
    while (Date.now() < until) {
      const r = await p.send({ topic: TOPIC, body: `m${sent}` });
      assert.equal(r.sendStatus, 'SEND_OK', `send ${sent}`);
      sent++;
      const [m, s] = await Promise.all([info(admin, master), info(admin, slave)]);
      assert.equal(m.brokerRole, 'SYNC_MASTER', 'the master stays master');
      assert.equal(m.controllerMasterEpoch, epoch, 'no epoch change on the master');
      assert.equal(s.brokerRole, 'SLAVE', 'the slave stays slave');
      assert.equal(s.controllerMasterEpoch, epoch, 'no epoch change on the slave');
      assert.equal(m.syncStateSet, set, 'the slave stays in the SyncStateSet');
    }
    assert.ok(sent >= 5, `${sent} sends`);
  });
});
