import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { queryProcessors, UNIQUE_MSG_QUERY_FLAG } from '../src/query/query-processors.js';
import { message, noConnection, request, testDeps } from './feature-fakes.js';

describe('QUERY_MESSAGE / VIEW_MESSAGE_BY_ID', () => {
  it('finds messages by any of their KEYS and by UNIQ_KEY, within the time range', async () => {
    const deps = await testDeps('/nonexistent');
    const [query] = queryProcessors(deps);
    assert.equal(query!.code, RequestCode.QUERY_MESSAGE);
    const put = await deps.store.putMessage(message('T', 0, { KEYS: 'k1 k2', UNIQ_KEY: 'U1' }));
    const now = deps.clock.now();
    const ask = (key: string, extra: Record<string, string> = {}) =>
      query!.handler(
        request(12, { topic: 'T', key, maxNum: 10, beginTimestamp: now - 1000, endTimestamp: now + 1000, ...extra }),
        noConnection,
      );
    for (const key of ['k1', 'k2', 'U1']) {
      const r = (await ask(key))!;
      assert.equal(r.code, ResponseCode.SUCCESS, key);
      assert.deepEqual(r.body, await deps.store.lookMessageByOffset(put.append!.wroteOffset));
      assert.equal(r.extFields.indexLastUpdatePhyoffset, String(put.append!.wroteOffset));
      assert.equal(r.extFields.indexLastUpdateTimestamp, String(now));
    }
    const miss = (await ask('nope'))!;
    assert.equal(miss.code, ResponseCode.QUERY_NOT_FOUND);
    const outOfRange = (await query!.handler(
      request(12, { topic: 'T', key: 'k1', maxNum: 10, beginTimestamp: now + 1, endTimestamp: now + 2 }),
      noConnection,
    ))!;
    assert.equal(outOfRange.code, ResponseCode.QUERY_NOT_FOUND);
  });

  it('caps results at maxNum, or at defaultQueryMaxNum for unique-key queries', async () => {
    const deps = await testDeps('/nonexistent', { defaultQueryMaxNum: 2 });
    const [query] = queryProcessors(deps);
    for (let i = 0; i < 3; i++) await deps.store.putMessage(message('T', 0, { KEYS: 'same' }));
    const ext = { topic: 'T', key: 'same', maxNum: 1, beginTimestamp: 0, endTimestamp: Number.MAX_SAFE_INTEGER };
    const one = (await query!.handler(request(12, ext), noConnection))!;
    const recordSize = one.body!.length;
    const two = (await query!.handler(request(12, { ...ext, [UNIQUE_MSG_QUERY_FLAG]: 'true' }), noConnection))!;
    assert.equal(two.body!.length, 2 * recordSize);
  });

  it('views a record by physical offset and reports a miss as SYSTEM_ERROR', async () => {
    const deps = await testDeps('/nonexistent');
    const [, view] = queryProcessors(deps);
    assert.equal(view!.code, RequestCode.VIEW_MESSAGE_BY_ID);
    await deps.store.putMessage(message('T', 0));
    const put = await deps.store.putMessage(message('T', 0, {}, 'second'));
    const r = (await view!.handler(request(33, { offset: put.append!.wroteOffset }), noConnection))!;
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.deepEqual(r.body, await deps.store.lookMessageByOffset(put.append!.wroteOffset));
    const miss = (await view!.handler(request(33, { offset: 12345 }), noConnection))!;
    assert.equal(miss.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(miss.remark, 'can not find message by the offset, 12345');
    const bad = (await view!.handler(request(33, {}), noConnection))!;
    assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
  });
});
