// Controller mode with real processes: learners (RocketMQ's asyncLearner) and a broker that
// restarts while no controller answers (apache/rocketmq#6508, ha-and-controller.md §4
// scenario 6). A learner replicates but never joins the SyncStateSet, so no election picks it,
// and it never asks to be elected itself (not even as the first broker of an empty group). A
// broker whose role is not confirmed is not registered with the NameServer, refuses sends and
// serves no reads, even of what its store already holds.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MQAdmin } from '@rocketmq-ts/client';
import {
  createRequest,
  GetMaxOffsetRequestHeader,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { eventually, freePort, tempDir } from '@rocketmq-ts/testkit';
import {
  findMaster,
  info,
  kill9,
  type Member,
  type NamesrvWithController,
  pulledBodies,
  rawPull,
  rawSend,
  restartMember,
  spawnMember,
  spawnNamesrvWithController,
  stopProc,
} from './controller-mode-support.js';

const topic = 'CtlLearner';

describe('controller mode: learners and #6508', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let ns: NamesrvWithController;
  let admin: MQAdmin;
  const client = new RemotingClient({ requestTimeoutMs: 10_000 });
  const members: Member[] = [];
  let learner: Member;
  let b0: Member;
  let b1: Member;

  const send = (addr: string, body: string): Promise<RemotingCommand> =>
    rawSend(client, addr, topic, 'learner_pg', body);
  const pull = (addr: string, offset: number): Promise<RemotingCommand> =>
    rawPull(client, addr, topic, 'learner_cg', offset);
  const bodies = pulledBodies;
  const role = async (m: Member) => (await info(admin, m).catch(() => undefined))?.brokerRole;

  before(async () => {
    dir = await tempDir('rmq-ctl-learner-');
    ns = await spawnNamesrvWithController(join(dir.path, 'ns'));
    admin = new MQAdmin({ namesrvAddr: ns.namesrvAddr });
  });

  after(async () => {
    for (const m of members) await stopProc(m.proc);
    await admin?.close();
    await client.close();
    await stopProc(ns?.proc);
    await dir?.cleanup();
  });

  it('a learner started first does not become master of the empty group', async () => {
    const props = { namesrvAddr: ns.namesrvAddr, controllerAddr: ns.controllerAddr };
    learner = await spawnMember(join(dir.path, 'learner'), 'learner', { ...props, asyncLearner: true });
    members.push(learner);
    // It registers with the controller (gets id 1) but asks for no election: it stays fenced.
    await eventually(
      async () =>
        (await readFile(join(learner.dir, 'store', 'brokerIdentity'), 'utf8').catch(() => '')).trim() ===
        'CtlCluster#broker-a#1',
      { message: 'learner registered' },
    );
    for (let i = 0; i < 5; i++) {
      assert.equal(await role(learner), 'FENCED', `poll ${i}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    b0 = await spawnMember(join(dir.path, 'b0'), 'b0', props);
    members.push(b0);
    await eventually(async () => (await role(b0)) === 'SYNC_MASTER', { timeoutMs: 20_000, message: 'b0 master' });
    await eventually(async () => (await role(learner)) === 'SLAVE', { timeoutMs: 20_000, message: 'learner follows' });
  });

  it('the learner replicates but never enters the SyncStateSet; a failover never elects it', async () => {
    b1 = await spawnMember(join(dir.path, 'b1'), 'b1', {
      namesrvAddr: ns.namesrvAddr,
      controllerAddr: ns.controllerAddr,
    });
    members.push(b1);
    const b1Id = await eventually(async () => {
      const id = (await info(admin, b1)).controllerBrokerId;
      return id !== undefined && id !== '-1' && id;
    });
    await eventually(async () => (await info(admin, b0)).syncStateSet?.split(',').includes(b1Id), {
      timeoutMs: 20_000,
      message: 'b1 in the SyncStateSet',
    });
    await admin.createTopic({ topic, brokerAddr: b0.addr, readQueueNums: 1, writeQueueNums: 1 });
    for (let i = 0; i < 5; i++) {
      const r = await send(b0.addr, `m${i}`);
      assert.equal(r.code, ResponseCode.SUCCESS, `m${i}: ${r.code} ${r.remark}`);
    }
    const masterMax = (await info(admin, b0)).commitLogMaxOffset;
    await eventually(async () => (await info(admin, learner)).commitLogMaxOffset === masterMax, {
      message: 'learner holds everything',
    });
    assert.deepEqual((await info(admin, b0)).syncStateSet?.split(',').sort(), ['2', b1Id].sort());
    assert.ok(!(await info(admin, b0)).syncStateSet?.split(',').includes('1'), 'the learner (id 1) is not in the set');

    await kill9(b0);
    await eventually(async () => (await findMaster(admin, [b1, learner])) === b1, {
      timeoutMs: 20_000,
      message: 'b1 elected',
    });
    assert.equal(await role(learner), 'SLAVE');
    // The last SyncStateSet member dies: the learner is alive and holds the data, yet stays a slave.
    await kill9(b1);
    for (let i = 0; i < 10; i++) {
      assert.notEqual(await role(learner), 'SYNC_MASTER', `poll ${i}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  });

  it('#6508: a broker restarted while no controller answers is not registered, refuses sends and serves no reads', async () => {
    // b1 holds m0..m4. Restart it pointed at a controller address nobody listens on.
    const dead = `127.0.0.1:${await freePort()}`;
    const conf = await readFile(b1.conf, 'utf8');
    await writeFile(b1.conf, conf.replace(/^controllerAddr=.*$/m, `controllerAddr=${dead}`));
    await restartMember(b1);
    assert.equal(await role(b1), 'FENCED');
    const route = await admin.topicRoute(topic).catch(() => undefined);
    const addrs = route?.brokerDatas.flatMap((d) => [...d.brokerAddrs.values()]) ?? [];
    assert.ok(!addrs.includes(b1.addr), `not registered with the NameServer: ${addrs.join(',')}`);
    const s = await send(b1.addr, 'late');
    assert.equal(s.code, ResponseCode.SERVICE_NOT_AVAILABLE, `${s.code} ${s.remark}`);
    const p = await pull(b1.addr, 0);
    assert.deepEqual(bodies(p), [], `pull answered ${p.code} with its stored messages`);
    const max = await client.invoke(
      b1.addr,
      createRequest(RequestCode.GET_MAX_OFFSET, GetMaxOffsetRequestHeader.encode({ topic, queueId: 0 })),
    );
    assert.equal(max.extFields.offset, '0', 'no queue offset is visible before the role');
  });
});
