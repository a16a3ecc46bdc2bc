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
    const r = decodeHeartbeat(body);
    assert.ok(r.ok);
    const h = r.value;
    assert.equal(h.clientID, '10.0.0.5@123');
    assert.equal(h.consumerDataSet[0]?.subscriptionDataSet[0]?.expressionType, 'TAG');
    assert.deepEqual(h.consumerDataSet[0]?.subscriptionDataSet[0]?.codeSet, [2598919, 2598920]);
  });
  it('returns an error value for garbage', () => {
    assert.equal(decodeHeartbeat(Buffer.from('{')).ok, false);
    assert.equal(decodeHeartbeat(Buffer.from('{}')).ok, false);
    assert.equal(decodeHeartbeat(undefined).ok, false);
    assert.equal(decodeHeartbeat(Buffer.from('{"clientID":"c","consumerDataSet":5}')).ok, false);
  });
  it('never stringifies a nested value (String() of a deep array overflows the stack)', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const r = decodeHeartbeat(
      Buffer.from(
        `{"clientID":"c","consumerDataSet":[{"groupName":${deep},"subscriptionDataSet":[{"topic":${deep},"codeSet":[${deep}]}]}]}`,
      ),
    );
    assert.ok(r.ok);
    assert.equal(r.value.consumerDataSet[0]?.groupName, '');
    assert.deepEqual(r.value.consumerDataSet[0]?.subscriptionDataSet[0]?.codeSet, [0]);
  });
});

describe('lock batch body', () => {
  it('decodes queues and rejects malformed entries', () => {
    const good = decodeLockBatchBody(
      Buffer.from('{"consumerGroup":"G","clientId":"c","mqSet":[{"topic":"T","brokerName":"b","queueId":1}]}'),
    );
    assert.ok(good.ok);
    assert.equal(good.value.mqSet[0]?.queueId, 1);
    assert.equal(decodeLockBatchBody(Buffer.from('{"consumerGroup":"G","clientId":"c","mqSet":[{}]}')).ok, false);
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const nested = `{"consumerGroup":"G","clientId":"c","mqSet":[{"topic":"T","brokerName":"b","queueId":${deep}}]}`;
    assert.equal(decodeLockBatchBody(Buffer.from(nested)).ok, false);
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
