import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MessageQueue } from '@rocketmq-ts/protocol';
import { allocateAveragely, allocateAveragelyByCircle } from '../src/consumer/allocate.js';

const queues = (n: number): MessageQueue[] =>
  Array.from({ length: n }, (_, i) => ({ topic: 'T', brokerName: 'b', queueId: i }));
const ids = (mqs: MessageQueue[]) => mqs.map((q) => q.queueId);

describe('allocateAveragely', () => {
  it('gives contiguous blocks, the first clients taking the remainder', () => {
    const cids = ['c0', 'c1', 'c2'];
    assert.deepEqual(ids(allocateAveragely.allocate('g', 'c0', queues(8), cids)), [0, 1, 2]);
    assert.deepEqual(ids(allocateAveragely.allocate('g', 'c1', queues(8), cids)), [3, 4, 5]);
    assert.deepEqual(ids(allocateAveragely.allocate('g', 'c2', queues(8), cids)), [6, 7]);
  });
  it('leaves extra clients without queues when there are more clients than queues', () => {
    const cids = ['a', 'b', 'c'];
    assert.deepEqual(ids(allocateAveragely.allocate('g', 'a', queues(2), cids)), [0]);
    assert.deepEqual(ids(allocateAveragely.allocate('g', 'b', queues(2), cids)), [1]);
    assert.deepEqual(ids(allocateAveragely.allocate('g', 'c', queues(2), cids)), []);
  });
  it('returns nothing for a client not in the list', () => {
    assert.deepEqual(allocateAveragely.allocate('g', 'x', queues(4), ['a']), []);
  });
  it('covers every queue exactly once for any split', () => {
    for (let n = 0; n < 20; n++) {
      for (let c = 1; c < 7; c++) {
        const cids = Array.from({ length: c }, (_, i) => `c${i}`);
        for (const s of [allocateAveragely, allocateAveragelyByCircle]) {
          const all = cids.flatMap((cid) => ids(s.allocate('g', cid, queues(n), cids))).sort((a, b) => a - b);
          assert.deepEqual(all, [...Array(n).keys()], `${s.name} n=${n} c=${c}`);
        }
      }
    }
  });
});

describe('allocateAveragelyByCircle', () => {
  it('deals queues round robin', () => {
    const cids = ['c0', 'c1', 'c2'];
    assert.deepEqual(ids(allocateAveragelyByCircle.allocate('g', 'c0', queues(8), cids)), [0, 3, 6]);
    assert.deepEqual(ids(allocateAveragelyByCircle.allocate('g', 'c1', queues(8), cids)), [1, 4, 7]);
    assert.deepEqual(ids(allocateAveragelyByCircle.allocate('g', 'c2', queues(8), cids)), [2, 5]);
  });
});
