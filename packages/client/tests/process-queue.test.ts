import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProcessQueue } from '../src/consumer/process-queue.js';
import { buildSubscription, tagFilter } from '../src/consumer/subscription.js';
import type { MessageExt } from '../src/message.js';

const msg = (queueOffset: number): MessageExt => ({ queueOffset, body: Buffer.alloc(10) }) as MessageExt;

describe('ProcessQueue', () => {
  it('commits up to the lowest unacknowledged offset', () => {
    const pq = new ProcessQueue();
    const ms = [10, 11, 12, 13].map(msg);
    assert.equal(pq.put(ms), 4);
    assert.equal(pq.size, 40);
    assert.equal(pq.remove([ms[1]!, ms[2]!]), 10);
    assert.equal(pq.remove([ms[0]!]), 13);
    assert.equal(pq.remove([ms[3]!]), 14);
    assert.equal(pq.count, 0);
  });
  it('ignores redelivered offsets and reports span', () => {
    const pq = new ProcessQueue();
    pq.put([msg(1), msg(2)]);
    assert.equal(pq.put([msg(2)]), 0);
    pq.put([msg(100)]);
    assert.equal(pq.span, 99);
    assert.deepEqual(
      pq.peek(2).map((m) => m.queueOffset),
      [1, 2],
    );
    assert.deepEqual(
      pq.take(1).map((m) => m.queueOffset),
      [1],
    );
    assert.equal(pq.firstOffset(), 2);
  });
});

describe('subscription', () => {
  it('parses tag expressions into tags and Java hash codes', () => {
    const s = buildSubscription('T', 'TagA || TagB||TagA');
    assert.deepEqual(s.tagsSet, ['TagA', 'TagB']);
    assert.deepEqual(s.codeSet, [2598919, 2598920]);
    assert.equal(buildSubscription('T', '').subString, '*');
    const f = tagFilter(s)!;
    assert.ok(f('TagA') && !f('TagC') && !f(undefined));
    assert.equal(tagFilter(buildSubscription('T', '*')), undefined);
  });
});
