import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { decodeBatchBody, decodeProperties, MessageSysFlag } from '@rocketmq-ts/protocol';
import { MQClientError } from '../src/errors.js';
import {
  buildProperties,
  encodeBatch,
  maybeCompress,
  validateMessage,
  validateTopic,
} from '../src/producer/message-encode.js';

describe('message encoding', () => {
  it('writes tags, keys, delay, wait, user properties and UNIQ_KEY', () => {
    const s = buildProperties(
      { topic: 'T', body: 'x', tags: 'TagA', keys: ['k1', 'k2'], delayTimeLevel: 3, properties: { a: '1' } },
      'ID1',
    );
    const p = decodeProperties(s);
    assert.equal(p.get('TAGS'), 'TagA');
    assert.equal(p.get('KEYS'), 'k1 k2');
    assert.equal(p.get('DELAY'), '3');
    assert.equal(p.get('WAIT'), 'true');
    assert.equal(p.get('UNIQ_KEY'), 'ID1');
    assert.equal(p.get('a'), '1');
    assert.ok(s.endsWith('\u0002'));
  });
  it('rejects reserved property names and bad topics', () => {
    assert.throws(() => buildProperties({ topic: 'T', body: 'x', properties: { TAGS: 'x' } }, 'id'), MQClientError);
    assert.throws(() => validateTopic('bad topic'), MQClientError);
    assert.throws(() => validateTopic('x'.repeat(128)), MQClientError);
    validateTopic('%RETRY%g-1|x_y');
    assert.throws(() => validateMessage({ topic: 'T', body: '' }, Buffer.alloc(0)), MQClientError);
  });
  it('compresses only bodies over the threshold, with the ZLIB type bits', () => {
    const small = maybeCompress(Buffer.alloc(4096, 'a'), 4096);
    assert.equal(small.sysFlag, 0);
    const big = Buffer.alloc(5000, 'a');
    const z = maybeCompress(big, 4096);
    assert.equal(z.sysFlag & MessageSysFlag.COMPRESSED_FLAG, 1);
    assert.equal(z.sysFlag & MessageSysFlag.COMPRESSION_TYPE_MASK, MessageSysFlag.COMPRESSION_ZLIB_TYPE);
    assert.deepEqual(inflateSync(z.body), big);
    assert.equal(maybeCompress(big, -1).sysFlag, 0);
  });
  it('encodes a batch body the broker can split, one UNIQ_KEY per message', () => {
    let n = 0;
    const { body, msgIds } = encodeBatch(
      [
        { topic: 'T', body: 'hello', tags: 'A', flag: 7 },
        { topic: 'T', body: Buffer.from([1, 2, 3]), keys: 'k' },
      ],
      () => `ID${++n}`,
    );
    assert.deepEqual(msgIds, ['ID1', 'ID2']);
    const items = decodeBatchBody(body);
    assert.ok(items.ok);
    if (!items.ok) return;
    assert.equal(items.value.length, 2);
    assert.equal(items.value[0]!.flag, 7);
    assert.equal(items.value[0]!.body.toString(), 'hello');
    assert.equal(decodeProperties(items.value[0]!.properties).get('UNIQ_KEY'), 'ID1');
    assert.equal(decodeProperties(items.value[1]!.properties).get('KEYS'), 'k');
    // Java's layout: TOTALSIZE, MAGICCODE 0, BODYCRC 0, FLAG.
    assert.equal(body.readInt32BE(4), 0);
    assert.equal(body.readInt32BE(8), 0);
  });
  it('refuses mixed topics and delayed messages in a batch', () => {
    assert.throws(
      () =>
        encodeBatch(
          [
            { topic: 'A', body: 'x' },
            { topic: 'B', body: 'y' },
          ],
          () => 'i',
        ),
      MQClientError,
    );
    assert.throws(() => encodeBatch([{ topic: 'A', body: 'x', delayTimeLevel: 2 }], () => 'i'), MQClientError);
  });
});
