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

describe('ProcessQueue acknowledgements out of order', () => {
  it('matches a reference model over random puts and acks, and never commits past a held message', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const pq = new ProcessQueue();
      const held = new Map<number, MessageExt>();
      let next = rnd(5);
      let max = -1;
      for (let step = 0; step < 300; step++) {
        if (rnd(3) > 0) {
          const batch: MessageExt[] = [];
          for (let k = rnd(4); k >= 0; k--) {
            next += 1 + rnd(3); // gaps, as filtered pulls leave
            batch.push(msg(next));
          }
          assert.equal(pq.put(batch), batch.length);
          for (const m of batch) held.set(m.queueOffset, m);
          max = next;
        } else if (held.size > 0) {
          const keys = [...held.keys()];
          const acked = keys.filter(() => rnd(2) === 0).map((k) => held.get(k)!);
          for (const m of acked) held.delete(m.queueOffset);
          const commit = pq.remove(acked);
          const lowest = held.size === 0 ? max + 1 : Math.min(...held.keys());
          assert.equal(commit, lowest);
        }
        assert.equal(pq.count, held.size);
        assert.equal(pq.size, held.size * 10);
        assert.equal(pq.firstOffset(), held.size === 0 ? -1 : Math.min(...held.keys()));
        assert.deepEqual(
          pq.peek(3).map((m) => m.queueOffset),
          [...held.keys()].sort((a, b) => a - b).slice(0, 3),
        );
      }
    }
  });
  it('takes the newest offset again once it was acknowledged, but not while held', () => {
    const pq = new ProcessQueue();
    const a = msg(5);
    pq.put([msg(4), a]);
    assert.equal(pq.put([msg(5)]), 0);
    pq.remove([a]);
    assert.equal(pq.put([msg(5)]), 1);
    assert.equal(pq.count, 2);
    assert.equal(pq.remove([msg(4), msg(5)]), 6);
    assert.equal(pq.put([msg(5)]), 1, 'as the Map-based queue did');
  });
});
