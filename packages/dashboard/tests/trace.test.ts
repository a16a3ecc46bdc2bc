import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeTraceData } from '../src/api/trace.js';

const F = '\u0001';
const R = '\u0002';

describe('decodeTraceData', () => {
  it('reads the four record types of RocketMQ clients, old and new field counts', () => {
    const data = [
      [
        'Pub',
        '1700000000000',
        'DefaultRegion',
        'PG',
        'T',
        'ID1',
        'TagA',
        'k1',
        '10.0.0.1:10911',
        '15',
        '3',
        '0',
        'OFF1',
        'true',
      ],
      ['Pub', '1700000000001', 'R', 'PG', 'T', 'ID2', '', '', 'h', '1', '2', '4', 'false'],
      ['SubBefore', '1700000000100', 'R', 'CG', 'req1', 'ID1', '2', 'k1'],
      ['SubAfter', 'req1', 'ID1', '7', 'true', 'k1', '0', '1700000000107', 'CG'],
      [
        'EndTransaction',
        '1700000000200',
        'R',
        'PG',
        'T',
        'ID1',
        'TagA',
        'k1',
        'h',
        '1',
        'tx1',
        'COMMIT_MESSAGE',
        'false',
      ],
      ['Unknown', 'x'],
    ]
      .map((f) => f.join(F) + R)
      .join('');
    const recs = decodeTraceData(data);
    assert.deepEqual(
      recs.map((r) => r.type),
      ['Pub', 'Pub', 'SubBefore', 'SubAfter', 'EndTransaction'],
    );
    assert.equal(recs[0]!.offsetMsgId, 'OFF1');
    assert.equal(recs[0]!.success, true);
    assert.equal(recs[0]!.msgType, 'Normal_Msg');
    assert.equal(recs[0]!.costTime, 3);
    assert.equal(recs[1]!.offsetMsgId, undefined);
    assert.equal(recs[1]!.success, false);
    assert.equal(recs[1]!.msgType, 'Order_Msg');
    assert.equal(recs[2]!.retryTimes, 2);
    assert.equal(recs[2]!.groupName, 'CG');
    assert.deepEqual(
      [recs[3]!.costTime, recs[3]!.success, recs[3]!.timestamp, recs[3]!.groupName],
      [7, true, 1700000000107, 'CG'],
    );
    assert.deepEqual([recs[4]!.transactionState, recs[4]!.fromTransactionCheck], ['COMMIT_MESSAGE', false]);
  });

  it('survives truncated and empty records', () => {
    assert.deepEqual(decodeTraceData(''), []);
    const [r] = decodeTraceData(`Pub${F}notanumber${R}`);
    assert.equal(r?.type, 'Pub');
    assert.equal(r?.timestamp, undefined);
    assert.equal(r?.msgId, '');
  });
});
