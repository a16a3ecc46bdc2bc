import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getPropertyFromString, MessageConst } from '@rocketmq-ts/protocol';
import fc from 'fast-check';
import { scanSendProperties, stampProperties } from '../src/processors/message-rewrite.js';

const NAMES = [
  MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
  MessageConst.PROPERTY_CLUSTER,
  MessageConst.PROPERTY_TRANSACTION_PREPARED,
  MessageConst.PROPERTY_DELAY_TIME_LEVEL,
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
