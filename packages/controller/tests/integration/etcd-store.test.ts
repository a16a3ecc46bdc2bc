import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EtcdCluster, etcdAvailable, eventually, startEtcd } from '@rocketmq-ts/testkit';
import { Etcd3 } from 'etcd3';
import { EtcdStore } from '../../src/index.js';
import { storeConformance } from '../store-suite.js';

// Real etcd (Debian's etcd-server) on free ports in a temp dir.

describe('EtcdStore', { skip: etcdAvailable() ? false : 'etcd not installed (apt-get install etcd-server)' }, () => {
  let etcd: EtcdCluster;
  let n = 0;
  before(async () => {
    etcd = await startEtcd(1);
  });
  after(() => etcd?.stop());

  const open = async (prefix: string, address: string) => {
    const s = new EtcdStore({ endpoints: etcd.endpoints, prefix, address, leaseTtlSeconds: 2, pollIntervalMs: 50 });
    await s.open();
    return s;
  };

  storeConformance(async () => {
    const s = await open('/suite', `127.0.0.1:${9000 + n++}`);
    await eventually(() => s.isLeader(), { message: 'leadership' });
    return s;
  });

  it('one leader among three; followers refuse changes; the leader closing hands over', async () => {
    const stores = [await open('/three', 'c0'), await open('/three', 'c1'), await open('/three', 'c2')];
    await eventually(() => stores.filter((s) => s.isLeader()).length === 1, { message: 'one leader' });
    const leader = stores.find((s) => s.isLeader());
    assert.ok(leader);
    for (const s of stores)
      await eventually(() => s.leaderAddress() === leader.leaderAddress(), { message: 'leader known' });
    const follower = stores.find((s) => !s.isLeader());
    const refused = await follower?.transact((st) =>
      st.applyBrokerId({ clusterName: 'C', brokerName: 'b', appliedBrokerId: 1, registerCheckCode: 'x;1' }),
    );
    assert.deepEqual(refused, { ok: false, reason: 'not-leader' });
    await leader.close();
    const rest = stores.filter((s) => s !== leader);
    await eventually(() => rest.filter((s) => s.isLeader()).length === 1, { message: 'new leader', timeoutMs: 10_000 });
    for (const s of rest) await s.close();
  });

  it('a deposed leader (its election key gone) commits nothing', async () => {
    const a = await open('/fence', 'a');
    await eventually(() => a.isLeader(), { message: 'a leads' });
    const raw = new Etcd3({ hosts: etcd.endpoints });
    // Take a's key away behind its back, and let b lead.
    await raw.delete().prefix('/fence/election/').exec();
    const b = await open('/fence', 'b');
    await eventually(() => b.isLeader(), { message: 'b leads' });
    const r = await a.transact((st) =>
      st.applyBrokerId({ clusterName: 'C', brokerName: 'x', appliedBrokerId: 1, registerCheckCode: 'a;1' }),
    );
    assert.equal(r.ok, false);
    assert.equal(await b.query((st) => st.get('x')), undefined);
    await a.close();
    await b.close();
    raw.close();
  });
});
