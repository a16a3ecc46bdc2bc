// Master–slave replication with real processes: a NameServer, a master and a slave as separate
// `mqnamesrv` / `mqbroker` processes on port 0 (issue 14), for both master roles: SYNC_MASTER
// answers once the slave holds a message, ASYNC_MASTER at once; either way the slave's
// CommitLog ends up byte-identical up to the offset it has replicated.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MQAdmin, Producer } from '@rocketmq-ts/client';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import {
  type Proc,
  readCommitLog,
  runtimeInfo,
  spawnBroker,
  spawnNamesrv,
  stop,
  type TempDir,
  waitReplicated,
} from './ha-support.js';

for (const role of ['SYNC_MASTER', 'ASYNC_MASTER'] as const)
  describe(`${role} with one slave`, () => {
    let dir: TempDir;
    let namesrv: Proc;
    let master: Proc;
    let slave: Proc;
    let admin: MQAdmin;
    let producer: Producer;

    before(async () => {
      dir = await tempDir('rmq-ha-');
      namesrv = await spawnNamesrv(dir.path);
      master = await spawnBroker(join(dir.path, 'm'), {
        brokerName: 'ha-a',
        brokerRole: role,
        namesrvAddr: namesrv.addr,
        messageDelayLevel: '1s 2s',
      });
      slave = await spawnBroker(join(dir.path, 's'), {
        brokerName: 'ha-a',
        brokerRole: 'SLAVE',
        brokerId: 1,
        namesrvAddr: namesrv.addr,
        messageDelayLevel: '1s 2s',
      });
      admin = new MQAdmin({ namesrvAddr: namesrv.addr });
      producer = new Producer({
        namesrvAddr: namesrv.addr,
        producerGroup: 'ha_pg',
        compressMsgBodyOverHowmuch: 1 << 30,
        transactionListener: {
          executeLocalTransaction: (m) => (m.tags === 'rollback' ? 'ROLLBACK_MESSAGE' : 'COMMIT_MESSAGE'),
          checkLocalTransaction: () => 'COMMIT_MESSAGE',
        },
      });
      await producer.start();
    });

    after(async () => {
      await producer?.shutdown();
      await admin?.close();
      for (const p of [slave, master, namesrv]) if (p) await stop(p);
      await dir?.cleanup();
    });

    it('replicates mixed messages: the slave CommitLog is byte-identical up to its replicated offset', async () => {
      // The slave learns its master from the NameServer and connects; SYNC sends then succeed.
      await eventually(async () => Number((await runtimeInfo(admin, master.addr)).haConnectionNums) === 1, {
        timeoutMs: 20_000,
        message: 'slave connected',
      });
      const topic = `HaMixed${role}`;
      await admin.createTopic({ topic, clusterName: 'HaCluster', readQueueNums: 4, writeQueueNums: 4 });
      const results = [];
      for (let i = 0; i < 40; i++) {
        results.push(
          await producer.send({
            topic,
            body: i % 2 === 0 ? Buffer.alloc(300_000 + i, i) : `m-${i}`,
            tags: `t${i % 3}`,
            keys: [`k${i}`, `kk${i}`],
            properties: { p: String(i), ünï: 'çödé' },
            ...(i % 7 === 0 ? { delayTimeLevel: 1 } : {}),
          }),
        );
      }
      results.push(
        await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, body: `b-${i}`, keys: `bk${i}` }))),
      );
      for (const tags of ['commit', 'rollback']) {
        results.push(await producer.sendMessageInTransaction({ topic, body: `tx-${tags}`, tags }));
      }
      for (const r of results) assert.equal(r.sendStatus, 'SEND_OK');
      // Delayed messages come back through SCHEDULE_TOPIC_XXXX on the master: wait for them too
      // (40 singles, the batch of 10, the committed transaction).
      await eventually(async () => (await admin.topicStats(topic)).reduce((n, q) => n + q.maxOffset, 0) === 51, {
        timeoutMs: 20_000,
        message: 'delayed messages delivered on the master',
      });
      const masterMax = Number((await runtimeInfo(admin, master.addr)).commitLogMaxOffset);
      await waitReplicated(admin, slave.addr, masterMax);
      const m = await readCommitLog(join(dir.path, 'm', 'store'));
      const s = await readCommitLog(join(dir.path, 's', 'store'));
      const replicated = Number((await runtimeInfo(admin, slave.addr)).commitLogMaxOffset);
      assert.ok(replicated >= masterMax, `slave at ${replicated}, master at ${masterMax}`);
      assert.equal(s.start, m.start);
      assert.ok(masterMax > 4 * 1024 * 1024, `the log rolled over a 4 MiB segment (${masterMax})`);
      assert.ok(s.bytes.subarray(0, masterMax).equals(m.bytes.subarray(0, masterMax)), 'commitlogs differ');
    });
  });
