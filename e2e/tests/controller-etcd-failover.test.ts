// Controller mode on three controllers backed by a three-member etcd cluster (issue 15), real
// processes: three `mqcontroller` (controllerType=etcd), a plain NameServer and three brokers
// whose controllerAddr lists all three controllers. One trial kills the master broker, the
// controller leader and one etcd member at once (kill -9): a SyncStateSet member becomes master
// under the new controller leader, writes resume, no acknowledged message is lost, and the old
// master returns as a slave.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MQAdmin, Producer } from '@rocketmq-ts/client';
import { createRequest, decodeStoredRecord, RequestCode } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { type EtcdCluster, etcdAvailable, eventually, freePort, startEtcd, tempDir } from '@rocketmq-ts/testkit';
import { failoverTrial, info, type Member, spawnMember, stopProc, waitSettled } from './controller-mode-support.js';
import { type Proc, spawnNamesrv, stop } from './ha-support.js';

const MQCONTROLLER = fileURLToPath(new URL('../../../packages/distribution/bin/mqcontroller.js', import.meta.url));

describe('controller mode on three etcd-backed controllers', {
  skip: etcdAvailable() ? false : 'etcd not installed',
}, () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let etcd: EtcdCluster;
  let namesrv: Proc;
  let admin: MQAdmin;
  const controllers: { child: ChildProcess; addr: string; exited: Promise<unknown> }[] = [];
  const members: Member[] = [];

  before(async () => {
    dir = await tempDir('rmq-ctl-etcd-');
    etcd = await startEtcd(3);
    const ports = [await freePort(), await freePort(), await freePort()];
    const peers = ports.map((p, i) => `n${i}-127.0.0.1:${p}`).join(';');
    for (let i = 0; i < 3; i++) {
      const conf = join(dir.path, `ctl${i}.conf`);
      await writeFile(
        conf,
        [
          'controllerType=etcd',
          'controllerDLegerGroup=g1',
          `controllerDLegerPeers=${peers}`,
          `controllerDLegerSelfId=n${i}`,
          'controllerBindAddress=127.0.0.1',
          `etcdEndpoints=${etcd.endpoints.join(',')}`,
          'etcdLeaseTtlSeconds=2',
          'scanNotActiveBrokerInterval=500',
          'scanInactiveMasterInterval=500',
        ].join('\n'),
      );
      const child = spawn(process.execPath, [MQCONTROLLER, '-c', conf], {
        env: { ...process.env, HOME: dir.path, ROCKETMQ_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const exited = new Promise((r) => child.once('exit', r));
      const addr = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Controller boot success\. address (\S+),/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        void exited.then(() => reject(new Error(`mqcontroller ${i} exited: ${out}`)));
      });
      controllers.push({ child, addr, exited });
    }
    namesrv = await spawnNamesrv(dir.path);
    admin = new MQAdmin({ namesrvAddr: namesrv.addr });
    const props = { namesrvAddr: namesrv.addr, controllerAddr: controllers.map((c) => c.addr).join(';') };
    members.push(await spawnMember(join(dir.path, 'b0'), 'b0', props));
    await waitSettled(admin, members, 60_000);
    for (const n of ['b1', 'b2']) members.push(await spawnMember(join(dir.path, n), n, props));
    await waitSettled(admin, members, 60_000);
  });

  after(async () => {
    await admin?.close();
    for (const m of members) await stopProc(m.proc);
    for (const c of controllers) {
      c.child.kill('SIGTERM');
      await c.exited;
    }
    if (namesrv) await stop(namesrv);
    await etcd?.stop();
    await dir?.cleanup();
  });

  it('kill -9 of the master, the controller leader and one etcd member at once: no acknowledged message lost', async () => {
    const master = await waitSettled(admin, members);
    const topic = 'CtlEtcd';
    await admin.createTopic({ topic, brokerAddr: master.addr, readQueueNums: 4, writeQueueNums: 4 });
    const created = Date.now();
    await eventually(
      async () => {
        for (const m of members)
          if (m !== master && Number((await info(admin, m)).slaveSyncTimestamp) <= created) return false;
        return true;
      },
      { timeoutMs: 15_000, message: 'topic synced to the slaves' },
    );
    const producer = new Producer({
      namesrvAddr: namesrv.addr,
      producerGroup: 'ctl_etcd_pg',
      pollNameServerIntervalMs: 300,
      sendMsgTimeoutMs: 3000,
    });
    await producer.start();
    // The leader controller is the one that says so; it dies with the master (and etcd member 0).
    const rc = new RemotingClient();
    const leaderIndex = await eventually(async () => {
      for (const [i, c] of controllers.entries()) {
        const md = await rc
          .invoke(c.addr, createRequest(RequestCode.CONTROLLER_GET_METADATA_INFO), 3000)
          .catch(() => undefined);
        if (md?.extFields.isLeader === 'true') return i + 1;
      }
      return undefined;
    });
    await rc.close();
    let killedOthers = false;
    try {
      const r = await failoverTrial({
        admin,
        members,
        workers: 6,
        before: 150,
        after: 100,
        uniqKeyAt: (log, pos) => decodeStoredRecord(log, pos)?.properties.get('UNIQ_KEY'),
        send: async (body) => {
          // The first send after the master is gone takes the controller leader and an etcd member with it.
          if (!killedOthers && members.some((m) => !m.proc)) {
            killedOthers = true;
            controllers[leaderIndex - 1]?.child.kill('SIGKILL');
            etcd.members[0]?.kill();
          }
          const s = await producer.send({ topic, body });
          return s.sendStatus === 'SEND_OK' ? s : undefined;
        },
      });
      assert.ok(killedOthers, 'the controller leader and an etcd member were killed during the failover');
      assert.deepEqual(r.lost, []);
      assert.notEqual(r.newMaster, r.oldMaster);
      console.log(`# etcd: failover ${r.failoverMs} ms with the controller leader and one etcd member lost`);
    } finally {
      await producer.shutdown();
    }
  });
});
