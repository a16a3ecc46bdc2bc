import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getPropertyFromString, MessageConst } from '@rocketmq-ts/protocol';
import fc from 'fast-check';
import { scanSendProperties, stampProperties, traceStamp } from '../src/processors/message-rewrite.js';

const NAMES = [
  MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
  MessageConst.PROPERTY_CLUSTER,
  MessageConst.PROPERTY_TRANSACTION_PREPARED,
  MessageConst.PROPERTY_DELAY_TIME_LEVEL,
  MessageConst.PROPERTY_MSG_REGION,
  MessageConst.PROPERTY_TRACE_SWITCH,
];

describe('send path property scan', () => {
  it('finds what getPropertyFromString finds, for each name, in one pass', () => {
    // Strings built from the names, separators and short values, including empty values,
    // duplicates, pairs without a separator and trailing garbage.
    const piece = fc.oneof(
      fc.constantFrom(...NAMES, 'TAGS', 'KEYS', 'UNIQ_KEYX', 'XDELAY', '\u0001', '\u0002'),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), (parts) => {
        const text = parts.join('');
        const s = scanSendProperties(text);
        assert.equal(s.uniqKey, getPropertyFromString(text, NAMES[0]!), text);
        assert.equal(s.cluster, getPropertyFromString(text, NAMES[1]!), text);
        assert.equal(s.transactionPrepared, getPropertyFromString(text, NAMES[2]!), text);
        assert.equal(s.delay, getPropertyFromString(text, NAMES[3]!), text);
        assert.equal(s.region, getPropertyFromString(text, NAMES[4]!), text);
        assert.equal(s.traceOn, getPropertyFromString(text, NAMES[5]!), text);
      }),
      { numRuns: 3000 },
    );
  });

  it('stamps UNIQ_KEY only when missing and CLUSTER when different', () => {
    const keys = ['K1', 'K2'];
    const next = () => keys.shift()!;
    const fresh = stampProperties('TAGS\u0001a\u0002', 'C', next);
    assert.deepEqual(fresh, {
      properties: 'TAGS\u0001a\u0002UNIQ_KEY\u0001K1\u0002CLUSTER\u0001C\u0002',
      uniqKey: 'K1',
    });
    const kept = stampProperties('UNIQ_KEY\u0001U\u0002CLUSTER\u0001C\u0002', 'C', next);
    assert.deepEqual(kept, { properties: 'UNIQ_KEY\u0001U\u0002CLUSTER\u0001C\u0002', uniqKey: 'U' });
    const replaced = stampProperties('UNIQ_KEY\u0001U\u0002CLUSTER\u0001old\u0002', 'C', next);
    assert.equal(getPropertyFromString(replaced.properties, 'CLUSTER'), 'C');
  });
});

describe('MSG_REGION and TRACE_ON stamp (issue 16: Java consumers trace messages stored here)', () => {
  const next = () => 'K';
  it('appends both pairs in one piece when the client sent neither', () => {
    const out = stampProperties('UNIQ_KEY\u0001U\u0002', 'C', next, undefined, traceStamp('DefaultRegion', true));
    assert.equal(
      out.properties,
      'UNIQ_KEY\u0001U\u0002CLUSTER\u0001C\u0002MSG_REGION\u0001DefaultRegion\u0002TRACE_ON\u0001true\u0002',
    );
    assert.equal(traceStamp('DefaultRegion', true).suffix.length, 39);
  });
  it("overwrites a client's values with the broker's, as Java's properties.put", () => {
    const sent = 'UNIQ_KEY\u0001U\u0002CLUSTER\u0001C\u0002MSG_REGION\u0001Elsewhere\u0002';
    const out = stampProperties(sent, 'C', next, undefined, traceStamp('eu-1', false)).properties;
    assert.equal(getPropertyFromString(out, 'MSG_REGION'), 'eu-1');
    assert.equal(getPropertyFromString(out, 'TRACE_ON'), 'false');
    const same = 'UNIQ_KEY\u0001U\u0002CLUSTER\u0001C\u0002MSG_REGION\u0001eu-1\u0002TRACE_ON\u0001false\u0002';
    assert.equal(stampProperties(same, 'C', next, undefined, traceStamp('eu-1', false)).properties, same);
  });
  it('leaves the properties alone without a stamp', () => {
    assert.equal(
      stampProperties('UNIQ_KEY\u0001U\u0002CLUSTER\u0001C\u0002', 'C', next).properties.includes('MSG_REGION'),
      false,
    );
  });
});
