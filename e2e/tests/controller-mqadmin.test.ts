import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ControllerManager } from '@rocketmq-ts/controller';
import { createRequest, encodeSyncStateSet, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { tempDir } from '@rocketmq-ts/testkit';
import { runNode } from './client-support.js';

// mqadmin's controller commands against a real controller (local log, port 0).

const BIN = fileURLToPath(new URL('../../../packages/cli/dist/src/mqadmin.js', import.meta.url));
const mqadmin = (args: string[]) => runNode(BIN, args);

describe('mqadmin controller commands', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let ctl: ControllerManager;
  const brokers = new RemotingClient();
  let a: string[];
  const send = (code: number, fields: Record<string, string | number | boolean>, body?: Buffer) => {
    const ext = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(fields)) ext[k] = String(v);
    return brokers.invoke(ctl.address, createRequest(code, ext, body));
  };

  before(async () => {
    dir = await tempDir('controller-mqadmin-');
    ctl = new ControllerManager({
      controllerDLegerPeers: 'n0-127.0.0.1:0',
      controllerBindAddress: '127.0.0.1',
      controllerStorePath: dir.path,
    });
    await ctl.start();
    a = ['-a', ctl.address];
    for (const id of [1, 2, 3]) {
      const addr = `127.0.0.1:${40000 + id}`;
      await send(RequestCode.CONTROLLER_APPLY_BROKER_ID, {
        clusterName: 'C',
        brokerName: 'b',
        appliedBrokerId: id,
        registerCheckCode: `${addr};1`,
      });
      await send(RequestCode.BROKER_HEARTBEAT, {
        clusterName: 'C',
        brokerName: 'b',
        brokerAddr: addr,
        brokerId: id,
        heartbeatTimeoutMills: 600_000,
      });
    }
    assert.equal(
      (
        await send(RequestCode.CONTROLLER_ELECT_MASTER, {
          clusterName: 'C',
          brokerName: 'b',
          brokerId: 1,
          designateElect: false,
        })
      ).code,
      0,
    );
    const alter = await send(
      RequestCode.CONTROLLER_ALTER_SYNC_STATE_SET,
      { brokerName: 'b', masterBrokerId: 1, masterEpoch: 1 },
      encodeSyncStateSet({ syncStateSet: [1, 2], syncStateSetEpoch: 1 }),
    );
    assert.equal(alter.code, 0);
  });
  after(async () => {
    await brokers.close();
    await ctl.shutdown();
    await dir.cleanup();
  });

  it('getControllerMetaData and getSyncStateSet', async () => {
    const meta = await mqadmin(['getControllerMetaData', ...a]);
    assert.equal(meta.code, 0, meta.stderr);
    assert.match(meta.stdout, new RegExp(`ControllerLeaderAddress\\t${ctl.address}`));
    const sss = await mqadmin(['getSyncStateSet', ...a, '-b', 'b']);
    assert.equal(sss.code, 0, sss.stderr);
    assert.match(sss.stdout, /#MasterBrokerId\t1\n/);
    assert.match(sss.stdout, /#SyncStateSetNums\t2\n/);
    assert.equal((sss.stdout.match(/NotInSyncReplica:/g) ?? []).length, 1);
  });

  it('electMaster -bn designates a new master; a refused one exits 1 with the code', async () => {
    const r = await mqadmin(['electMaster', ...a, '-c', 'C', '-bn', 'b', '-b', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /#brokerMasterId\t2\n/);
    assert.match(r.stdout, /#MasterEpoch\t2\n/);
    const bad = await mqadmin(['electMaster', ...a, '-c', 'C', '-bn', 'b', '-b', '9']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, new RegExp(`CODE: ${ResponseCode.CONTROLLER_ELECT_MASTER_FAILED}`));
  });

  it('getControllerConfig and updateControllerConfig (blacklisted key refused)', async () => {
    const up = await mqadmin(['updateControllerConfig', ...a, '-k', 'scanInactiveMasterInterval', '-v', '7000']);
    assert.equal(up.code, 0, up.stderr);
    const got = await mqadmin(['getControllerConfig', ...a]);
    assert.match(got.stdout, /scanInactiveMasterInterval\s+=\s+7000/);
    const black = await mqadmin(['updateControllerConfig', ...a, '-k', 'configStorePath', '-v', '/x']);
    assert.equal(black.code, 1);
    assert.match(black.stderr, /CODE: 16/);
  });

  it('cleanBrokerMetadata refuses a living broker, cleans with -l', async () => {
    const live = await mqadmin(['cleanBrokerMetadata', ...a, '-c', 'C', '-bn', 'b', '-b', '3']);
    assert.equal(live.code, 1);
    assert.match(live.stderr, new RegExp(`CODE: ${ResponseCode.CONTROLLER_INVALID_CLEAN_BROKER_METADATA}`));
    const forced = await mqadmin(['cleanBrokerMetadata', ...a, '-c', 'C', '-bn', 'b', '-b', '3', '-l']);
    assert.equal(forced.code, 0, forced.stderr);
    const sss = await mqadmin(['getSyncStateSet', ...a, '-b', 'b', '--json']);
    const t = JSON.parse(sss.stdout) as Record<string, { notInSyncReplicas: unknown[] }>;
    assert.equal(t.b?.notInSyncReplicas.length, 1);
  });
});
