// Controller mode at RocketMQ's default timers, with the SDK producer at its default 30 s route
// poll: after kill -9 of the master the producer finds the new master by re-reading the topic's
// route when its sends go unanswered, not at its next poll (docs/controller.md, "Route refresh
// after a failed send"). One group: NameServer with the embedded controller + 2 brokers.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MQAdmin, Producer } from '@rocketmq-ts/client';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import {
  info,
  kill9,
  type Member,
  type NamesrvWithController,
  parseOffsetMsgId,
  spawnMember,
  spawnNamesrvWithController,
  stopProc,
  waitSettled,
} from './controller-mode-support.js';

const TOPIC = 'DefaultTimersFailover';

describe('controller mode at default timers: the producer follows a failover without its route poll', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let ns: NamesrvWithController;
  let admin: MQAdmin;
  const members: Member[] = [];
  let producer: Producer | undefined;

  before(async () => {
    dir = await tempDir('rmq-ctl-default-');
    // RocketMQ's defaults: controller scan 5 s, broker heartbeat 1 s, heartbeat timeout 10 s.
    ns = await spawnNamesrvWithController(join(dir.path, 'ns'), 5000);
    admin = new MQAdmin({ namesrvAddr: ns.namesrvAddr });
    const props = {
      namesrvAddr: ns.namesrvAddr,
      controllerAddr: ns.controllerAddr,
      controllerHeartBeatTimeoutMills: 10_000,
      brokerHeartbeatInterval: 1000,
    };
    members.push(await spawnMember(join(dir.path, 'b0'), 'b0', props));
    await waitSettled(admin, members, 60_000);
    members.push(await spawnMember(join(dir.path, 'b1'), 'b1', props));
  });

  after(async () => {
    await producer?.shutdown().catch(() => undefined);
    for (const m of members) await stopProc(m.proc);
    await admin?.close();
    await stopProc(ns?.proc);
    await dir?.cleanup();
  });

  it('kill -9 of the master: the next SEND_OK comes from the new master well before the 30 s poll', async () => {
    const oldMaster = await waitSettled(admin, members, 60_000);
    const survivor = members.find((m) => m !== oldMaster)!;
    await admin.createTopic({ topic: TOPIC, brokerAddr: oldMaster.addr, readQueueNums: 2, writeQueueNums: 2 });
    producer = new Producer({ namesrvAddr: ns.namesrvAddr, producerGroup: 'default_timers_pg' });
    await producer.start();
    assert.equal((await producer.send({ topic: TOPIC, body: 'before' })).sendStatus, 'SEND_OK');
    // The survivor must hold the topic (metadata sync) and everything acknowledged.
    await eventually(
      async () => {
        const [m, s] = await Promise.all([info(admin, oldMaster), info(admin, survivor)]);
        return m.commitLogMaxOffset === s.commitLogMaxOffset;
      },
      { timeoutMs: 20_000, message: 'slave caught up' },
    );
    await waitSettled(admin, members, 30_000);

    await kill9(oldMaster);
    const killedAt = Date.now();
    let storeHost = '';
    while (Date.now() - killedAt < 25_000) {
      const r = await producer.send({ topic: TOPIC, body: 'after' }).catch(() => undefined);
      if (r?.sendStatus === 'SEND_OK') {
        storeHost = parseOffsetMsgId(r.offsetMsgId).host;
        break;
      }
    }
    const took = Date.now() - killedAt;
    assert.equal(storeHost, survivor.addr, `first SEND_OK ${took} ms after the kill, stored by the survivor`);
    // Detection of a killed master is immediate; the route poll alone would take up to 30 s.
    assert.ok(took < 10_000, `first SEND_OK ${took} ms after the kill`);
  });
});
