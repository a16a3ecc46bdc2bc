import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type BrokerData,
  decodeClusterInfo,
  decodeTopicRouteData,
  encodeClusterInfo,
  encodeDataVersion,
  encodeKVTable,
  encodeTopicList,
  encodeTopicRouteData,
  routeJsonForm,
  type TopicRouteData,
} from '../src/index.js';

// Golden strings written from the rules in docs/formats.md §3: fastjson bean
// order (alphabetical), nulls omitted, compact, brokerAddrs keys bare unless standard.

const brokerA: BrokerData = {
  cluster: 'DefaultCluster',
  brokerName: 'broker-a',
  brokerAddrs: new Map([
    [1, '10.0.0.2:10911'],
    [0, '10.0.0.1:10911'],
  ]),
  enableActingMaster: false,
};

const route: TopicRouteData = {
  queueDatas: [{ brokerName: 'broker-a', readQueueNums: 8, writeQueueNums: 8, perm: 6, topicSysFlag: 0 }],
  brokerDatas: [brokerA],
  filterServerTable: new Map(),
};

const FASTJSON =
  '{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"broker-a",' +
  '"cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},' +
  '"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":8,"topicSysFlag":0,"writeQueueNums":8}]}';
const STANDARD = FASTJSON.replace('{0:', '{"0":').replace(',1:', ',"1":');

describe('route JSON', () => {
  it('writes the fastjson form with bare integer brokerAddrs keys', () => {
    assert.equal(encodeTopicRouteData(route, 'fastjson').toString(), FASTJSON);
  });
  it('writes the standard form with quoted keys, valid for JSON.parse', () => {
    const s = encodeTopicRouteData(route, 'standard').toString();
    assert.equal(s, STANDARD);
    assert.deepEqual(JSON.parse(s).brokerDatas[0].brokerAddrs, { 0: '10.0.0.1:10911', 1: '10.0.0.2:10911' });
  });
  it('never emits whitespace (the Go client splits the raw text)', () => {
    assert.doesNotMatch(encodeTopicRouteData(route, 'fastjson').toString(), /\s/);
  });
  it('adds orderTopicConf and zoneName in their alphabetical places when set', () => {
    const r: TopicRouteData = {
      ...route,
      brokerDatas: [{ ...brokerA, brokerAddrs: new Map([[0, 'h:1']]), zoneName: 'z1' }],
      orderTopicConf: 'broker-a:8',
    };
    assert.equal(
      encodeTopicRouteData(r, 'fastjson').toString(),
      '{"brokerDatas":[{"brokerAddrs":{0:"h:1"},"brokerName":"broker-a","cluster":"DefaultCluster",' +
        '"enableActingMaster":false,"zoneName":"z1"}],"filterServerTable":{},"orderTopicConf":"broker-a:8",' +
        '"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":8,"topicSysFlag":0,"writeQueueNums":8}]}',
    );
  });
  it('escapes non-ASCII only in the standard (browser-compatible) form', () => {
    const r: TopicRouteData = { ...route, orderTopicConf: 'é' };
    assert.match(encodeTopicRouteData(r, 'standard').toString(), /"orderTopicConf":"\\u00e9"/);
    assert.match(encodeTopicRouteData(r, 'fastjson').toString(), /"orderTopicConf":"é"/);
  });
  it('chooses the form from the request version and acceptStandardJsonOnly', () => {
    assert.equal(routeJsonForm(121), 'fastjson');
    assert.equal(routeJsonForm(317), 'fastjson');
    assert.equal(routeJsonForm(400), 'fastjson');
    assert.equal(routeJsonForm(401), 'standard');
    assert.equal(routeJsonForm(479), 'standard');
    assert.equal(routeJsonForm(121, true), 'standard');
  });
  it('decodes both forms back to the same route', () => {
    for (const text of [FASTJSON, STANDARD]) {
      const r = decodeTopicRouteData(Buffer.from(text));
      assert.ok(r.ok, text);
      assert.deepEqual(r.value, { ...route, brokerDatas: [{ ...brokerA, brokerAddrs: new Map(brokerA.brokerAddrs) }] });
      assert.equal(encodeTopicRouteData(r.value, 'fastjson').toString(), FASTJSON);
    }
  });
  it('reports malformed route bodies as values', () => {
    assert.ok(!decodeTopicRouteData('{"queueDatas":5}').ok);
    assert.ok(!decodeTopicRouteData('not json').ok);
    assert.ok(!decodeTopicRouteData('{"brokerDatas":[{"brokerName":"b","brokerAddrs":{x:"a"}}]}').ok);
  });
});

describe('ClusterInfo JSON', () => {
  const info = {
    brokerAddrTable: new Map([
      ['broker-b', { ...brokerA, brokerName: 'broker-b', brokerAddrs: new Map([[0, '10.0.0.3:10911']]) }],
      ['broker-a', { ...brokerA, brokerAddrs: new Map([[0, '10.0.0.1:10911']]) }],
    ]),
    clusterAddrTable: new Map([['DefaultCluster', ['broker-b', 'broker-a']]]),
  };
  const GOLDEN =
    '{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"broker-a",' +
    '"cluster":"DefaultCluster","enableActingMaster":false},"broker-b":{"brokerAddrs":{0:"10.0.0.3:10911"},' +
    '"brokerName":"broker-b","cluster":"DefaultCluster","enableActingMaster":false}},' +
    '"clusterAddrTable":{"DefaultCluster":["broker-a","broker-b"]}}';
  it('is always written with bare integer keys, entries sorted', () => {
    assert.equal(encodeClusterInfo(info).toString(), GOLDEN);
  });
  it('round-trips through the tolerant decoder', () => {
    const r = decodeClusterInfo(GOLDEN);
    assert.ok(r.ok);
    assert.equal(encodeClusterInfo(r.value).toString(), GOLDEN);
  });
});

describe('small bodies', () => {
  it('DataVersion, TopicList and KVTable match Java', () => {
    assert.equal(
      encodeDataVersion({ stateVersion: 0, timestamp: 1700000000000, counter: 3 }).toString(),
      '{"counter":3,"stateVersion":0,"timestamp":1700000000000}',
    );
    assert.equal(encodeTopicList(['a', 'b']).toString(), '{"topicList":["a","b"]}');
    assert.equal(encodeTopicList(['c'], 'h:1').toString(), '{"brokerAddr":"h:1","topicList":["c"]}');
    assert.equal(encodeKVTable({ b: '2', a: '1' }).toString(), '{"table":{"a":"1","b":"2"}}');
  });
});

describe('route JSON round trip', () => {
  const name = fc.string({ minLength: 1, maxLength: 12 });
  const routeArb = fc.record({
    queueDatas: fc.array(
      fc.record({
        brokerName: name,
        readQueueNums: fc.nat(64),
        writeQueueNums: fc.nat(64),
        perm: fc.nat(15),
        topicSysFlag: fc.nat(3),
      }),
      { maxLength: 4 },
    ),
    brokerDatas: fc.array(
      fc.record({
        cluster: name,
        brokerName: name,
        brokerAddrs: fc
          .uniqueArray(fc.tuple(fc.nat(1000), name), { selector: (t) => t[0], maxLength: 3 })
          .map((e) => new Map(e)),
        enableActingMaster: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
    filterServerTable: fc.constant(new Map<string, string[]>()),
  });
  it('decodes whatever either form encodes (strings with quotes, colons, digits, unicode)', () => {
    fc.assert(
      fc.property(
        routeArb,
        fc.constantFrom('standard', 'fastjson') as fc.Arbitrary<'standard' | 'fastjson'>,
        (route, form) => {
          const r = decodeTopicRouteData(encodeTopicRouteData(route, form));
          assert.ok(r.ok, r.ok ? '' : r.error);
          // fc.record builds null-prototype objects; the decoder builds plain ones.
          const plain = {
            ...route,
            queueDatas: route.queueDatas.map((q) => ({ ...q })),
            brokerDatas: route.brokerDatas.map((b) => ({ ...b })),
          };
          assert.deepEqual(r.value, plain);
        },
      ),
      { numRuns: 300 },
    );
  });
});
