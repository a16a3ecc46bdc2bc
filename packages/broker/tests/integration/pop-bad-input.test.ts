import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  buildExtraInfo,
  createRequest,
  encodeBatchAckBody,
  parseExtraInfo,
  RequestCode,
  ResponseCode,
  reviveTopic,
} from '@rocketmq-ts/protocol';
import { type PopBroker, startPopBroker } from '../helpers/pop-broker.js';
import { ack, ackRequest, type PoppedMessage, pop } from '../helpers/pop-client.js';

// Bad acks (issue 11): a malformed or forged handle, an ack for another group, the handle of a
// checkpoint already revived. Each gets RocketMQ's answer and changes nothing: the message is
// still redelivered to its group exactly once.

describe('pop acks with bad input', () => {
  let b: PopBroker;
  const REVIVE = reviveTopic('DefaultCluster');
  const reviveRecords = () => {
    let n = 0;
    for (let q = 0; q < 8; q++) n += b.broker.components.store.getMaxOffsetInQueue(REVIVE, q);
    return n;
  };
  before(async () => {
    b = await startPopBroker();
  });
  after(() => b.close());

  const popOne = async (group: string, topic: string): Promise<PoppedMessage> => {
    const r = await pop(b.call, { group, topic, invisibleTime: 10_000 });
    assert.equal(r.messages.length, 1, `one message popped from ${topic}`);
    return r.messages[0]!;
  };
  const expectRedeliveredOnce = async (group: string, topic: string, body: string) => {
    b.clock.advance(10_000);
    await b.revive();
    const r = await pop(b.call, { group, topic, invisibleTime: 600_000 });
    assert.deepEqual(
      r.messages.map((m) => [m.body, m.view.reconsumeTimes]),
      [[body, 1]],
    );
    assert.equal((await pop(b.call, { group, topic })).code, ResponseCode.POLLING_TIMEOUT);
  };

  it('answers a malformed handle with SYSTEM_ERROR and writes nothing', async () => {
    await b.send('BadMalformed', 'm');
    const m = await popOne('g-bad', 'BadMalformed');
    const before = reviveRecords();
    for (const handle of [
      '',
      'garbage',
      '1 2 3',
      '0 x 10000 0 0 broker-a 0 0',
      '0 1 2 3 9 broker-a 0 0',
      '0 1 2 3 0  0 0',
    ]) {
      const code = await ack(b.call, 'g-bad', { ...m, handle });
      assert.equal(code, ResponseCode.SYSTEM_ERROR, `handle "${handle}"`);
    }
    // A revive queue that does not exist is refused rather than created.
    const info = parseExtraInfo(m.handle);
    assert.ok(info.ok);
    assert.equal(
      await ack(b.call, 'g-bad', { ...m, handle: buildExtraInfo({ ...info.value, reviveQid: 57 }) }),
      ResponseCode.SYSTEM_ERROR,
    );
    assert.equal(reviveRecords(), before, 'no ACK record written');
    assert.equal(b.broker.components.store.getMaxOffsetInQueue(REVIVE, 57), 0);
    await expectRedeliveredOnce('g-bad', 'BadMalformed', 'm');
  });

  it('stores a forged or foreign-group ack as a no-op (SUCCESS, as RocketMQ)', async () => {
    await b.send('BadForged', 'f');
    const m = await popOne('g-own', 'BadForged');
    const info = parseExtraInfo(m.handle);
    assert.ok(info.ok);
    const forged = buildExtraInfo({ ...info.value, popTime: info.value.popTime - 1 });
    assert.equal(await ack(b.call, 'g-own', { ...m, handle: forged }), ResponseCode.SUCCESS);
    assert.equal(await ack(b.call, 'g-other', m), ResponseCode.SUCCESS, 'ack for another group');
    await b.revive();
    assert.equal(b.broker.components.pop.inflight('g-own', 'BadForged', 0).count, 1, 'still in flight');
    await expectRedeliveredOnce('g-own', 'BadForged', 'f');
  });

  it('ignores the ack of a checkpoint already revived; the retry copy keeps its own handle', async () => {
    await b.send('BadExpired', 'e');
    const m = await popOne('g-exp2', 'BadExpired');
    b.clock.advance(10_000);
    await b.revive();
    assert.equal(await ack(b.call, 'g-exp2', m), ResponseCode.SUCCESS);
    const r = await pop(b.call, { group: 'g-exp2', topic: 'BadExpired', invisibleTime: 10_000 });
    assert.deepEqual(
      r.messages.map((x) => x.body),
      ['e'],
    );
    b.clock.advance(10_000);
    await b.revive();
    const again = await pop(b.call, { group: 'g-exp2', topic: 'BadExpired' });
    assert.deepEqual(
      again.messages.map((x) => [x.body, x.view.reconsumeTimes]),
      [['e', 2]],
      'the stale ack did not ack the retry copy',
    );
  });

  it('checks topic, queue and offset of an ack as RocketMQ does', async () => {
    await b.send('BadRange', 'x');
    const m = await popOne('g-range', 'BadRange');
    assert.equal(await ack(b.call, 'g-range', { ...m, ackTopic: 'NoSuchTopic' }), ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(await ack(b.call, 'g-range', { ...m, queueId: 99 }), ResponseCode.MESSAGE_ILLEGAL);
    assert.equal(await ack(b.call, 'g-range', { ...m, queueId: -1 }), ResponseCode.MESSAGE_ILLEGAL);
    assert.equal(await ack(b.call, 'g-range', { ...m, queueOffset: 5 }), ResponseCode.NO_MESSAGE);
    const noHandle = ackRequest('g-range', m);
    delete noHandle.extFields.extraInfo;
    assert.equal((await b.call(noHandle)).code, ResponseCode.SYSTEM_ERROR, 'missing header field');
  });

  it('batch-acks by bitset; an empty batch is NO_MESSAGE and a bad body SYSTEM_ERROR', async () => {
    for (let i = 0; i < 5; i++) await b.send('BadBatch', `b${i}`);
    const r = await pop(b.call, { group: 'g-batch', topic: 'BadBatch', invisibleTime: 10_000 });
    assert.equal(r.messages.length, 5);
    const info = parseExtraInfo(r.messages[0]!.handle);
    assert.ok(info.ok);
    const batch = (offsets: number[]) =>
      createRequest(
        RequestCode.BATCH_ACK_MESSAGE,
        {},
        encodeBatchAckBody({
          brokerName: 'broker-a',
          acks: offsets.length
            ? [
                {
                  consumerGroup: 'g-batch',
                  topic: 'BadBatch',
                  retryFlag: 0,
                  startOffset: info.value.ckQueueOffset,
                  queueId: 0,
                  reviveQueueId: info.value.reviveQid,
                  popTime: info.value.popTime,
                  invisibleTime: info.value.invisibleTime,
                  offsets,
                },
              ]
            : [],
        }),
      );
    assert.equal((await b.call(batch([]))).code, ResponseCode.NO_MESSAGE);
    assert.equal(
      (await b.call(createRequest(RequestCode.BATCH_ACK_MESSAGE, {}, Buffer.from('{not json')))).code,
      ResponseCode.SYSTEM_ERROR,
    );
    assert.equal((await b.call(batch([0, 2, 4]))).code, ResponseCode.SUCCESS);
    b.clock.advance(10_000);
    await b.revive();
    const back = await pop(b.call, { group: 'g-batch', topic: 'BadBatch' });
    assert.deepEqual(back.messages.map((x) => x.body).sort(), ['b1', 'b3']);
  });
});
