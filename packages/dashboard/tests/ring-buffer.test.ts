import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RingBuffer } from '../src/server/ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps the newest `capacity` items, oldest first', () => {
    const b = new RingBuffer<number>(3);
    assert.deepEqual(b.toArray(), []);
    for (let i = 1; i <= 2; i++) b.push(i);
    assert.deepEqual(b.toArray(), [1, 2]);
    for (let i = 3; i <= 7; i++) b.push(i);
    assert.deepEqual(b.toArray(), [5, 6, 7]);
    assert.equal(b.size, 3);
  });

  it('refuses a capacity below 1', () => {
    assert.throws(() => new RingBuffer(0), RangeError);
  });
});
