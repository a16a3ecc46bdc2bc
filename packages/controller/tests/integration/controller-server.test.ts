import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createResponse, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingServer } from '@rocketmq-ts/remoting';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { ControllerManager, LocalLogStore } from '../../src/index.js';
import { ControllerWire } from './wire.js';

// One controller (local event log) on a real socket, driven with RocketMQ's controller codes.

describe('controller on the remoting port', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let ctl: ControllerManager;
  let wire: ControllerWire;
  const B = 'broker-a';
  const A1 = '127.0.0.1:30911';
  const A2 = '127.0.0.1:30921';

  before(async () => {
    dir = await tempDir('controller-server-');
    ctl = new ControllerManager({
      controllerDLegerPeers: 'n0-127.0.0.1:0',
      controllerBindAddress: '127.0.0.1',
      controllerStorePath: dir.path,
      scanNotActiveBrokerInterval: 100,
      scanInactiveMasterInterval: 200,
    });
    await ctl.start();
    wire = new ControllerWire(ctl.address);
  });
  after(async () => {
    await wire.close();
    await ctl.shutdown();
    await dir.cleanup();
  });

  it('registers two replicas, elects the first caller, expands the SyncStateSet', async () => {
    assert.equal(
      (await wire.send(RequestCode.CONTROLLER_GET_NEXT_BROKER_ID, { clusterName: 'C', brokerName: B })).extFields
        .nextBrokerId,
      '1',
    );
    assert.equal((await wire.applyId(B, 1, A1)).code, ResponseCode.SUCCESS);
    assert.equal((await wire.applyId(B, 2, A2)).code, ResponseCode.SUCCESS);
    assert.equal((await wire.register(B, 1, A1)).code, ResponseCode.SUCCESS);
    await wire.heartbeat(B, 1, A1);
    await wire.heartbeat(B, 2, A2);
    const e = await wire.elect(B, 1);
    assert.equal(e.code, ResponseCode.SUCCESS, e.remark);
    assert.deepEqual([e.extFields.masterBrokerId, e.extFields.masterAddress, e.extFields.masterEpoch], ['1', A1, '1']);
    const a = await wire.alter(B, 1, 1, [1, 2], 1);
    assert.equal(a.code, ResponseCode.SUCCESS, a.remark);
    assert.equal(a.extFields.newSyncStateSetEpoch, '2');
    const info = await wire.syncStateData(B);
    assert.deepEqual(
      info?.inSyncReplicas.map((r) => r.brokerId),
      [1, 2],
    );
    const meta = await wire.send(RequestCode.CONTROLLER_GET_METADATA_INFO, {});
    assert.equal(meta.extFields.isLeader, 'true');
    assert.equal(meta.extFields.controllerLeaderAddress, ctl.address);
  });

  it('refuses bad input with RocketMQ codes and changes nothing', async () => {
    const before = JSON.stringify(await wire.syncStateData(B));
    const cases: Array<[Promise<{ code: number }>, number]> = [
      [wire.alter('unknown-broker', 1, 1, [1], 2), ResponseCode.CONTROLLER_ALTER_SYNC_STATE_SET_FAILED],
      [wire.alter(B, 1, 0, [1], 2), ResponseCode.CONTROLLER_FENCED_MASTER_EPOCH],
      [wire.alter(B, 1, 1, [1], 1), ResponseCode.CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH],
      [wire.alter(B, 2, 1, [2], 2), ResponseCode.CONTROLLER_INVALID_MASTER],
      [wire.alter(B, 1, 1, [1, 2, 77], 2), ResponseCode.CONTROLLER_INVALID_REPLICAS],
      [wire.alter(B, 1, 1, [2], 2), ResponseCode.CONTROLLER_ALTER_SYNC_STATE_SET_FAILED],
      [
        wire.send(
          RequestCode.CONTROLLER_ALTER_SYNC_STATE_SET,
          { brokerName: B, masterBrokerId: 1, masterEpoch: 1 },
          Buffer.from('{"syncStateSet":[{"x":1}]}'),
        ),
        ResponseCode.CONTROLLER_INVALID_REQUEST,
      ],
      [wire.register('unknown-broker', 1, A1), ResponseCode.CONTROLLER_BROKER_NEED_TO_BE_REGISTERED],
      [wire.register(B, 9, A1), ResponseCode.CONTROLLER_BROKER_NEED_TO_BE_REGISTERED],
      [wire.elect('unknown-broker', 1), ResponseCode.CONTROLLER_BROKER_NEED_TO_BE_REGISTERED],
      [wire.elect(B, 2), ResponseCode.CONTROLLER_MASTER_STILL_EXIST],
      [wire.applyId(B, 1, '10.9.9.9:1'), ResponseCode.CONTROLLER_BROKER_ID_INVALID],
      [wire.applyId('new-set', 3, A1), ResponseCode.CONTROLLER_BROKER_ID_INVALID],
      [
        wire.send(RequestCode.CONTROLLER_GET_REPLICA_INFO, { brokerName: 'unknown-broker' }),
        ResponseCode.CONTROLLER_BROKER_METADATA_NOT_EXIST,
      ],
      [
        wire.send(RequestCode.BROKER_HEARTBEAT, { clusterName: 'C', brokerName: B, brokerAddr: A1 }),
        ResponseCode.CONTROLLER_INVALID_REQUEST,
      ],
      [
        wire.send(RequestCode.CLEAN_BROKER_DATA, { clusterName: 'C', brokerName: B }),
        ResponseCode.CONTROLLER_INVALID_CLEAN_BROKER_METADATA,
      ],
      [
        wire.send(RequestCode.UPDATE_CONTROLLER_CONFIG, {}, Buffer.from('configStorePath=/tmp/x\n')),
        ResponseCode.NO_PERMISSION,
      ],
      [
        wire.send(RequestCode.CONTROLLER_ELECT_MASTER, { clusterName: 'C', brokerName: B }),
        ResponseCode.CONTROLLER_INVALID_REQUEST,
      ],
      [wire.send(4242, {}), ResponseCode.REQUEST_CODE_NOT_SUPPORTED],
    ];
    for (const [p, code] of cases) assert.equal((await p).code, code);
    assert.equal(JSON.stringify(await wire.syncStateData(B)), before);
  });

  it('reads and updates its config (blacklisted keys refused)', async () => {
    const up = await wire.send(RequestCode.UPDATE_CONTROLLER_CONFIG, {}, Buffer.from('electMasterMaxRetryCount=5\n'));
    assert.equal(up.code, ResponseCode.SUCCESS);
    const got = await wire.send(RequestCode.GET_CONTROLLER_CONFIG, {});
    assert.match(got.body?.toString() ?? '', /^electMasterMaxRetryCount=5$/m);
  });

  it('elects the in-sync slave when the master connection closes, and notifies it', async () => {
    // The slave listens at its advertised address for NOTIFY_BROKER_ROLE_CHANGED.
    const notified: Record<string, string>[] = [];
    const slaveServer = new RemotingServer({ port: 0, host: '127.0.0.1' });
    slaveServer.registerProcessor(RequestCode.NOTIFY_BROKER_ROLE_CHANGED, (req) => {
      notified.push({ ...req.extFields });
      return createResponse(req, ResponseCode.SUCCESS);
    });
    await slaveServer.listen();
    const slaveAddr = `127.0.0.1:${slaveServer.port}`;
    const master = new ControllerWire(ctl.address);
    const slave = new ControllerWire(ctl.address);
    assert.equal((await slave.register(B, 2, slaveAddr)).code, ResponseCode.SUCCESS);
    await master.heartbeat(B, 1, A1, { epoch: 1, maxOffset: 100 });
    await slave.heartbeat(B, 2, slaveAddr, { epoch: 1, maxOffset: 100 });
    await master.close(); // the master's connection goes: inactive at once
    await eventually(async () => (await wire.syncStateData(B))?.masterBrokerId === 2, { message: 'slave elected' });
    const info = await wire.syncStateData(B);
    assert.deepEqual([info?.masterEpoch, info?.inSyncReplicas.map((r) => r.brokerId)], [2, [2]]);
    await eventually(() => notified.length > 0, { message: 'notify' });
    assert.deepEqual(
      [notified[0]?.masterBrokerId, notified[0]?.masterEpoch, notified[0]?.masterAddress],
      ['2', '2', slaveAddr],
    );
    await slave.close();
    await slaveServer.close(0);
  });

  it('the event log replays to the state the controller held', async () => {
    await ctl.shutdown();
    const held = await ctl.controllerStore?.query((st) => JSON.stringify(st.toJSON()));
    const s = new LocalLogStore({ dir: dir.path, address: 'x' });
    await s.open();
    assert.equal(await s.query((st) => JSON.stringify(st.toJSON())), held);
    assert.equal(s.report.truncatedBytes, 0);
    await s.close();
  });
});
