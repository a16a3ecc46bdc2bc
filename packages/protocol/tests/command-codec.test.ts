import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createRequest,
  createResponse,
  decodeCommand,
  encodeCommand,
  FrameSplitter,
  RequestCode,
  SerializeType,
} from '../src/index.js';

// Golden bytes written from the frame spec (docs/formats.md §1), not captured from any peer.
const jsonHeader =
  '{"code":105,"extFields":{"topic":"TopicTest"},"flag":0,"language":"JAVA","opaque":7,"serializeTypeCurrentRPC":"JSON","version":479}';
function jsonFrame(header: string, body = Buffer.alloc(0)): Buffer {
  const h = Buffer.from(header, 'utf8');
  const out = Buffer.alloc(8 + h.length + body.length);
  out.writeInt32BE(4 + h.length + body.length, 0);
  out.writeInt32BE(h.length, 4); // type byte 0 = JSON
  h.copy(out, 8);
  body.copy(out, 8 + h.length);
  return out;
}

describe('command codec: JSON header', () => {
  it('decodes a Java GET_ROUTEINFO_BY_TOPIC request and re-encodes the same bytes', () => {
    const frame = jsonFrame(jsonHeader);
    const r = decodeCommand(frame.subarray(4));
    assert.ok(r.ok);
    assert.equal(r.value.code, RequestCode.GET_ROUTEINFO_BY_TOPIC);
    assert.equal(r.value.opaque, 7);
    assert.equal(r.value.version, 479);
    assert.equal(r.value.language, 'JAVA');
    assert.equal(r.value.extFields.topic, 'TopicTest');
    assert.equal(r.value.body, undefined);
    assert.deepEqual(encodeCommand(r.value), frame);
  });

  it('coerces ali-ons style numeric and boolean extFields to strings and skips nulls', () => {
    const frame = jsonFrame(
      '{"code":310,"language":"JAVA","opaque":1,"flag":0,"version":121,"extFields":{"e":3,"k":false,"x":null,"o":{"a":1}}}',
      Buffer.from('hello'),
    );
    const r = decodeCommand(frame.subarray(4));
    assert.ok(r.ok);
    assert.deepEqual({ ...r.value.extFields }, { e: '3', k: 'false', o: '{"a":1}' });
    assert.equal(r.value.body?.toString(), 'hello');
  });

  it('keeps a __proto__ key as data', () => {
    const r = decodeCommand(jsonFrame('{"code":1,"opaque":1,"extFields":{"__proto__":"x"}}').subarray(4));
    assert.ok(r.ok);
    assert.equal(Object.getPrototypeOf(r.value.extFields), null);
    assert.equal(Object.getOwnPropertyDescriptor(r.value.extFields, '__proto__')?.value, 'x');
  });

  it('records the header type a command arrived in, and a body given in parts equals the joined body', () => {
    const req = createRequest(
      310,
      Object.defineProperty(Object.assign(Object.create(null), { b: 'TopicTest', u: 'ü€😀' }), '__proto__', {
        value: 'p',
        enumerable: true,
        writable: true,
        configurable: true,
      }),
    );
    for (const type of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
      const r = decodeCommand(encodeCommand(req, type).subarray(4));
      assert.ok(r.ok);
      assert.equal(r.value.serializeType, type);
      assert.equal(Object.getPrototypeOf(r.value.extFields), null);
      assert.equal(r.value.extFields.u, 'ü€😀');
      assert.equal(Object.getOwnPropertyDescriptor(r.value.extFields, '__proto__')?.value, 'p');
      assert.deepEqual({ ...r.value.extFields }, { ...req.extFields });
    }
    const parts = { ...req, bodyParts: [Buffer.from('ab'), Buffer.alloc(0), Buffer.from('c')] };
    assert.deepEqual(encodeCommand(parts), encodeCommand({ ...req, body: Buffer.from('abc') }));
  });

  it('answers a response with the request opaque, response flag, JAVA and string extFields', () => {
    const req = createRequest(105, { topic: 't' }, undefined, 42);
    const res = createResponse(req, 17, 'No topic route info in name server for the topic: t');
    const bytes = encodeCommand(res);
    const header = JSON.parse(bytes.subarray(8).toString());
    assert.deepEqual(Object.keys(header), [
      'code',
      'extFields',
      'flag',
      'language',
      'opaque',
      'remark',
      'serializeTypeCurrentRPC',
      'version',
    ]);
    assert.equal(header.opaque, 42);
    assert.equal(header.flag, 1);
    assert.deepEqual(header.extFields, {});
  });

  it('rejects malformed headers with a typed error', () => {
    const cases: [string, string][] = [
      ['not json', 'header-json'],
      ['[1]', 'header-field'],
      ['{"code":"105","opaque":1}', 'header-field'],
      ['{"code":1,"opaque":1.5}', 'header-field'],
      ['{"code":1,"opaque":1,"extFields":[1]}', 'header-field'],
    ];
    for (const [h, kind] of cases) {
      const r = decodeCommand(jsonFrame(h).subarray(4));
      assert.ok(!r.ok, h);
      assert.equal(r.error.kind, kind, h);
    }
    const lying = Buffer.alloc(8);
    lying.writeInt32BE(100, 0); // header length 100 in a 8-byte frame
    const r = decodeCommand(lying);
    assert.ok(!r.ok);
    assert.equal(r.error.kind, 'header-length');
    const typeTwo = Buffer.alloc(4);
    typeTwo.writeUInt32BE(0x02000000, 0);
    const r2 = decodeCommand(typeTwo);
    assert.ok(!r2.ok);
    assert.equal(r2.error.kind, 'serialize-type');
  });
});

describe('command codec: ROCKETMQ binary header', () => {
  // code 105, language GO(9), version 317, opaque 9, flag 0, remark "hi", extFields {topic: "T"}
  const golden = Buffer.from(
    [
      '00000000', // frame length, patched below
      '01000000', // type 1 | header length, patched below
      '0069', // code 105
      '09', // GO
      '013d', // version 317
      '00000009', // opaque
      '00000000', // flag
      '00000002',
      '6869', // remark "hi"
      '0000000c', // extFields byte length: 2+5+4+1
      '0005',
      '746f706963', // "topic"
      '00000001',
      '54', // "T"
      '414243', // body "ABC"
    ].join(''),
    'hex',
  );
  const headerLength = golden.length - 8 - 3;
  golden.writeInt32BE(golden.length - 4, 0);
  golden.writeUInt32BE((1 << 24) | headerLength, 4);

  it('decodes the spec layout and re-encodes it byte for byte', () => {
    const r = decodeCommand(golden.subarray(4));
    assert.ok(r.ok);
    assert.equal(r.value.code, 105);
    assert.equal(r.value.language, 'GO');
    assert.equal(r.value.version, 317);
    assert.equal(r.value.opaque, 9);
    assert.equal(r.value.remark, 'hi');
    assert.deepEqual({ ...r.value.extFields }, { topic: 'T' });
    assert.equal(r.value.body?.toString(), 'ABC');
    assert.deepEqual(encodeCommand(r.value, SerializeType.ROCKETMQ), golden);
  });

  it('reports truncation inside the binary header', () => {
    for (let cut = 4; cut < 8 + headerLength; cut++) {
      const frame = Buffer.from(golden.subarray(4, cut));
      if (frame.length < 4) continue;
      frame.writeUInt32BE((1 << 24) | (frame.length - 4), 0);
      const r = decodeCommand(frame);
      assert.ok(!r.ok, `cut ${cut}`);
    }
  });
});

describe('FrameSplitter', () => {
  const a = encodeCommand(createRequest(1, { k: 'v' }, Buffer.from('body-a'), 1));
  const b = encodeCommand(createRequest(2, {}, undefined, 2));
  const stream = Buffer.concat([a, b, a]);

  it('reassembles frames across every possible chunking point', () => {
    for (let i = 0; i <= stream.length; i++) {
      for (const j of [i, Math.min(stream.length, i + 1), Math.min(stream.length, i + 13)]) {
        const s = new FrameSplitter();
        const frames = [
          ...s.push(stream.subarray(0, i)).frames,
          ...s.push(stream.subarray(i, j)).frames,
          ...s.push(stream.subarray(j)).frames,
        ];
        assert.equal(frames.length, 3, `split at ${i},${j}`);
        const codes = frames.map((f) => {
          const r = decodeCommand(f);
          assert.ok(r.ok);
          return r.value.code;
        });
        assert.deepEqual(codes, [1, 2, 1]);
        assert.equal(s.buffered, 0);
      }
    }
  });

  it('refuses a declared length over 16 MiB before buffering it', () => {
    const s = new FrameSplitter();
    const huge = Buffer.alloc(4);
    huge.writeInt32BE(16 * 1024 * 1024 + 1, 0);
    const r = s.push(huge);
    assert.equal(r.error?.kind, 'frame-too-large');
    assert.equal(s.buffered, 0);
    assert.equal(s.push(a).error?.kind, 'frame-too-large', 'the stream stays failed');
  });

  it('refuses negative and too-short lengths', () => {
    for (const len of [-1, 0, 3]) {
      const buf = Buffer.alloc(8);
      buf.writeInt32BE(len, 0);
      assert.equal(new FrameSplitter().push(buf).error?.kind, 'frame-too-short');
    }
  });

  it('keeps keys apart that share length and first, middle and last bytes (decoded-key cache)', () => {
    const keys = ['a1b2c', 'a3b4c', 'aébxc', 'a1b2c', 'a3b4c'];
    for (let round = 0; round < 3; round++) {
      for (const k of keys) {
        const fields = Object.setPrototypeOf({ [k]: `v-${k}`, z: 'q' }, null) as Record<string, string>;
        const frame = encodeCommand(createRequest(105, fields), SerializeType.ROCKETMQ).subarray(4);
        const r = decodeCommand(frame);
        assert.ok(r.ok);
        assert.equal(r.value.serializeType, SerializeType.ROCKETMQ);
        assert.deepEqual(Object.keys(r.value.extFields), [k, 'z']);
        assert.equal(r.value.extFields[k], `v-${k}`);
      }
    }
  });

  it('writes and reads non-ASCII remarks and fields as UTF-8', () => {
    const fields = Object.setPrototypeOf({ topic: 'Tüpic', kéy: 'x' }, null) as Record<string, string>;
    const cmd = createResponse(createRequest(105), 1, 'rémark 中', fields);
    const r = decodeCommand(encodeCommand(cmd, SerializeType.ROCKETMQ).subarray(4));
    assert.ok(r.ok);
    assert.equal(r.value.serializeType, SerializeType.ROCKETMQ);
    assert.equal(r.value.remark, 'rémark 中');
    assert.deepEqual({ ...r.value.extFields }, { topic: 'Tüpic', kéy: 'x' });
  });
});
