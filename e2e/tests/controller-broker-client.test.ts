import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RecordingHaControl, ReplicasManager } from '@rocketmq-ts/broker';
import { createResponse, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingServer } from '@rocketmq-ts/remoting';
import { eventually, freePort, tempDir } from '@rocketmq-ts/testkit';

// The broker's controller client (ReplicasManager) against a real `mqcontroller` process, with
// the HA side replaced by RecordingHaControl (the interface the HA service implements): ids,
// registration, first election, SyncStateSet expand/shrink, failover on a dead master,
// NOTIFY_BROKER_ROLE_CHANGED, the old master's return as slave, a controller restart, and a
// broker that cannot reach any controller staying fenced (#6508).

const MQCONTROLLER = fileURLToPath(new URL('../../../packages/controller/dist/src/main.js', import.meta.url));

interface Node {
  manager: ReplicasManager;
  ha: RecordingHaControl;
  server: RemotingServer;
  addr: string;
}

describe('broker controller client against a real controller process', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let controller: ChildProcess | undefined;
  let controllerAddr = '';
  const nodes: Node[] = [];

  async function startController(port: number): Promise<void> {
    const conf = join(dir.path, 'controller.conf');
    await writeFile(
      conf,
      `controllerDLegerPeers=n0-127.0.0.1:${port}\ncontrollerBindAddress=127.0.0.1\ncontrollerStorePath=${join(dir.path, 'ctl')}\nscanNotActiveBrokerInterval=200\nscanInactiveMasterInterval=500\n`,
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
  }

  async function startBroker(name: string, controllers = [controllerAddr], heartbeatTimeoutMs = 1500): Promise<Node> {
    const ha = new RecordingHaControl();
    const server = new RemotingServer({ port: 0, host: '127.0.0.1' });
    await server.listen();
    const addr = `127.0.0.1:${server.port}`;
    const manager = new ReplicasManager({
      clusterName: 'C',
      brokerName: 'broker-a',
      brokerAddr: addr,
      storeDir: join(dir.path, name),
      controllerAddrs: controllers,
      ha,
      heartbeatIntervalMs: 200,
      heartbeatTimeoutMs,
      syncBrokerMetadataPeriod: 300,
      checkSyncStateSetPeriod: 200,
      haMaxTimeSlaveNotCatchup: 1000,
      retryIntervalMs: 200,
    });
    server.registerProcessor(RequestCode.NOTIFY_BROKER_ROLE_CHANGED, (req) => {
      manager.onNotify(req);
      return createResponse(req, ResponseCode.SUCCESS);
    });
    manager.start();
    const node = { manager, ha, server, addr };
    nodes.push(node);
    return node;
  }

  async function stopBroker(n: Node): Promise<void> {
    await n.manager.shutdown();
    await n.server.close(0);
  }

  before(async () => {
    dir = await tempDir('controller-broker-');
    await startController(0);
  });
  after(async () => {
    for (const n of nodes) await stopBroker(n);
    controller?.kill('SIGKILL');
    await dir.cleanup();
  });

  let a: Node;
  let b: Node;

  it('ids from the controller, the first broker becomes master (epoch 1), the second its slave', async () => {
    a = await startBroker('a');
    await a.manager.ready;
    b = await startBroker('b');
    await b.manager.ready;
    assert.deepEqual([a.manager.state.brokerId, a.manager.state.role, a.manager.state.masterEpoch], [1, 'master', 1]);
    assert.deepEqual([b.manager.state.brokerId, b.manager.state.role], [2, 'slave']);
    assert.equal(b.ha.masterAddress, a.addr);
    assert.equal((await readFile(join(dir.path, 'a', 'brokerIdentity'), 'utf8')).trim(), 'C#broker-a#1');
  });

  it('the master expands the SyncStateSet when the slave has caught up, and shrinks it when it falls behind', async () => {
    a.ha.acks = [{ brokerId: 2, ackOffset: 0, lastCaughtUpTime: Date.now() }];
    await eventually(() => a.manager.state.syncStateSet.length === 2, { message: 'expanded' });
    assert.deepEqual(a.manager.state.syncStateSet, [1, 2]);
    assert.deepEqual(a.ha.syncStateSet, [1, 2]);
    a.ha.offset = 1000; // slave stops acking; after haMaxTimeSlaveNotCatchup it is dropped
    a.ha.acks = [{ brokerId: 2, ackOffset: 0, lastCaughtUpTime: Date.now() - 5000 }];
    await eventually(() => a.manager.state.syncStateSet.length === 1, { message: 'shrunk' });
    // Caught up again.
    b.ha.offset = 1000;
    a.ha.acks = [{ brokerId: 2, ackOffset: 1000, lastCaughtUpTime: Date.now() }];
    await eventually(() => a.manager.state.syncStateSet.length === 2, { message: 'expanded again' });
  });

  it('the master dies: the in-sync slave is elected (epoch 2) and told so', async () => {
    await stopBroker(a);
    await eventually(() => b.manager.state.role === 'master', { message: 'slave promoted', timeoutMs: 15_000 });
    assert.equal(b.manager.state.masterEpoch, 2);
    assert.deepEqual(
      b.ha.changes.map((c) => c.role),
      ['slave', 'master'],
    );
  });

  it('the old master returns with its brokerIdentity and follows the new master', async () => {
    const again = await startBroker('a');
    await again.manager.ready;
    assert.deepEqual(
      [again.manager.state.brokerId, again.manager.state.role, again.manager.state.masterEpoch],
      [1, 'slave', 2],
    );
    assert.equal(again.ha.masterAddress, b.addr);
    a = again;
  });

  it('a kill -9 of the controller keeps the roles; the restarted controller keeps serving them', async () => {
    const port = Number(controllerAddr.split(':')[1]);
    controller?.kill('SIGKILL');
    await new Promise((r) => controller?.once('exit', r));
    assert.equal(b.manager.state.role, 'master');
    await startController(port);
    // Heartbeats resume on the new process; the master stays (no spurious failover).
    b.ha.acks = [{ brokerId: 1, ackOffset: 5000, lastCaughtUpTime: Date.now() }];
    b.ha.offset = 5000;
    await eventually(() => b.manager.state.syncStateSet.length === 2, {
      message: 'alter after restart',
      timeoutMs: 15_000,
    });
    assert.deepEqual([b.manager.state.role, b.manager.state.masterEpoch, a.manager.state.role], ['master', 2, 'slave']);
  });

  it('a broker that reaches no controller stays fenced (#6508)', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const c = await startBroker('c', [dead]);
    const raced = await Promise.race([
      c.manager.ready.then(() => 'ready'),
      new Promise((r) => setTimeout(r, 1000, 'fenced')),
    ]);
    assert.equal(raced, 'fenced');
    assert.equal(c.manager.state.role, 'fenced');
    assert.deepEqual(c.ha.changes, []);
  });
});
