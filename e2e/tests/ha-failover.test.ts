// Replication under failure, real processes (issue 14): kill -9 of a SYNC_MASTER under load
// loses no acknowledged message (they are on the slave and consumable there), the master's
// restart catches up from where the slave is, and a slave restart resumes from its own log.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MQAdmin, Producer, PushConsumer, type SendResult } from '@rocketmq-ts/client';
import { decodeStoredRecord } from '@rocketmq-ts/protocol';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import {
  type BrokerProps,
  kill9,
  type Proc,
  readCommitLog,
  runtimeInfo,
  spawnBroker,
  spawnNamesrv,
  stop,
  type TempDir,
  waitReplicated,
} from './ha-support.js';

const TRIALS = Number(process.env.HA_KILL_TRIALS ?? 2);

/** Physical offset inside an offset msgId (store host 16 hex, offset 16 hex). */
const phyOf = (offsetMsgId: string): number => Number.parseInt(offsetMsgId.slice(16, 32), 16);

describe('SYNC_MASTER killed with -9 under load', () => {
  let dir: TempDir;
  let namesrv: Proc;
  let admin: MQAdmin;
  const procs: Proc[] = [];

  before(async () => {
    dir = await tempDir('rmq-ha-kill-');
    namesrv = await spawnNamesrv(dir.path);
    admin = new MQAdmin({ namesrvAddr: namesrv.addr });
  });
  after(async () => {
    await admin?.close();
    for (const p of procs) await stop(p);
    if (namesrv) await stop(namesrv);
    await dir?.cleanup();
  });

  for (let trial = 1; trial <= TRIALS; trial++) {
    it(`trial ${trial}: every acknowledged message is on the slave and consumable there; the restarted master catches up`, async () => {
      const base = join(dir.path, `t${trial}`);
      const props: BrokerProps = {
        brokerName: `ha-k${trial}`,
        namesrvAddr: namesrv.addr,
        registerNameServerPeriod: 2000,
        slaveSyncInterval: 1000,
      };
      let master = await spawnBroker(join(base, 'm'), { ...props, brokerRole: 'SYNC_MASTER' });
      procs.push(master);
      const slave = await spawnBroker(join(base, 's'), { ...props, brokerRole: 'SLAVE', brokerId: 1 });
      procs.push(slave);
      await eventually(async () => Number((await runtimeInfo(admin, master.addr)).haConnectionNums) === 1, {
        timeoutMs: 20_000,
        message: 'slave connected',
      });
      const topic = `HaKill${trial}`;
      await admin.createTopic({ topic, clusterName: 'HaCluster', readQueueNums: 4, writeQueueNums: 4 });
      // Metadata reaches the slave by its periodic sync (RocketMQ's design): wait for one pass.
      const created = Date.now();
      await eventually(async () => Number((await runtimeInfo(admin, slave.addr)).slaveSyncTimestamp) > created, {
        timeoutMs: 10_000,
        message: 'a metadata sync after the topic was created',
      });
      const producer = new Producer({
        namesrvAddr: namesrv.addr,
        producerGroup: `ha_kill_pg${trial}`,
        retryTimesWhenSendFailed: 0,
        sendMsgTimeoutMs: 2000,
      });
      await producer.start();
      const acked: SendResult[] = [];
      let stopLoad = false;
      const loops = Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; !stopLoad; i++) {
          try {
            const r = await producer.send({ topic, body: `w${w}-${i}-${'x'.repeat(200 + ((i * 37) % 800))}` });
            if (r.sendStatus === 'SEND_OK') acked.push(r);
          } catch {
            // After the kill: not acknowledged, so not counted.
          }
        }
      });
      await eventually(() => acked.length >= 300, { timeoutMs: 20_000, message: '300 acks' });
      await kill9(master);
      stopLoad = true;
      await Promise.all(loops);
      await producer.shutdown();

      // Every acknowledged record is in the slave's log at its offset, with its message id.
      const slaveMax = Number((await runtimeInfo(admin, slave.addr)).commitLogMaxOffset);
      await stop(slave);
      procs.splice(procs.indexOf(slave), 1);
      const log = await readCommitLog(join(base, 's', 'store'));
      for (const r of acked) {
        assert.equal(r.messageQueue.brokerName, props.brokerName);
        const phy = phyOf(r.offsetMsgId);
        assert.ok(phy < slaveMax, `acked record at ${phy} must be below the slave's max ${slaveMax}`);
        const rec = decodeStoredRecord(log.bytes, phy - log.start);
        assert.ok(rec, `a record at ${phy}`);
        assert.equal(rec.properties.get('UNIQ_KEY'), r.msgId);
      }

      // The slave comes back alone (master still down) and serves the acknowledged messages.
      const slave2 = await spawnBroker(join(base, 's'), { ...props, brokerRole: 'SLAVE', brokerId: 1 });
      procs.push(slave2);
      const got = new Set<string>();
      const consumer = new PushConsumer({
        namesrvAddr: namesrv.addr,
        consumerGroup: `ha_kill_cg${trial}`,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        pollNameServerIntervalMs: 1000,
      });
      consumer.subscribe(topic, '*');
      consumer.registerMessageListener({
        type: 'concurrently',
        consume: (msgs) => {
          for (const m of msgs) got.add(m.msgId);
          return 'CONSUME_SUCCESS';
        },
      });
      await consumer.start();
      try {
        await eventually(() => acked.every((r) => got.has(r.msgId)), {
          timeoutMs: 30_000,
          message: `all ${acked.length} acked messages consumed from the slave (${got.size} so far)`,
        });
      } finally {
        await consumer.shutdown();
      }

      // The master restarts, recovers its log and the slave catches up to it.
      master = await spawnBroker(join(base, 'm'), { ...props, brokerRole: 'SYNC_MASTER' });
      procs.push(master);
      const p2 = new Producer({ namesrvAddr: namesrv.addr, producerGroup: `ha_kill_pg${trial}b` });
      await p2.start();
      try {
        await eventually(
          async () =>
            (await p2.send({ topic, body: 'after restart' }).catch(() => undefined))?.sendStatus === 'SEND_OK',
          { timeoutMs: 30_000, message: 'SYNC send after the restart' },
        );
      } finally {
        await p2.shutdown();
      }
      const masterMax = Number((await runtimeInfo(admin, master.addr)).commitLogMaxOffset);
      await waitReplicated(admin, slave2.addr, masterMax);
      const m = await readCommitLog(join(base, 'm', 'store'));
      const s = await readCommitLog(join(base, 's', 'store'));
      assert.ok(
        s.bytes.subarray(0, masterMax).equals(m.bytes.subarray(0, masterMax)),
        'commitlogs differ after catch-up',
      );
      // The next trial's topic is created cluster-wide: this group must be gone by then.
      for (const p of [slave2, master]) {
        await stop(p);
        procs.splice(procs.indexOf(p), 1);
      }
    });
  }
});
