import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { type EtcdCluster, etcdAvailable, eventually, freePort, startEtcd, tempDir } from '@rocketmq-ts/testkit';
import { spawnController } from './controller-process.js';
import { ControllerWire } from './wire.js';

describe('mqcontroller (local event log)', () => {
  it('boots from controller.conf, keeps its state across kill -9, exits 0 on SIGTERM', async () => {
    const dir = await tempDir('mqcontroller-');
    const conf = `controllerDLegerPeers=n0-127.0.0.1:0\ncontrollerBindAddress=127.0.0.1\ncontrollerStorePath=${dir.path}/store\n`;
    let p = await spawnController(dir.path, 'c0', conf);
    let wire = new ControllerWire(p.address);
    assert.equal((await wire.applyId('b', 1, '127.0.0.1:1')).code, ResponseCode.SUCCESS);
    assert.equal((await wire.applyId('b', 2, '127.0.0.1:2')).code, ResponseCode.SUCCESS);
    await wire.close();
    p.child.kill('SIGKILL');
    await p.exited;
    p = await spawnController(dir.path, 'c0', conf);
    wire = new ControllerWire(p.address);
    const next = await wire.send(RequestCode.CONTROLLER_GET_NEXT_BROKER_ID, { clusterName: 'C', brokerName: 'b' });
    assert.equal(next.extFields.nextBrokerId, '3');
    await wire.close();
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    await dir.cleanup();
  });
});

describe('three mqcontroller processes on etcd', { skip: etcdAvailable() ? false : 'etcd not installed' }, () => {
  let etcd: EtcdCluster;
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    etcd = await startEtcd(3);
    dir = await tempDir('mqcontroller-etcd-');
  });
  after(async () => {
    await etcd?.stop();
    await dir?.cleanup();
  });

  it('one leader; followers forward; kill -9 of the leader and of one etcd member: state kept, a new leader serves', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const peers = ports.map((p, i) => `n${i}-127.0.0.1:${p}`).join(';');
    const conf = (i: number) =>
      [
        'controllerType=etcd',
        `controllerDLegerPeers=${peers}`,
        `controllerDLegerSelfId=n${i}`,
        'controllerBindAddress=127.0.0.1',
        `etcdEndpoints=${etcd.endpoints.join(',')}`,
        'etcdLeaseTtlSeconds=2',
        '',
      ].join('\n');
    const procs = await Promise.all([0, 1, 2].map((i) => spawnController(dir.path, `e${i}`, conf(i))));
    const wires = procs.map((p) => new ControllerWire(p.address));
    const leaderOf = async () => {
      const metas = await Promise.all(
        wires.map((w) => w.send(RequestCode.CONTROLLER_GET_METADATA_INFO, {}).catch(() => undefined)),
      );
      const leaders = metas.filter((m) => m?.extFields.isLeader === 'true');
      return leaders.length === 1 ? leaders[0]?.extFields.controllerLeaderAddress : undefined;
    };
    const leader = await eventually(leaderOf, { message: 'one leader', timeoutMs: 15_000 });
    const follower = wires.find((w) => w.addr !== leader);
    assert.ok(follower);
    // A change sent to a follower is forwarded to the leader.
    await eventually(async () => (await follower.applyId('b', 1, '127.0.0.1:1')).code === ResponseCode.SUCCESS, {
      message: 'forwarded apply',
    });
    assert.equal((await follower.applyId('b', 2, '127.0.0.1:2')).code, ResponseCode.SUCCESS);
    // Lose the leader (kill -9) and one etcd member at once.
    const li = procs.findIndex((p) => p.address === leader);
    procs[li]?.child.kill('SIGKILL');
    etcd.members[0]?.kill();
    const rest = wires.filter((_, i) => i !== li);
    const newLeader = await eventually(
      async () => {
        const metas = await Promise.all(
          rest.map((w) => w.send(RequestCode.CONTROLLER_GET_METADATA_INFO, {}).catch(() => undefined)),
        );
        return metas.find((m) => m?.extFields.isLeader === 'true')?.extFields.controllerLeaderAddress;
      },
      { message: 'new leader', timeoutMs: 20_000 },
    );
    assert.notEqual(newLeader, leader);
    const next = await eventually(
      async () => {
        const r = await rest[0]?.send(RequestCode.CONTROLLER_GET_NEXT_BROKER_ID, { clusterName: 'C', brokerName: 'b' });
        return r?.code === ResponseCode.SUCCESS ? r.extFields.nextBrokerId : undefined;
      },
      { message: 'state served by the new leader' },
    );
    assert.equal(next, '3');
    assert.equal((await rest[0]?.applyId('b', 3, '127.0.0.1:3'))?.code, ResponseCode.SUCCESS);
    for (const w of wires) await w.close();
    for (const [i, p] of procs.entries()) if (i !== li) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
  });
});
