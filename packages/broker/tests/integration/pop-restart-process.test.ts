import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createRequest, RequestCode, ResetOffsetRequestHeader, ResponseCode } from '@rocketmq-ts/protocol';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { sendRequest } from '../helpers/broker-harness.js';
import { ack, changeInvisible, type PoppedMessage, pop } from '../helpers/pop-client.js';
import { type BrokerProcess, spawnBroker } from './broker-process.js';

// Pop state across kill -9 of a real `mqbroker` process, with consumer offsets (and so the
// revive progress) never flushed in between: after the restart the revive log is re-read from
// its start. Neither a revive done before the kill nor the start-up recovery of pop offsets
// may bring back what the application already acked, and an admin offset reset stays.

const CONF = {
  flushDiskType: 'SYNC_FLUSH',
  reviveInterval: 100,
  flushConsumerOffsetInterval: 600_000,
};

describe('pop state across kill -9 of the broker process', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let b: BrokerProcess | undefined;
  before(async () => {
    dir = await tempDir('pop-restart-proc-');
  });
  afterEach(async () => {
    if (b && b.proc.exitCode === null) await b.kill9();
    b = undefined;
  });
  after(() => dir.cleanup());

  const call = (cmd: Parameters<BrokerProcess['invoke']>[0]) => b!.invoke(cmd);
  const popAll = async (group: string, topic: string, invisibleTime = 60_000): Promise<PoppedMessage[]> => {
    const out: PoppedMessage[] = [];
    for (;;) {
      const r = await pop(call, { group, topic, maxMsgNums: 32, invisibleTime });
      if (r.messages.length === 0) return out;
      out.push(...r.messages);
    }
  };

  it('does not revive again a message revived, re-popped and acked before the kill', async () => {
    const topic = 'PopReviveKill';
    const group = 'g-revive-kill';
    b = await spawnBroker(dir.path, CONF);
    for (let i = 0; i < 5; i++) {
      assert.equal((await b.invoke(sendRequest(topic, `v${i}`, { queueId: 0 }))).code, ResponseCode.SUCCESS);
    }
    // Popped and left to expire: each comes back once from the retry topic.
    assert.equal((await popAll(group, topic, 1000)).length, 5);
    const retried = new Map<string, PoppedMessage>();
    await eventually(
      async () => {
        for (const m of (await pop(call, { group, topic, maxMsgNums: 32, invisibleTime: 60_000 })).messages) {
          assert.equal(m.view.reconsumeTimes, 1, `${m.body} revived once`);
          assert.ok(!retried.has(m.body), `${m.body} revived twice before the kill`);
          retried.set(m.body, m);
        }
        return retried.size === 5;
      },
      { timeoutMs: 20_000, message: 'five revived messages' },
    );
    // One copy is not acked: its invisibility is shortened so that it comes back soon.
    const kept = retried.get('v4')!;
    assert.equal((await changeInvisible(call, group, kept, 2000)).code, ResponseCode.SUCCESS);
    for (const m of retried.values()) {
      if (m !== kept) assert.equal(await ack(call, group, m), ResponseCode.SUCCESS);
    }
    await b.kill9();

    b = await spawnBroker(dir.path, CONF);
    // Start-up recovery and the due revives ran before the broker served: a second revive of
    // the first CKs would be in the retry topic now. Only the unacked copy may come back.
    const back: [string, number][] = [];
    await eventually(
      async () => {
        const r = await pop(call, { group, topic, maxMsgNums: 32, invisibleTime: 60_000, pollTime: 500 });
        for (const m of r.messages) back.push([m.body, m.view.reconsumeTimes]);
        return back.some(([body]) => body === 'v4');
      },
      { timeoutMs: 30_000, message: 'the unacked retry copy' },
    );
    assert.deepEqual(back, [['v4', 2]], 'acked messages delivered again after the restart');
  });

  it('keeps an admin reset of a pop offset (resetOffsetByTime) across kill -9', async () => {
    const topic = 'PopResetKill';
    const group = 'g-reset-kill';
    b = await spawnBroker(dir.path, CONF);
    for (let i = 0; i < 6; i++) {
      assert.equal((await b.invoke(sendRequest(topic, `r${i}`, { queueId: 0 }))).code, ResponseCode.SUCCESS);
    }
    for (const m of await popAll(group, topic)) assert.equal(await ack(call, group, m), ResponseCode.SUCCESS);
    assert.equal((await pop(call, { group, topic })).messages.length, 0);

    // Back to the start, as `mqadmin resetOffsetByTime -t <topic> -g <group> -s 0` does.
    const reset = await b.invoke(
      createRequest(
        RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
        ResetOffsetRequestHeader.encode({ topic, group, timestamp: 0, isForce: true }),
      ),
    );
    assert.equal(reset.code, ResponseCode.SUCCESS, reset.remark);
    // Two pops after the reset: the recovery must follow these, not the ones before it.
    const afterReset = (await pop(call, { group, topic, queueId: 0, maxMsgNums: 2 })).messages;
    assert.deepEqual(
      afterReset.map((m) => m.body),
      ['r0', 'r1'],
    );
    for (const m of afterReset) assert.equal(await ack(call, group, m), ResponseCode.SUCCESS);
    await b.kill9();

    b = await spawnBroker(dir.path, CONF);
    assert.deepEqual(
      (await popAll(group, topic)).map((m) => m.body),
      ['r2', 'r3', 'r4', 'r5'],
    );
  });
});
