import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prettyJsonWithTable } from '../src/index.js';

describe('prettyJsonWithTable', () => {
  it('renders what JSON.stringify(…, null, 2) renders, over several turns', async () => {
    const table = new Map<string, unknown>();
    for (let i = 0; i < 1000; i++) {
      table.set(`%RETRY%G${i}`, {
        topicName: `%RETRY%G${i}`,
        perm: 6,
        attributes: {},
        list: [1, 'a'],
        nested: { x: null },
      });
    }
    const head = { dataVersion: { counter: 3, timestamp: 1, stateVersion: 0 } };
    const expected = JSON.stringify({ ...head, topicConfigTable: Object.fromEntries(table) }, null, 2);
    assert.equal(await prettyJsonWithTable(head, 'topicConfigTable', table, 7), expected);
  });

  it('renders an empty table and undefined members as JSON.stringify does', async () => {
    const head = { dataVersion: { counter: 1 } };
    assert.equal(await prettyJsonWithTable(head, 't', new Map()), JSON.stringify({ ...head, t: {} }, null, 2));
    const m = new Map<string, unknown>([
      ['a', undefined],
      ['b', 1],
    ]);
    assert.equal(
      await prettyJsonWithTable(head, 't', m),
      JSON.stringify({ ...head, t: { a: undefined, b: 1 } }, null, 2),
    );
  });
});
