// apache/rocketmq#5663 (ha-and-controller.md §4 scenario 1, pitfall 4): the master adds a
// caught-up slave to the SyncStateSet; the controller commits the ALTER but its reply is lost.
// From the moment the newcomer may be in the controller's set, the master must count its acks
// (old ∪ proposed) — otherwise it acknowledges writes alone that the newcomer lacks, and if the
// newcomer is then elected those acknowledged writes are gone. The broker's controller client
// (ReplicasManager) runs against a real `mqcontroller` process through a forwarding proxy that
// swallows the ALTER reply; the HA side is RecordingHaControl, whose every set is recorded.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RecordingHaControl, ReplicasManager } from '@rocketmq-ts/broker';
import { createRequest, createResponse, type RemotingCommand, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingClient, RemotingServer } from '@rocketmq-ts/remoting';
import { eventually, tempDir } from '@rocketmq-ts/testkit';

const MQCONTROLLER = fileURLToPath(new URL('../../../packages/controller/dist/src/main.js', import.meta.url));
const ONEWAY = 2;

/** Records every SyncStateSet the HA side is told to count acks against. */
class SetHistory extends RecordingHaControl {
  readonly history: number[][] = [];
  override setSyncStateSet(ids: number[]): void {
    this.history.push([...ids]);
    super.setSyncStateSet(ids);
  }
}

describe('controller mode: #5663 a lost ALTER reply', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let controller: ChildProcess | undefined;
  let controllerAddr = '';
  const proxy = new RemotingServer({ port: 0, host: '127.0.0.1' });
  const upstream = new RemotingClient();
  let loseAlterReplies = false;
  let altersCommitted = 0;
  const managers: ReplicasManager[] = [];

  before(async () => {
    dir = await tempDir('rmq-5663-');
    const conf = join(dir.path, 'controller.conf');
    await writeFile(
      conf,
      `controllerDLegerPeers=n0-127.0.0.1:0\ncontrollerBindAddress=127.0.0.1\ncontrollerStorePath=${join(dir.path, 'ctl')}\nscanNotActiveBrokerInterval=200\nscanInactiveMasterInterval=500\n`,
    );
    const child = spawn(process.execPath, [MQCONTROLLER, '-c', conf], {
      env: { ...process.env, HOME: dir.path },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    controller = child;
    controllerAddr = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /boot success\. address (\S+),/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.once('exit', () => reject(new Error(`controller exited: ${out}`)));
    });
    // Forwards every request; an ALTER is forwarded (and committed) but, when asked, its
    // reply never comes back.
    proxy.setDefaultProcessor(async (req: RemotingCommand) => {
      const fwd = createRequest(req.code, req.extFields, req.body);
      if ((req.flag & ONEWAY) !== 0) {
        await upstream.invokeOneway(controllerAddr, fwd).catch(() => {});
        return undefined;
      }
      const res = await upstream.invoke(controllerAddr, fwd, 3000);
      if (req.code === RequestCode.CONTROLLER_ALTER_SYNC_STATE_SET && res.code === ResponseCode.SUCCESS) {
        altersCommitted++;
        if (loseAlterReplies) return undefined;
      }
      return createResponse(req, res.code, res.remark, res.extFields, res.body);
    });
    await proxy.listen();
  });

  after(async () => {
    for (const m of managers) await m.shutdown();
    await proxy.close(0);
    await upstream.close();
    controller?.kill('SIGKILL');
    await dir.cleanup();
  });

  function startBroker(name: string, ha: RecordingHaControl, via: string, pollMs: number): ReplicasManager {
    const manager = new ReplicasManager({
      clusterName: 'C',
      brokerName: 'broker-a',
      brokerAddr: `127.0.0.1:${name === 'a' ? 1 : 2}`,
      storeDir: join(dir.path, name),
      controllerAddrs: [via],
      ha,
      heartbeatIntervalMs: 200,
      heartbeatTimeoutMs: 5000,
      syncBrokerMetadataPeriod: pollMs,
      checkSyncStateSetPeriod: 200,
      haMaxTimeSlaveNotCatchup: 60_000,
      retryIntervalMs: 200,
    });
    managers.push(manager);
    manager.start();
    return manager;
  }

  it('#5663: while the committed set is unknown the master counts old ∪ proposed, never the old set alone', async () => {
    const haA = new SetHistory();
    // A polls the controller less often than its 3 s request timeout (RocketMQ: every 5 s).
    const a = startBroker('a', haA, `127.0.0.1:${proxy.port}`, 4000);
    await a.ready;
    const b = startBroker('b', new RecordingHaControl(), controllerAddr, 300);
    await b.ready;
    assert.deepEqual([a.state.role, a.state.syncStateSet], ['master', [1]]);

    // B catches up: A proposes {1, 2}; the controller commits it, the reply is lost.
    loseAlterReplies = true;
    const seen = haA.history.length;
    haA.acks = [{ brokerId: 2, ackOffset: 0, lastCaughtUpTime: Date.now() }];
    await eventually(() => altersCommitted === 1, { message: 'ALTER committed at the controller' });
    loseAlterReplies = false;
    // The reply never comes (3 s request timeout), then a poll tells A the committed set.
    await eventually(() => a.state.syncStateSet.length === 2, { timeoutMs: 15_000, message: 'set learnt by a poll' });
    assert.deepEqual(a.state.syncStateSet, [1, 2]);
    const since = haA.history.slice(seen);
    assert.ok(since.length > 0);
    for (const set of since) assert.ok(set.includes(2), `the master counted ${JSON.stringify(set)} after proposing 2`);
    assert.deepEqual(haA.syncStateSet, [1, 2]);
    assert.equal(altersCommitted, 1, 'no second ALTER while the outcome was unknown');
  });
});
