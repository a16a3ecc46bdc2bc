import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createRequest,
  decodeStoredRecord,
  EndTransactionRequestHeader,
  MessageConst,
  MessageSysFlag,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import { type FeatureBroker, type SendResult, startFeatureBroker } from './feature-harness.js';

const PREPARED = MessageSysFlag.TRANSACTION_PREPARED_TYPE;

describe('transactions over the wire', () => {
  let b: FeatureBroker;
  before(async () => {
    b = await startFeatureBroker({ transactionTimeOut: 300, transactionCheckInterval: 60_000 });
  });
  after(() => b.close());

  const half = (uniq: string, group = 'txpg') =>
    b.send('TxT', { TRAN_MSG: 'true', PGROUP: group, UNIQ_KEY: uniq, TAGS: 'tx' }, `tx ${uniq}`, {
      sysFlag: PREPARED,
      producerGroup: group,
    });
  const end = (s: SendResult, commitOrRollback: number, uniq: string, group = 'txpg') =>
    b.invoke(
      RequestCode.END_TRANSACTION,
      EndTransactionRequestHeader.encode({
        producerGroup: group,
        tranStateTableOffset: s.queueOffset,
        commitLogOffset: s.physicalOffset,
        commitOrRollback,
        msgId: uniq,
        fromTransactionCheck: false,
      }),
    );
  const visible = async () => (await b.pull('txc', 'TxT', 0, 0)).map((m) => m.body.toString());

  it('commits and rolls back half messages with END_TRANSACTION', async () => {
    const a = await half('TXA');
    const r = await half('TXR');
    assert.equal(a.code, ResponseCode.SUCCESS, a.remark);
    assert.deepEqual(await visible(), [], 'half messages are not consumable');
    const wrong = await end(a, MessageSysFlag.TRANSACTION_COMMIT_TYPE, 'TXA', 'other-group');
    assert.equal(wrong.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(wrong.remark, 'The producer group wrong');
    assert.equal((await end(a, MessageSysFlag.TRANSACTION_COMMIT_TYPE, 'TXA')).code, ResponseCode.SUCCESS);
    assert.equal((await end(r, MessageSysFlag.TRANSACTION_ROLLBACK_TYPE, 'TXR')).code, ResponseCode.SUCCESS);
    const got = await b.pull('txc', 'TxT', 0, 0);
    assert.deepEqual(
      got.map((m) => m.body.toString()),
      ['tx TXA'],
    );
    assert.equal(got[0]!.sysFlag & MessageSysFlag.TRANSACTION_TYPE_MASK, MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    assert.equal(got[0]!.preparedTransactionOffset, a.physicalOffset);
    assert.equal(got[0]!.properties.get(MessageConst.PROPERTY_TRANSACTION_PREPARED), undefined);
  });

  it('asks a live producer about an open half message and commits on its answer', async () => {
    const checks: RemotingCommand[] = [];
    b.client.registerProcessor(RequestCode.CHECK_TRANSACTION_STATE, (request) => {
      checks.push(request);
      const body = decodeStoredRecord(request.body!)!;
      // Answer the way Java's producer does: an END_TRANSACTION oneway, fromTransactionCheck=true.
      void b.client.invokeOneway(
        b.addr,
        createRequest(
          RequestCode.END_TRANSACTION,
          EndTransactionRequestHeader.encode({
            producerGroup: 'checkpg',
            tranStateTableOffset: Number(request.extFields.tranStateTableOffset),
            commitLogOffset: Number(request.extFields.commitLogOffset),
            commitOrRollback: MessageSysFlag.TRANSACTION_COMMIT_TYPE,
            msgId: body.properties.get('UNIQ_KEY') ?? '',
            fromTransactionCheck: true,
          }),
        ),
      );
      return undefined;
    });
    const hb = await b.heartbeat({
      clientID: '127.0.0.1@txit',
      producerDataSet: [{ groupName: 'checkpg' }],
      consumerDataSet: [],
    });
    assert.equal(hb.code, ResponseCode.SUCCESS);
    const h = await half('TXC', 'checkpg');
    assert.equal(h.code, ResponseCode.SUCCESS);
    await eventually(async () => (await visible()).includes('tx TXC'), {
      timeoutMs: 8000,
      message: 'commit after check-back',
    });
    assert.equal(checks.length, 1);
    assert.equal(checks[0]!.extFields.topic, 'TxT');
    assert.equal(checks[0]!.extFields.msgId, 'TXC');
    assert.equal(checks[0]!.extFields.offsetMsgId, h.msgId);
    assert.equal(decodeStoredRecord(checks[0]!.body!)!.topic, 'TxT');
  });
});
