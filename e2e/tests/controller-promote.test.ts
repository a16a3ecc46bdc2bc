// Controller mode with real processes: the master-only services follow a run-time promotion.
// Brokers in controller mode are configured SLAVE; the one the controller promotes must start
// delayed-level delivery, the timer wheel, transaction check-back and Pop revive (RocketMQ's
// BrokerController.changeToMaster), resuming from the progress it copied from the old master.
// One group (namesrv with the embedded controller + 2 brokers); everything is set up on the
// first master, which is then killed with SIGKILL before any of it is due. docs/controller.md.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LocalTransactionState, MQAdmin, Producer, SimpleConsumer } from '@rocketmq-ts/client';
import { createRequest, RequestCode } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import {
  info,
  kill9,
  type Member,
  type NamesrvWithController,
  pulledBodies,
  rawPull,
  spawnMember,
  spawnNamesrvWithController,
  stopProc,
  waitSettled,
} from './controller-mode-support.js';

/** How long after sending each check becomes due: beyond the kill and the promotion. */
const DUE_MS = 9000;
const topics = { delay: 'PromoteDelay', timer: 'PromoteTimer', tx: 'PromoteTx', pop: 'PromotePop' };
const fastClient = { pollNameServerIntervalMs: 300, heartbeatBrokerIntervalMs: 300 };

describe('controller mode: a promoted broker runs the master-only services', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let ns: NamesrvWithController;
  let admin: MQAdmin;
  const client = new RemotingClient({ requestTimeoutMs: 10_000 });
  const members: Member[] = [];
  let producer: Producer | undefined;
  let txProducer: Producer | undefined;
  let popConsumer: SimpleConsumer | undefined;

  const pullBodies = async (addr: string, topic: string): Promise<string[]> =>
    pulledBodies(await rawPull(client, addr, topic, 'promote_check_cg', 0));

  const topicNames = async (addr: string): Promise<string> => {
    const r = await client.invoke(addr, createRequest(RequestCode.GET_ALL_TOPIC_CONFIG, {}));
    return r.body?.toString() ?? '';
  };

  before(async () => {
    dir = await tempDir('rmq-ctl-promote-');
    ns = await spawnNamesrvWithController(join(dir.path, 'ns'));
    admin = new MQAdmin({ namesrvAddr: ns.namesrvAddr });
    const props = {
      namesrvAddr: ns.namesrvAddr,
      controllerAddr: ns.controllerAddr,
      // Level 3 is the one under test: due well after the kill.
      messageDelayLevel: `1s 2s ${DUE_MS / 1000}s`,
      transactionTimeOut: DUE_MS - 2000,
      transactionCheckInterval: 1000,
      reviveInterval: 500,
    };
    members.push(await spawnMember(join(dir.path, 'b0'), 'b0', props));
    await waitSettled(admin, members);
    members.push(await spawnMember(join(dir.path, 'b1'), 'b1', props));
  });

  after(async () => {
    await producer?.shutdown().catch(() => undefined);
    await txProducer?.shutdown().catch(() => undefined);
    await popConsumer?.shutdown().catch(() => undefined);
    for (const m of members) await stopProc(m.proc);
    await admin?.close();
    await client.close();
    await stopProc(ns?.proc);
    await dir?.cleanup();
  });

  it('delivers delayed and timer messages, checks a half message and revives a pop after kill -9 of the master', async () => {
    const oldMaster = await waitSettled(admin, members);
    const survivor = members.find((m) => m !== oldMaster)!;
    for (const topic of Object.values(topics))
      await admin.createTopic({ topic, brokerAddr: oldMaster.addr, readQueueNums: 1, writeQueueNums: 1 });
    // The survivor needs the topics before it can serve them (metadata sync, 1 s here).
    await eventually(
      async () => {
        const names = await topicNames(survivor.addr);
        return Object.values(topics).every((t) => names.includes(t));
      },
      { timeoutMs: 20_000, message: 'topics synced to the slave' },
    );

    producer = new Producer({ namesrvAddr: ns.namesrvAddr, producerGroup: 'promote_pg', ...fastClient });
    await producer.start();
    let killed = false;
    const checks: { body: string; afterKill: boolean }[] = [];
    txProducer = new Producer({
      namesrvAddr: ns.namesrvAddr,
      producerGroup: 'promote_tx_pg',
      ...fastClient,
      transactionListener: {
        executeLocalTransaction: () => 'UNKNOW' as LocalTransactionState,
        // Unresolved until the old master is gone: only the new master's check can commit it.
        checkLocalTransaction: (msg) => {
          checks.push({ body: msg.body.toString(), afterKill: killed });
          return killed ? 'COMMIT_MESSAGE' : 'UNKNOW';
        },
      },
    });
    await txProducer.start();
    popConsumer = new SimpleConsumer({
      namesrvAddr: ns.namesrvAddr,
      consumerGroup: 'promote_pop_cg',
      subscriptions: { [topics.pop]: '*' },
      awaitDuration: 500,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      ...fastClient,
    });
    await popConsumer.start();

    const sentAt = Date.now();
    const d = await producer.send({ topic: topics.delay, body: 'delayed', delayTimeLevel: 3 });
    assert.equal(d.sendStatus, 'SEND_OK');
    const t = await producer.send({ topic: topics.timer, body: 'timed', deliveryTimestamp: sentAt + DUE_MS });
    assert.equal(t.sendStatus, 'SEND_OK');
    const h = await txProducer.sendMessageInTransaction({ topic: topics.tx, body: 'half' }, undefined);
    assert.equal(h.localTransactionState, 'UNKNOW');
    assert.equal((await producer.send({ topic: topics.pop, body: 'popped' })).sendStatus, 'SEND_OK');
    let popped: string[] = [];
    await eventually(
      async () => {
        popped = (await popConsumer!.receive(1, DUE_MS)).map((m) => m.body.toString());
        return popped.length > 0;
      },
      { timeoutMs: 10_000, message: 'first pop on the old master' },
    );
    assert.deepEqual(popped, ['popped']);
    // The slave holds everything the master wrote (pop checkpoint included).
    await eventually(
      async () => {
        const [m, s] = await Promise.all([info(admin, oldMaster), info(admin, survivor)]);
        return m.commitLogMaxOffset === s.commitLogMaxOffset;
      },
      { timeoutMs: 10_000, message: 'slave caught up' },
    );

    await kill9(oldMaster);
    killed = true;
    const killedAt = Date.now();
    assert.ok(killedAt < sentAt + DUE_MS - 2000, `setup too slow: killed ${killedAt - sentAt} ms after the sends`);
    assert.deepEqual(await pullBodies(survivor.addr, topics.delay), [], 'nothing delivered before the kill');

    await waitSettled(admin, members, 30_000);
    // (a) delayed-level delivery, (b) the timer wheel: due after the kill, delivered by the new master.
    await eventually(async () => (await pullBodies(survivor.addr, topics.delay)).includes('delayed'), {
      timeoutMs: 30_000,
      intervalMs: 200,
      message: 'delayed message delivered by the new master',
    });
    await eventually(async () => (await pullBodies(survivor.addr, topics.timer)).includes('timed'), {
      timeoutMs: 30_000,
      intervalMs: 200,
      message: 'timer message delivered by the new master',
    });
    // (c) transaction check-back from the new master; the commit makes the message visible.
    await eventually(async () => (await pullBodies(survivor.addr, topics.tx)).includes('half'), {
      timeoutMs: 30_000,
      intervalMs: 200,
      message: 'half message checked and committed on the new master',
    });
    assert.ok(
      checks.some((c) => c.afterKill && c.body === 'half'),
      `a check after the kill: ${JSON.stringify(checks)}`,
    );
    // (d) Pop revive: the invisible time ran out after the promotion; the message comes again.
    let again: string[] = [];
    await eventually(
      async () => {
        again = (await popConsumer!.receive(1, 30_000)).map((m) => m.body.toString());
        return again.length > 0;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: 'popped message revived by the new master' },
    );
    assert.deepEqual(again, ['popped']);
    // Each delivered once.
    assert.deepEqual(await pullBodies(survivor.addr, topics.delay), ['delayed']);
    assert.deepEqual(await pullBodies(survivor.addr, topics.timer), ['timed']);
    const si = await info(admin, survivor);
    assert.equal(si.brokerRole, 'SYNC_MASTER');
  });
});
