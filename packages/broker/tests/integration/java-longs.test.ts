import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeStoredRecords, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { type FeatureBroker, startFeatureBroker } from './feature-harness.js';

// Issue 18, finding 4: Java sends Long.MAX_VALUE / Long.MIN_VALUE as "no bound"; a long header
// field past 2^53 was refused ("not a valid long") with SYSTEM_ERROR.

const LONG_MAX = '9223372036854775807';
const LONG_MIN = '-9223372036854775808';

for (const store of ['memory', 'file'] as const) {
  describe(`Java's long range over the wire (${store} store)`, () => {
    let b: FeatureBroker;
    before(async () => {
      b = await startFeatureBroker({}, { store });
      const sent = await b.send('LongT', { KEYS: 'k-long', TAGS: 't' }, 'long range');
      assert.equal(sent.code, ResponseCode.SUCCESS);
    });
    after(() => b.close());

    it('QUERY_MESSAGE with endTimestamp = Long.MAX_VALUE (queryMessageByUniqKey, mqadmin queryMsgByKey) finds the message', async () => {
      for (const beginTimestamp of ['0', LONG_MIN]) {
        const r = await b.invoke(RequestCode.QUERY_MESSAGE, {
          topic: 'LongT',
          key: 'k-long',
          maxNum: 32,
          beginTimestamp,
          endTimestamp: LONG_MAX,
        });
        assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
        assert.equal(decodeStoredRecords(r.body!)[0]?.body.toString(), 'long range');
      }
    });

    it('a pull at offset Long.MAX_VALUE or Long.MIN_VALUE answers PULL_OFFSET_MOVED (21), as Java does', async () => {
      // ±2^63 is how Long.MAX_VALUE / Long.MIN_VALUE read, and how they are written back.
      for (const queueOffset of [2 ** 63, -(2 ** 63)]) {
        const r = await b.pullResponse('g-long', 'LongT', 0, queueOffset);
        assert.equal(r.code, ResponseCode.PULL_OFFSET_MOVED, `offset ${queueOffset}: ${r.code} ${r.remark}`);
      }
    });

    it('refuses a long outside the Java range as Long.parseLong does (SYSTEM_ERROR)', async () => {
      const r = await b.invoke(RequestCode.QUERY_MESSAGE, {
        topic: 'LongT',
        key: 'k-long',
        maxNum: 32,
        beginTimestamp: 0,
        endTimestamp: '9223372036854775808',
      });
      assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
      assert.match(r.remark ?? '', /endTimestamp/);
    });
  });
}
