import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ResponseCode } from '@rocketmq-ts/protocol';
import type { ControllerStore, ReplicasInfo } from '../src/index.js';

// The conformance suite every ControllerStore passes (run by the local-log and the etcd tests).
// `make(n)` opens the n-th store on the same backing data (same dir / same etcd prefix).

const applyNext = (clusterName: string, brokerName: string, addr: string) => (s: ReplicasInfo) => {
  const next = s.getNextBrokerId({ clusterName, brokerName }).header.nextBrokerId ?? 1;
  return s.applyBrokerId({ clusterName, brokerName, appliedBrokerId: next, registerCheckCode: `${addr};${next}` });
};

export function storeConformance(make: () => Promise<ControllerStore>): void {
  it('commits a decision, serves it to queries, and a reopened store sees it', async () => {
    const a = await make();
    const r = await a.transact(applyNext('C', 'b1', 'h:1'));
    assert.ok(r.ok && r.result.code === ResponseCode.SUCCESS);
    assert.deepEqual(await a.query((s) => [...(s.get('b1')?.replicas.keys() ?? [])]), [1]);
    await a.close();
    const b = await make();
    assert.deepEqual(await b.query((s) => [...(s.get('b1')?.replicas.keys() ?? [])]), [1]);
    await b.close();
  });

  it('a refused decision commits nothing', async () => {
    const a = await make();
    const before = await a.query((s) => JSON.stringify(s.toJSON()));
    const r = await a.transact((s) =>
      s.applyBrokerId({ clusterName: 'C', brokerName: 'new-set', appliedBrokerId: 5, registerCheckCode: 'x;1' }),
    );
    assert.ok(r.ok && r.result.code === ResponseCode.CONTROLLER_BROKER_ID_INVALID);
    assert.equal(await a.query((s) => JSON.stringify(s.toJSON())), before);
    await a.close();
  });

  it('concurrent changes are serialised: 20 parallel id applications get 20 distinct ids', async () => {
    const a = await make();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => a.transact(applyNext('C', 'b2', `h:${i}`))));
    assert.ok(results.every((r) => r.ok && r.result.code === 0));
    assert.deepEqual(
      await a.query((s) => [...(s.get('b2')?.replicas.keys() ?? [])].sort((x, y) => x - y)),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    await a.close();
  });
}
