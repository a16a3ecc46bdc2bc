import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeTraceData,
  emptyTraceRecord,
  encodeTraceRecord,
  type TraceRecord,
  traceKeysOf,
} from '../src/trace/trace-data.js';

// Golden texts written from the field order of RocketMQ's TraceDataEncoder (see
// src/trace/trace-data.ts); \u0001 separates fields, \u0002 ends a record.
const C = '\u0001';
const F = '\u0002';

const PUB = [
  'Pub', // type
  '1700000000123', // timestamp
  'DefaultRegion', // regionId
  'P_group', // producer group
  'TopicA', // topic
  '7F0000010001000000000000000A0001', // msgId (UNIQ_KEY)
  'TagA', // tags
  'k1 k2', // keys
  '127.0.0.1:10911', // storeHost
  '5', // bodyLength
  '3', // costTime
  '0', // msgType ordinal: Normal_Msg
  '7F00000100002A9F0000000000000000', // offsetMsgId
  'true', // success
].join(C);
const SUB_BEFORE = [
  'SubBefore',
  '1700000000200',
  'DefaultRegion',
  'C_group',
  'REQ1',
  '7F0000010001000000000000000A0001',
  '0',
  'k1 k2',
].join(C);
const SUB_AFTER = [
  'SubAfter',
  'REQ1',
  '7F0000010001000000000000000A0001',
  '12',
  'true',
  'k1 k2',
  '0',
  '1700000000212',
  'C_group',
].join(C);
const END_TX = [
  'EndTransaction',
  '1700000000300',
  'DefaultRegion',
  'P_group',
  'TopicA',
  '7F0000010001000000000000000A0002',
  'null',
  'null',
  '127.0.0.1:10911',
  '2', // Trans_msg_Commit
  '7F0000010001000000000000000A0002',
  'COMMIT_MESSAGE',
  'false',
].join(C);

describe('protocol: message trace data', () => {
  it('decodes the four record types of one trace message and re-encodes them exactly', () => {
    const body = PUB + F + SUB_BEFORE + F + SUB_AFTER + F + END_TX + F;
    const r = decodeTraceData(body);
    assert.ok(r.ok, !r.ok ? r.error : '');
    const [pub, before, after, end] = r.value;
    assert.equal(pub!.type, 'Pub');
    assert.equal(pub!.timestamp, 1700000000123);
    assert.equal(pub!.groupName, 'P_group');
    assert.equal(pub!.keys, 'k1 k2');
    assert.equal(pub!.bodyLength, 5);
    assert.equal(pub!.costTime, 3);
    assert.equal(pub!.msgType, 'Normal_Msg');
    assert.equal(pub!.offsetMsgId, '7F00000100002A9F0000000000000000');
    assert.equal(pub!.success, true);
    assert.equal(before!.requestId, 'REQ1');
    assert.equal(before!.retryTimes, 0);
    assert.equal(after!.costTime, 12);
    assert.equal(after!.timestamp, 1700000000212);
    assert.equal(after!.groupName, 'C_group');
    assert.equal(end!.msgType, 'Trans_msg_Commit');
    assert.equal(end!.transactionState, 'COMMIT_MESSAGE');
    assert.equal(r.value.map(encodeTraceRecord).join(''), body);
  });

  it('reads old Pub records without offsetMsgId and new ones with the client host, as Java', () => {
    const old = PUB.split(C)
      .filter((_, i) => i !== 12)
      .join(C);
    const oldR = decodeTraceData(old + F);
    assert.ok(oldR.ok);
    assert.equal(oldR.value[0]!.offsetMsgId, '');
    assert.equal(oldR.value[0]!.success, true);
    const withHost = decodeTraceData(`${PUB}${C}10.0.0.9@1234${F}`);
    assert.ok(withHost.ok);
    assert.equal(withHost.value[0]!.clientHost, '10.0.0.9@1234');
  });

  it('reads a cloud SubAfter (no timestamp and group) and skips unknown record types', () => {
    const cloud = ['SubAfter', 'REQ1', 'ID', '4', 'false', 'k', '4', ''].join(C);
    const r = decodeTraceData(`${cloud}${F}Future${C}x${F}`);
    assert.ok(r.ok);
    assert.equal(r.value.length, 1);
    assert.equal(r.value[0]!.success, false);
    assert.equal(r.value[0]!.contextCode, 4);
    assert.equal(r.value[0]!.groupName, '');
  });

  it('refuses short records, bad numbers and bad ordinals, at every cut of a record', () => {
    for (let cut = 1; cut < PUB.length; cut++) {
      const r = decodeTraceData(PUB.slice(0, cut) + F);
      if (r.ok) assert.ok(r.value.length <= 1, `cut ${cut}`);
    }
    assert.equal(decodeTraceData(['Pub', 'x'].join(C)).ok, false);
    assert.equal(decodeTraceData(PUB.replace(`${C}0${C}7F00`, `${C}9${C}7F00`)).ok, false);
    assert.equal(decodeTraceData(END_TX.replace('COMMIT_MESSAGE', 'MAYBE')).ok, false);
  });

  it('keys a trace message by each msgId and its keys', () => {
    const a: TraceRecord = { ...emptyTraceRecord('Pub'), msgId: 'A', keys: 'k1 k2' };
    const b: TraceRecord = { ...emptyTraceRecord('SubAfter'), msgId: 'B', keys: '' };
    assert.deepEqual(traceKeysOf([a, b, a]), ['A', 'k1', 'k2', 'B']);
  });
});
