// Controller mode with real processes (issue 15): a NameServer with the embedded controller and
// three `mqbroker` processes in one group. Repeated trials: kill -9 of the master under load →
// a SyncStateSet member becomes master and writes resume through the SDK producer; the old
// master restarts, comes back as a slave, truncates only what was never acknowledged and
// catches up byte for byte; every acknowledged message is in the new master's log; consumers
// read them all. More trials by hand: bench/controller/failover-trials.mjs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MQAdmin, Producer, PushConsumer } from '@rocketmq-ts/client';
import { decodeStoredRecord } from '@rocketmq-ts/protocol';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import {
  failoverTrial,
  info,
  type Member,
  type NamesrvWithController,
  spawnMember,
  spawnNamesrvWithController,
  stopProc,
  waitSettled,
} from './controller-mode-support.js';

const TRIALS = Number(process.env.CONTROLLER_FAILOVER_TRIALS ?? 3);

describe('controller mode: failover of real broker processes', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let ns: NamesrvWithController;
  let admin: MQAdmin;
  let producer: Producer;
  const members: Member[] = [];
  const topic = 'CtlFailover';
  const acked = new Set<string>();

  before(async () => {
    dir = await tempDir('rmq-ctl-failover-');
    ns = await spawnNamesrvWithController(join(dir.path, 'ns'));
    admin = new MQAdmin({ namesrvAddr: ns.namesrvAddr });
    const props = { namesrvAddr: ns.namesrvAddr, controllerAddr: ns.controllerAddr };
    // The first one up becomes the first master ("first caller wins").
    members.push(await spawnMember(join(dir.path, 'b0'), 'b0', props));
    await waitSettled(admin, members);
    for (const n of ['b1', 'b2']) members.push(await spawnMember(join(dir.path, n), n, props));
    const master = await waitSettled(admin, members);
    await admin.createTopic({ topic, brokerAddr: master.addr, readQueueNums: 4, writeQueueNums: 4 });
    // Topics reach the slaves by their metadata sync; a failover before it would lose the topic.
    const created = Date.now();
    await eventually(
      async () => {
        for (const m of members) {
          if (m === master) continue;
          if (Number((await info(admin, m)).slaveSyncTimestamp) <= created) return false;
        }
        return true;
      },
      { timeoutMs: 15_000, message: 'a metadata sync on every slave after the topic was created' },
    );
    producer = new Producer({
      namesrvAddr: ns.namesrvAddr,
      producerGroup: 'ctl_failover_pg',
      pollNameServerIntervalMs: 300,
      sendMsgTimeoutMs: 3000,
      retryTimesWhenSendFailed: 2,
    });
    await producer.start();
  });

  after(async () => {
    await producer?.shutdown();
    await admin?.close();
    for (const m of members) await stopProc(m.proc);
    await stopProc(ns?.proc);
    await dir?.cleanup();
  });

  const send = async (body: string) => {
    const r = await producer.send({ topic, body });
    if (r.sendStatus !== 'SEND_OK') return undefined;
    acked.add(r.msgId);
    return r;
  };
  const uniqKeyAt = (log: Buffer, pos: number) => decodeStoredRecord(log, pos)?.properties.get('UNIQ_KEY');

  for (let t = 1; t <= TRIALS; t++) {
    it(`trial ${t}: kill -9 of the master under load loses no acknowledged message; the old master returns as a slave`, async () => {
      const r = await failoverTrial({ admin, members, send, uniqKeyAt, workers: 6, before: 150, after: 100 });
      assert.deepEqual(r.lost, [], `acknowledged messages missing on the new master ${r.newMaster}`);
      assert.notEqual(r.newMaster, r.oldMaster);
      assert.ok(r.ackedBefore > 0 && r.ackedAfter > 0);
      console.log(
        `# trial ${t}: failover ${r.failoverMs} ms, acked ${r.ackedBefore} before / ${r.ackedAfter} after, old master cut ${r.truncatedBytes} bytes`,
      );
    });
  }

  it('SIGSTOP of the master: a new master is elected, the old one fences itself and returns as a slave', async () => {
    const r = await failoverTrial({
      admin,
      members,
      send,
      uniqKeyAt,
      workers: 6,
      before: 150,
      after: 100,
      fault: 'stop',
    });
    assert.deepEqual(r.lost, [], `acknowledged messages missing on the new master ${r.newMaster}`);
    assert.notEqual(r.newMaster, r.oldMaster);
    console.log(`# SIGSTOP: failover ${r.failoverMs} ms, old master cut ${r.truncatedBytes} bytes`);
  });

  it('a consumer reads every acknowledged message from the group after the failovers', async () => {
    const got = new Set<string>();
    const consumer = new PushConsumer({
      namesrvAddr: ns.namesrvAddr,
      consumerGroup: 'ctl_failover_cg',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      pollNameServerIntervalMs: 500,
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
      await eventually(() => [...acked].every((id) => got.has(id)), {
        timeoutMs: 30_000,
        message: `all ${acked.size} acknowledged messages consumed`,
      }).catch((e: unknown) => {
        const missing = [...acked].filter((id) => !got.has(id));
        throw new Error(
          `${missing.length} of ${acked.size} not consumed (${got.size} seen), e.g. ${missing.slice(0, 3).join(' ')}`,
          { cause: e },
        );
      });
    } finally {
      await consumer.shutdown();
    }
  });
});
