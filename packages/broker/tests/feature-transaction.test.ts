import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '@rocketmq-ts/common';
import {
  decodeStoredRecord,
  MessageConst,
  MessageSysFlag,
  parseDelayLevels,
  RequestCode,
  ResponseCode,
  RMQ_SYS_SCHEDULE_TOPIC,
  RMQ_SYS_TRANS_HALF_TOPIC,
  RMQ_SYS_TRANS_OP_HALF_TOPIC,
  TRANS_CHECK_MAX_TIME_TOPIC,
} from '@rocketmq-ts/protocol';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { endTransactionProcessor } from '../src/transaction/end-transaction.js';
import { TRANSACTION_STATE_FILE, TransactionService } from '../src/transaction/transaction-service.js';
import { type CheckPolicy, decideCheck, TransactionState } from '../src/transaction/transaction-state.js';
import { FakeChannel, message, noConnection, request, type TestDeps, testDeps } from './feature-fakes.js';

const LEVELS = parseDelayLevels('1s 5s');
const POLICY: CheckPolicy = { timeoutMs: 6000, intervalMs: 30_000, maxChecks: 15 };

/** A half message as the send path stores it. */
async function putHalf(deps: TestDeps, uniq: string, extra: Record<string, string> = {}) {
  const put = await deps.store.putMessage(
    message(
      RMQ_SYS_TRANS_HALF_TOPIC,
      0,
      {
        TRAN_MSG: 'true',
        PGROUP: 'pg',
        UNIQ_KEY: uniq,
        TAGS: 'TagT',
        REAL_TOPIC: 'T',
        REAL_QID: '3',
        ...extra,
      },
      `body-${uniq}`,
    ),
  );
  return put.append!;
}

describe('transaction decisions and state', () => {
  it('checks first after the timeout, then every interval, and discards after the maximum', () => {
    assert.equal(decideCheck(0, undefined, 5999, POLICY), 'too-young');
    assert.equal(decideCheck(0, undefined, 6000, POLICY), 'check');
    assert.equal(decideCheck(0, { times: 1, lastCheckAt: 6000 }, 35_999, POLICY), 'wait');
    assert.equal(decideCheck(0, { times: 1, lastCheckAt: 6000 }, 36_000, POLICY), 'check');
    assert.equal(decideCheck(0, { times: 15, lastCheckAt: 6000 }, 99_999_999, POLICY), 'discard');
    assert.equal(decideCheck(0, undefined, 6000, POLICY, 60_000), 'too-young');
  });

  it('moves the low-water mark over settled offsets and survives a JSON round trip', () => {
    const s = new TransactionState();
    s.apply({ kind: 'settled', halfOffset: 1 });
    s.apply({ kind: 'checked', halfOffset: 0, at: 5 });
    assert.equal(s.halfOffset, 0);
    s.apply({ kind: 'settled', halfOffset: 0 });
    assert.equal(s.halfOffset, 2);
    s.apply({ kind: 'checked', halfOffset: 4, at: 7 });
    s.apply({ kind: 'settled', halfOffset: 3 });
    s.apply({ kind: 'op-read', nextOpOffset: 9 });
    const back = TransactionState.from(JSON.parse(JSON.stringify(s.toJSON())));
    assert.deepEqual(back.toJSON(), {
      halfOffset: 2,
      opOffset: 9,
      resolved: [3],
      checks: { '4': { times: 1, lastCheckAt: 7 } },
    });
    assert.equal(back.isSettled(1), true);
    assert.equal(back.isSettled(2), false);
    assert.equal(back.isSettled(3), true);
  });
});

describe('END_TRANSACTION', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir('feature-tx-');
  });
  after(() => dir.cleanup());

  async function setup(name: string) {
    const deps = await testDeps(join(dir.path, name));
    const tx = new TransactionService(deps, POLICY);
    const p = endTransactionProcessor(deps, tx, LEVELS);
    const end = async (
      half: { wroteOffset: number; logicsOffset: number },
      commitOrRollback: number,
      patch: Record<string, string | number> = {},
    ) =>
      p.handler(
        request(37, {
          producerGroup: 'pg',
          tranStateTableOffset: half.logicsOffset,
          commitLogOffset: half.wroteOffset,
          commitOrRollback,
          msgId: 'U',
          ...patch,
        }),
        noConnection,
      );
    return { deps, tx, p, end };
  }

  it('commit re-stores the message in its real queue as COMMIT and writes the op record', async () => {
    const { deps, tx, p, end } = await setup('commit');
    assert.equal(p.code, RequestCode.END_TRANSACTION);
    const half = await putHalf(deps, 'U1');
    const r = await end(half, MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    assert.equal(r!.code, ResponseCode.SUCCESS, r!.remark);
    const got = await deps.store.getMessage('T', 3, 0, 10, 1 << 20);
    assert.equal(got.records.length, 1);
    const v = decodeStoredRecord(got.records[0]!)!;
    assert.equal(v.body.toString(), 'body-U1');
    assert.equal(v.sysFlag & MessageSysFlag.TRANSACTION_TYPE_MASK, MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    assert.equal(v.preparedTransactionOffset, half.wroteOffset);
    assert.equal(v.properties.get(MessageConst.PROPERTY_REAL_TOPIC), undefined);
    assert.equal(v.properties.get(MessageConst.PROPERTY_REAL_QUEUE_ID), undefined);
    assert.equal(v.properties.get(MessageConst.PROPERTY_TRANSACTION_PREPARED), undefined);
    assert.equal(v.properties.get(MessageConst.PROPERTY_PRODUCER_GROUP), 'pg');
    assert.equal(v.properties.get('UNIQ_KEY'), 'U1');

    const ops = await deps.store.getMessage(RMQ_SYS_TRANS_OP_HALF_TOPIC, 0, 0, 10, 1 << 20);
    const op = decodeStoredRecord(ops.records[0]!)!;
    assert.equal(op.body.toString(), String(half.logicsOffset));
    assert.equal(op.properties.get('TAGS'), 'd');
    assert.equal(tx.isSettled(half.logicsOffset), true);

    // A second verdict (e.g. a check answered late) commits nothing more.
    const again = await end(half, MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    assert.equal(again!.code, ResponseCode.SUCCESS);
    assert.equal(deps.store.getMaxOffsetInQueue('T', 3), 1);
  });

  it('rollback writes only the op record; 0 (unknown) changes nothing and answers nothing', async () => {
    const { deps, tx, end } = await setup('rollback');
    const a = await putHalf(deps, 'A');
    const b = await putHalf(deps, 'B');
    assert.equal(await end(b, 0), undefined);
    assert.equal(deps.store.getMaxOffsetInQueue(RMQ_SYS_TRANS_OP_HALF_TOPIC, 0), 0);
    const r = await end(a, MessageSysFlag.TRANSACTION_ROLLBACK_TYPE);
    assert.equal(r!.code, ResponseCode.SUCCESS);
    assert.equal(deps.store.getMaxOffsetInQueue('T', 3), 0);
    assert.equal(deps.store.getMaxOffsetInQueue(RMQ_SYS_TRANS_OP_HALF_TOPIC, 0), 1);
    assert.equal(tx.isSettled(a.logicsOffset), true);
    assert.equal(tx.isSettled(b.logicsOffset), false);
  });

  it('rejects a verdict that does not match the half message', async () => {
    const { deps, end } = await setup('mismatch');
    const half = await putHalf(deps, 'M');
    const wrongGroup = await end(half, 8, { producerGroup: 'other' });
    assert.equal(wrongGroup!.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(wrongGroup!.remark, 'The producer group wrong');
    const wrongQueueOffset = await end(half, 8, { tranStateTableOffset: 7 });
    assert.equal(wrongQueueOffset!.remark, 'The transaction state table offset wrong');
    const missing = await end({ wroteOffset: 999_999, logicsOffset: 0 }, 8);
    assert.equal(missing!.remark, 'Find prepared transaction message failed');
    assert.equal(deps.store.getMaxOffsetInQueue('T', 3), 0);
  });

  it('a committed delayed message is parked for its delay level', async () => {
    const { deps, end } = await setup('delay');
    const half = await putHalf(deps, 'D', { DELAY: '2' });
    await end(half, 8);
    assert.equal(deps.store.getMaxOffsetInQueue('T', 3), 0);
    assert.equal(deps.store.getMaxOffsetInQueue(RMQ_SYS_SCHEDULE_TOPIC, 1), 1);
  });
});

describe('transaction check-back', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir('feature-txcheck-');
  });
  after(() => dir.cleanup());

  it('asks a live producer after 6 s, every 30 s, 15 times, then discards', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const deps = await testDeps(join(dir.path, 'a'), {}, clock);
    const producer = new FakeChannel('p1');
    deps.clients.producers.set('pg', [producer]);
    const tx = new TransactionService(deps, POLICY);
    const half = await putHalf(deps, 'C1', { __transactionId__: 'tx-1' });

    clock.advance(5999);
    await tx.tick();
    assert.equal(producer.pushed.length, 0);
    clock.advance(1);
    await tx.tick();
    assert.equal(producer.pushed.length, 1);
    const check = producer.pushed[0]!;
    assert.equal(check.code, RequestCode.CHECK_TRANSACTION_STATE);
    assert.equal(check.extFields.topic, 'T');
    assert.equal(check.extFields.tranStateTableOffset, String(half.logicsOffset));
    assert.equal(check.extFields.commitLogOffset, String(half.wroteOffset));
    assert.equal(check.extFields.msgId, 'C1');
    assert.equal(check.extFields.transactionId, 'tx-1');
    assert.equal(check.extFields.offsetMsgId, half.msgId);
    assert.equal(check.extFields.bname, 'broker-a');
    const body = decodeStoredRecord(check.body!)!;
    assert.equal(body.topic, 'T');
    assert.equal(body.queueId, 3);
    assert.equal(body.physicalOffset, half.wroteOffset);
    assert.equal(body.body.toString(), 'body-C1');

    clock.advance(29_999);
    await tx.tick();
    assert.equal(producer.pushed.length, 1);
    for (let i = 2; i <= 15; i++) {
      clock.advance(30_000);
      await tx.tick();
      assert.equal(producer.pushed.length, i);
    }
    clock.advance(30_000);
    await tx.tick();
    assert.equal(producer.pushed.length, 15);
    assert.equal(tx.isSettled(half.logicsOffset), true);
    assert.equal(
      deps.store.getMaxOffsetInQueue(TRANS_CHECK_MAX_TIME_TOPIC, 0),
      1,
      'discarded message kept for inspection',
    );
    const saved = JSON.parse(await readFile(join(dir.path, 'a', TRANSACTION_STATE_FILE), 'utf8'));
    assert.equal(saved.halfOffset, 1);
  });

  it('skips settled messages, including ones settled before a restart', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const deps = await testDeps(join(dir.path, 'b'), {}, clock);
    const producer = new FakeChannel('p1');
    deps.clients.producers.set('pg', [producer]);
    const tx = new TransactionService(deps, POLICY);
    const end = endTransactionProcessor(deps, tx, LEVELS);
    const h0 = await putHalf(deps, 'S0');
    const h1 = await putHalf(deps, 'S1');
    const h2 = await putHalf(deps, 'S2');
    await end.handler(
      request(37, {
        producerGroup: 'pg',
        tranStateTableOffset: h1.logicsOffset,
        commitLogOffset: h1.wroteOffset,
        commitOrRollback: 12,
        msgId: 'S1',
      }),
      noConnection,
    );
    clock.advance(6000);
    await tx.tick();
    assert.deepEqual(
      producer.pushed.map((c) => c.extFields.msgId),
      ['S0', 'S2'],
    );
    await tx.stop();

    // After a restart the op queue is the authority: commit S0 behind the service's back.
    const restarted = new TransactionService(deps, POLICY);
    await restarted.load();
    const end2 = endTransactionProcessor(deps, restarted, LEVELS);
    await end2.handler(
      request(37, {
        producerGroup: 'pg',
        tranStateTableOffset: h0.logicsOffset,
        commitLogOffset: h0.wroteOffset,
        commitOrRollback: 8,
        msgId: 'S0',
      }),
      noConnection,
    );
    const fresh = new TransactionService(deps, POLICY);
    await fresh.load();
    clock.advance(30_000);
    await fresh.tick();
    assert.deepEqual(
      producer.pushed.slice(2).map((c) => c.extFields.msgId),
      ['S2'],
    );
    assert.equal(fresh.snapshot().halfOffset, 2);
    assert.equal(fresh.isSettled(h2.logicsOffset), false);
  });

  it('starts afresh from a damaged state file without re-checking settled messages', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const configDir = join(dir.path, 'crash');
    const deps = await testDeps(configDir, {}, clock);
    const producer = new FakeChannel('p1');
    deps.clients.producers.set('pg', [producer]);
    const tx = new TransactionService(deps, POLICY);
    const end = endTransactionProcessor(deps, tx, LEVELS);
    const h0 = await putHalf(deps, 'K0');
    await putHalf(deps, 'K1');
    await end.handler(
      request(37, {
        producerGroup: 'pg',
        tranStateTableOffset: h0.logicsOffset,
        commitLogOffset: h0.wroteOffset,
        commitOrRollback: 12,
        msgId: 'K0',
      }),
      noConnection,
    );
    await tx.stop();
    await writeFile(join(configDir, TRANSACTION_STATE_FILE), '{"halfOffset":1,"opOff');
    const fresh = new TransactionService(deps, POLICY);
    await fresh.load();
    assert.equal(fresh.snapshot().halfOffset, 0);
    clock.advance(6000);
    await fresh.tick();
    assert.deepEqual(
      producer.pushed.map((c) => c.extFields.msgId),
      ['K1'],
    );
    assert.equal(fresh.snapshot().halfOffset, 1);
  });

  it('runs on its own timer once started', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const deps = await testDeps(join(dir.path, 'c'), {}, clock);
    const producer = new FakeChannel('p1');
    deps.clients.producers.set('pg', [producer]);
    const tx = new TransactionService(deps, POLICY, 10);
    await putHalf(deps, 'T1');
    clock.advance(6000);
    await tx.start();
    try {
      await eventually(() => producer.pushed.length === 1, { timeoutMs: 2000 });
    } finally {
      await tx.stop();
    }
  });
});
