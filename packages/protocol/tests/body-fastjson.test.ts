import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeFastjson, parseFastjson } from '../src/body/fastjson.js';
import { MAX_JSON_DEPTH } from '../src/decode-limits.js';

// Golden strings are written from the fastjson rules (alphabetical bean fields, compact,
// nulls omitted, object keys in place, bare numeric keys), not copied from captures.

/** The parsed value of text that must parse. */
function fastjson(text: string): unknown {
  const r = parseFastjson(text);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

describe('encodeFastjson', () => {
  it('writes a MessageQueue-keyed map with the key object in place of a string key', () => {
    const offsetTable = new Map([
      [
        { topic: 'T', brokerName: 'b', queueId: 0 },
        { brokerOffset: 5, consumerOffset: 3, lastTimestamp: 1700 },
      ],
      [
        { topic: 'T', brokerName: 'b', queueId: 1 },
        { brokerOffset: 0, consumerOffset: 0, lastTimestamp: 0 },
      ],
    ]);
    assert.equal(
      encodeFastjson({ offsetTable, consumeTps: 0.5 }),
      '{"consumeTps":0.5,"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"brokerOffset":5,"consumerOffset":3,"lastTimestamp":1700},' +
        '{"brokerName":"b","queueId":1,"topic":"T"}:{"brokerOffset":0,"consumerOffset":0,"lastTimestamp":0}}}',
    );
  });

  it('writes numeric map keys bare and omits null and undefined fields', () => {
    assert.equal(
      encodeFastjson({
        offsetTable: new Map([
          [1, 5],
          [2, 0],
        ]),
        remark: null,
        x: undefined,
      }),
      '{"offsetTable":{1:5,2:0}}',
    );
  });

  it('sorts bean fields, keeps array order, escapes strings', () => {
    assert.equal(
      encodeFastjson({ z: [3, 1], a: 'q"\n', m: true, s: new Set(['x']) }),
      '{"a":"q\\"\\n","m":true,"s":["x"],"z":[3,1]}',
    );
    assert.equal(encodeFastjson(new Map([['k', 'v']])), '{"k":"v"}');
    assert.equal(encodeFastjson(undefined), 'null');
  });
});

describe('parseFastjson', () => {
  it('reads object keys back as Map entries', () => {
    const text =
      '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"brokerOffset":5,"consumerOffset":3,"lastTimestamp":1700}},"consumeTps":0.5}';
    const v = fastjson(text) as { offsetTable: Map<unknown, unknown>; consumeTps: number };
    assert.ok(v.offsetTable instanceof Map);
    assert.deepEqual(
      [...v.offsetTable],
      [
        [
          { brokerName: 'b', queueId: 0, topic: 'T' },
          { brokerOffset: 5, consumerOffset: 3, lastTimestamp: 1700 },
        ],
      ],
    );
    assert.equal(v.consumeTps, 0.5);
  });

  it('reads bare integer keys as strings and standard JSON unchanged', () => {
    assert.deepEqual(fastjson('{"offsetTable":{1:5,-2:0},"dataVersion":{"counter":1}}'), {
      offsetTable: { '1': 5, '-2': 0 },
      dataVersion: { counter: 1 },
    });
    const std = '{"a":[1,2.5,-3e2,true,false,null],"b":{"c":"\\u00e9\\t"}}';
    assert.deepEqual(fastjson(std), JSON.parse(std));
    assert.deepEqual(fastjson(' [ ] '), []);
    assert.deepEqual(fastjson('{}'), {});
  });

  it('round-trips what encodeFastjson writes', () => {
    const value = { table: new Map([[{ queueId: 2, topic: 'T' }, { n: 1 }]]), list: ['a'] };
    const text = encodeFastjson(value);
    assert.equal(encodeFastjson(fastjson(text)), text);
  });

  it('keeps __proto__ keys as data', () => {
    const v = fastjson('{"__proto__":{"x":1}}') as Record<string, unknown>;
    assert.deepEqual(Object.keys(v), ['__proto__']);
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
  });

  it('rejects malformed input with the position', () => {
    for (const bad of ['{"a":1', '{"a" 1}', '[1 2]', '{"a":1}x', '"abc', '{:1}']) {
      assert.equal(parseFastjson(bad).ok, false, bad);
    }
  });
});

describe('parseFastjson nesting bound (issue 18)', () => {
  it('refuses nesting past MAX_JSON_DEPTH instead of overflowing the stack', () => {
    const deep = parseFastjson(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    assert.equal(deep.ok, false);
    if (!deep.ok) assert.match(deep.error, /nesting deeper than 128 levels at position 128/);
    const ok = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    assert.equal(JSON.stringify(fastjson(ok)), ok);
  });
});
