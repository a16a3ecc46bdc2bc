import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Fifo } from '../src/index.js';

describe('Fifo', () => {
  it('gives items back in the order they came, then undefined', () => {
    const q = new Fifo<number>();
    assert.equal(q.isEmpty, true);
    assert.equal(q.shift(), undefined);
    assert.equal(q.peek(), undefined);
    for (let i = 0; i < 5; i++) q.push(i);
    assert.equal(q.size, 5);
    assert.equal(q.peek(), 0);
    assert.equal(q.at(4), 4);
    assert.equal(q.at(5), undefined);
    assert.equal(q.at(-1), undefined);
    assert.deepEqual([q.shift(), q.shift()], [0, 1]);
    assert.equal(q.size, 3);
    assert.equal(q.at(0), 2);
    assert.deepEqual(q.drain(), [2, 3, 4]);
    assert.equal(q.isEmpty, true);
  });

  it('keeps order across compactions while pushes and shifts interleave', () => {
    const q = new Fifo<number>();
    let next = 0;
    let expected = 0;
    // Runs well past COMPACT_AFTER so both the reset-when-empty and the slice paths run.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 300; i++) q.push(next++);
      for (let i = 0; i < 250; i++) assert.equal(q.shift(), expected++);
      assert.equal(q.size, next - expected);
      assert.equal(q.peek(), expected);
    }
    while (!q.isEmpty) assert.equal(q.shift(), expected++);
    assert.equal(expected, next);
  });

  it('holds falsy items', () => {
    const q = new Fifo<number | null>();
    q.push(0);
    q.push(null);
    assert.equal(q.size, 2);
    assert.equal(q.shift(), 0);
    assert.equal(q.shift(), null);
    assert.equal(q.isEmpty, true);
  });
});
