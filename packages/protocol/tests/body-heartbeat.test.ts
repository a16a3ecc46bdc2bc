import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHeartbeat, decodeLockBatchBody, SendMessageRequestHeaderV2 } from '../src/index.js';

describe('heartbeat body', () => {
  it('reads a Java-shaped heartbeat and fills defaults', () => {
    const body = Buffer.from(
      JSON.stringify({
        clientID: '10.0.0.5@123',
        producerDataSet: [{ groupName: 'P' }],
        consumerDataSet: [
          {
            groupName: 'G',
            consumeType: 'CONSUME_PASSIVELY',
            messageModel: 'CLUSTERING',
            consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
            subscriptionDataSet: [
              {
                topic: 'T',
                subString: 'TagA || TagB',
                tagsSet: ['TagA', 'TagB'],
                codeSet: [2598919, 2598920],
                subVersion: 5,
              },
            ],
            unitMode: false,
          },
        ],
      }),
    );
    const h = decodeHeartbeat(body);
    assert.ok(typeof h !== 'string');
    assert.equal(h.clientID, '10.0.0.5@123');
    assert.equal(h.consumerDataSet[0]?.subscriptionDataSet[0]?.expressionType, 'TAG');
    assert.deepEqual(h.consumerDataSet[0]?.subscriptionDataSet[0]?.codeSet, [2598919, 2598920]);
  });
  it('returns an error string for garbage', () => {
    assert.equal(typeof decodeHeartbeat(Buffer.from('{')), 'string');
    assert.equal(typeof decodeHeartbeat(Buffer.from('{}')), 'string');
    assert.equal(typeof decodeHeartbeat(undefined), 'string');
  });
});

describe('lock batch body', () => {
  it('decodes queues and rejects malformed entries', () => {
    const ok = decodeLockBatchBody(
      Buffer.from('{"consumerGroup":"G","clientId":"c","mqSet":[{"topic":"T","brokerName":"b","queueId":1}]}'),
    );
    assert.ok(typeof ok !== 'string');
    assert.equal(ok.mqSet[0]?.queueId, 1);
    assert.equal(
      typeof decodeLockBatchBody(Buffer.from('{"consumerGroup":"G","clientId":"c","mqSet":[{}]}')),
      'string',
    );
  });
});

describe('SendMessageRequestHeaderV2', () => {
  it('decodes the one-letter keys ali-ons sends (numbers already coerced to strings)', () => {
    const r = SendMessageRequestHeaderV2.decode({
      a: 'PG',
      b: 'T',
      c: 'TBW102',
      d: '4',
      e: '3',
      f: '0',
      g: '1700000000000',
      h: '0',
      i: 'TAGS\u0001A\u0002',
      j: '0',
      k: 'false',
      l: '16',
    });
    assert.ok(r.ok);
    assert.equal(r.value.topic, 'T');
    assert.equal(r.value.queueId, 3);
    assert.equal(r.value.maxReconsumeTimes, 16);
    assert.equal(r.value.batch, undefined);
  });
});
