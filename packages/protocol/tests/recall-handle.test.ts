import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRecallHandle, encodeRecallHandle } from '../src/index.js';

// RocketMQ 5.3's recall handle: URL-safe Base64 with '=' padding of
// `v1 <topic> <brokerName> <timestamp> <uniqKey>` (RecallMessageHandle.HandleV1).

describe('recall handle', () => {
  it('encodes the v1 fields space-separated in URL-safe Base64 with padding', () => {
    const h = {
      topic: 'TopicA',
      brokerName: 'broker-a',
      timestamp: '1700000000001',
      messageId: '7F0000016DE4E0F591C723B099010000',
    };
    const text = encodeRecallHandle(h);
    // base64url("v1 TopicA broker-a 1700000000001 7F0000016DE4E0F591C723B099010000")
    assert.equal(text, 'djEgVG9waWNBIGJyb2tlci1hIDE3MDAwMDAwMDAwMDEgN0YwMDAwMDE2REU0RTBGNTkxQzcyM0IwOTkwMTAwMDA=');
    assert.deepEqual(decodeRecallHandle(text), { ok: true, value: h });
    // Two and one padding characters; '-' where standard Base64 has '+'.
    assert.equal(
      encodeRecallHandle({ topic: 'T', brokerName: 'b', timestamp: '1', messageId: 'U' }),
      'djEgVCBiIDEgVQ==',
    );
    assert.equal(
      encodeRecallHandle({ topic: 'T', brokerName: 'b', timestamp: '12', messageId: 'U' }),
      'djEgVCBiIDEyIFU=',
    );
    assert.equal(
      encodeRecallHandle({ topic: 'T?>', brokerName: 'b', timestamp: '1', messageId: 'U' }),
      'djEgVD8-IGIgMSBV',
    );
  });

  it("refuses what Java's decodeHandle refuses, with its message", () => {
    const v1 = (raw: string) => Buffer.from(raw).toString('base64url');
    for (const bad of [undefined, '', 'not base64!', '@@@@', v1('v2 T b 1 U'), v1('v1 T b 1'), v1('v1')]) {
      assert.deepEqual(decodeRecallHandle(bad), { ok: false, error: 'recall handle is invalid' }, String(bad));
    }
    // Unpadded input decodes too (Java's URL decoder accepts it).
    assert.equal(decodeRecallHandle(v1('v1 T b 1 U')).ok, true);
  });
});
