import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TurnGate } from '../src/processors/turn-gate.js';

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('TurnGate', () => {
  it('runs requests at once while the turn has room, and a large one alone in an empty turn', () => {
    const gate = new TurnGate(100);
    const ran: string[] = [];
    assert.equal(
      gate.pass(250, () => ran.push('big')),
      1,
    );
    assert.deepEqual(ran, ['big']);
    assert.equal(gate.waiting, 0);
  });

  it('defers what exceeds the budget to later turns, in arrival order, a budget per turn', async () => {
    const gate = new TurnGate(100);
    const ran: string[] = [];
    const results = [
      gate.pass(60, () => `a:${ran.push('a')}`),
      gate.pass(30, () => `b:${ran.push('b')}`),
      gate.pass(60, () => `c:${ran.push('c')}`),
      gate.pass(10, () => `d:${ran.push('d')}`), // would fit, but must not overtake c
      gate.pass(60, () => `e:${ran.push('e')}`),
    ];
    assert.deepEqual(ran, ['a', 'b'], 'a and b fit the first turn');
    assert.equal(gate.waiting, 3);
    await nextTurn();
    assert.deepEqual(ran, ['a', 'b', 'c', 'd'], 'c and d share the second turn');
    await nextTurn();
    assert.deepEqual(ran, ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(await Promise.all(results.map((r) => Promise.resolve(r))), ['a:1', 'b:2', 'c:3', 'd:4', 'e:5']);
    assert.equal(gate.waiting, 0);
  });

  it('queues new arrivals behind the waiting ones even in a fresh turn', async () => {
    const gate = new TurnGate(100);
    const ran: string[] = [];
    void gate.pass(100, () => ran.push('a'));
    void gate.pass(100, () => ran.push('b'));
    void gate.pass(100, () => ran.push('c'));
    await nextTurn(); // b ran; c waits
    void gate.pass(1, () => ran.push('d'));
    await nextTurn();
    await nextTurn();
    assert.deepEqual(ran, ['a', 'b', 'c', 'd']);
  });

  it('rejects a deferred request whose handler throws, and goes on', async () => {
    const gate = new TurnGate(10);
    void gate.pass(10, () => 0);
    const failing = gate.pass(10, () => {
      throw new Error('boom');
    });
    const after = gate.pass(10, () => 'ok');
    await assert.rejects(Promise.resolve(failing), /boom/);
    assert.equal(await after, 'ok');
  });
});
