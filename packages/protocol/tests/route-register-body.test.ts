import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync, inflateSync } from 'node:zlib';
import { zeroBomb } from '@rocketmq-ts/testkit';
import {
  decodeRegisterBrokerBody,
  decodeRegisterBrokerBodyInflated,
  encodeRegisterBrokerBody,
  inflateBounded,
  inflateBoundedSync,
  MQVersion,
  type RegisterBrokerBody,
  type TopicConfig,
} from '../src/index.js';

// Bytes assembled by hand from the layout in docs/formats.md §3 (REGISTER_BROKER, compressed), not by our encoder.
function int(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
function lp(s: string): Buffer {
  const b = Buffer.from(s);
  return Buffer.concat([int(b.length), b]);
}

const DV = '{"counter":2,"stateVersion":0,"timestamp":1700000000000}';
const sections = (withMapping: boolean): Buffer =>
  Buffer.concat([
    lp(DV),
    int(2),
    lp('TopicTest 8 8 6 SINGLE_TAG {}'),
    lp('TopicOrder 4 2 4 MULTI_TAG {"+message.type":"FIFO"}'),
    lp('[]'),
    ...(withMapping ? [int(0)] : []),
  ]);

const expected: RegisterBrokerBody = {
  topicConfigSerializeWrapper: {
    dataVersion: { counter: 2, stateVersion: 0, timestamp: 1700000000000 },
    topicConfigTable: new Map<string, TopicConfig>([
      [
        'TopicTest',
        {
          topicName: 'TopicTest',
          readQueueNums: 8,
          writeQueueNums: 8,
          perm: 6,
          topicFilterType: 'SINGLE_TAG',
          topicSysFlag: 0,
          order: false,
          attributes: {},
        },
      ],
      [
        'TopicOrder',
        {
          topicName: 'TopicOrder',
          readQueueNums: 4,
          writeQueueNums: 2,
          perm: 4,
          topicFilterType: 'MULTI_TAG',
          topicSysFlag: 0,
          order: false,
          attributes: { '+message.type': 'FIFO' },
        },
      ],
    ]),
  },
  filterServerList: [],
};

describe('RegisterBrokerBody', () => {
  it('decodes the zlib-compressed layout of a 5.x broker', async () => {
    const r = await decodeRegisterBrokerBody(deflateSync(sections(true)), {
      compressed: true,
      version: MQVersion.V5_3_3,
    });
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.deepEqual(r.value, expected);
  });
  it('decodes the compressed layout of a 4.x broker (no mapping section)', async () => {
    const r = await decodeRegisterBrokerBody(deflateSync(sections(false)), { compressed: true, version: 350 });
    assert.ok(r.ok);
    assert.deepEqual(r.value, expected);
  });
  it('rejects truncated or corrupt compressed bodies as values', async () => {
    const full = sections(true);
    for (let cut = 0; cut < full.length - 4; cut += 7) {
      const r = decodeRegisterBrokerBodyInflated(full.subarray(0, cut), { compressed: true, version: 479 });
      assert.equal(r.ok, false, `cut at ${cut}`);
    }
    assert.equal((await decodeRegisterBrokerBody(Buffer.from('nope'), { compressed: true, version: 479 })).ok, false);
  });
  it('decodes the plain JSON body a Java broker sends', async () => {
    const json =
      '{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":' +
      DV +
      ',"mappingDataVersion":{"counter":0,"stateVersion":0,"timestamp":0},"topicConfigTable":{' +
      '"TopicTest":{"attributes":{},"order":false,"perm":6,"readQueueNums":8,"topicFilterType":"SINGLE_TAG",' +
      '"topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":8},' +
      '"TopicOrder":{"attributes":{"+message.type":"FIFO"},"order":false,"perm":4,"readQueueNums":4,' +
      '"topicFilterType":"MULTI_TAG","topicName":"TopicOrder","topicSysFlag":0,"writeQueueNums":2}},' +
      '"topicQueueMappingDetailMap":{},"topicQueueMappingInfoMap":{}}}';
    const r = await decodeRegisterBrokerBody(Buffer.from(json), { compressed: false, version: 479 });
    assert.ok(r.ok);
    assert.deepEqual(r.value, expected);
    assert.equal(encodeRegisterBrokerBody(r.value, { compressed: false, version: 479 }).toString(), json);
  });
  it('reads a bare TopicConfigSerializeWrapper from brokers older than V3_0_11', async () => {
    const json = `{"dataVersion":${DV},"topicConfigTable":{"T":{"topicName":"T","readQueueNums":1,"writeQueueNums":1,"perm":6}}}`;
    const r = await decodeRegisterBrokerBody(Buffer.from(json), { compressed: false, version: 30 });
    assert.ok(r.ok);
    assert.equal(r.value.topicConfigSerializeWrapper.topicConfigTable.get('T')?.readQueueNums, 1);
  });
  it('round-trips through our own compressed encoder', async () => {
    const body = encodeRegisterBrokerBody(expected, { compressed: true, version: 479 });
    const r = await decodeRegisterBrokerBody(body, { compressed: true, version: 479 });
    assert.ok(r.ok);
    assert.deepEqual(r.value, expected);
  });
});

describe('bounded inflate (issue 18, finding 3)', () => {
  it('builds a valid bomb (a small one inflates exactly)', () => {
    assert.equal(inflateSync(zeroBomb(3)).length, 3 << 20);
  });
  it('refuses a 1 MiB body inflating to 1 GiB with an error value, keeping at most the cap', async () => {
    const bomb = zeroBomb(1024);
    assert.ok(bomb.length < 1.1 * (1 << 20), `bomb is ${bomb.length} bytes`);
    const before = process.memoryUsage().arrayBuffers;
    const r = await inflateBounded(bomb, 8 << 20);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, /exceeds 8388608 bytes/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 << 20);
    const s = inflateBoundedSync(bomb, 8 << 20);
    assert.equal(s.ok, false);
    const reg = await decodeRegisterBrokerBody(bomb, { compressed: true, version: 479 }, 8 << 20);
    assert.equal(reg.ok, false);
    if (!reg.ok) assert.match(reg.error, /RegisterBrokerBody: inflated body exceeds/);
  });
  it('inflates a body at the cap and reports corrupt streams as values', async () => {
    const r = await inflateBounded(zeroBomb(2), 2 << 20);
    assert.ok(r.ok);
    assert.equal(r.value.length, 2 << 20);
    const bad = await inflateBounded(Buffer.from('not zlib'), 1024);
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.error, /bad zlib stream/);
    assert.equal(inflateBoundedSync(Buffer.from('not zlib'), 1024).ok, false);
  });
});
