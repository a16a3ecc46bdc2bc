import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  bodyCrc,
  crc32,
  decodeStoredRecord,
  decodeStoredRecords,
  encodeStoredRecord,
  fillBodyCrcs,
  MessageMagic,
  MessageSysFlag,
  MIN_RECORD_SIZE,
  measureStoredRecord,
  parseHost,
  probeStoredRecord,
  readStoreTimestamp,
  type StoredRecordInput,
  writeBlankRecord,
  writeStoredRecord,
} from '../src/index.js';

// Golden bytes assembled field by field from the layout in docs/formats.md §4, not captured from any peer.
const hex = (...parts: string[]): Buffer => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');

function input(over: Partial<StoredRecordInput> = {}): StoredRecordInput {
  return {
    topic: 'TopicTest',
    queueId: 3,
    flag: 0,
    body: Buffer.from('Hello', 'utf8'),
    properties: 'TAGS\u0001TagA\u0002',
    sysFlag: 0,
    bornTimestamp: 0x18c_0000_0001,
    bornHost: parseHost('192.168.0.1:54321')!,
    storeTimestamp: 0x18c_0000_0002,
    storeHost: parseHost('10.0.0.2:10911')!,
    reconsumeTimes: 1,
    preparedTransactionOffset: 0,
    queueOffset: 7,
    physicalOffset: 1234,
    ...over,
  };
}

describe('crc32', () => {
  it('matches the IEEE check value and clears the sign bit for BODYCRC', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(bodyCrc(Buffer.from('123456789')), 0x4bf43926);
    assert.equal(crc32(Buffer.alloc(0)), 0);
  });
});

describe('stored record codec', () => {
  const crcHello = bodyCrc(Buffer.from('Hello')).toString(16).padStart(8, '0');
  const golden = hex(
    '00000073', // TOTALSIZE 91 + 5 + 9 + 10 = 115
    'daa320a7', // MAGICCODE V1
    crcHello, // BODYCRC
    '00000003', // QUEUEID
    '00000000', // FLAG
    '0000000000000007', // QUEUEOFFSET
    '00000000000004d2', // PHYSICALOFFSET 1234
    '00000000', // SYSFLAG
    '0000018c00000001', // BORNTIMESTAMP
    'c0a80001 0000d431', // BORNHOST 192.168.0.1:54321
    '0000018c00000002', // STORETIMESTAMP
    '0a000002 00002a9f', // STOREHOST 10.0.0.2:10911
    '00000001', // RECONSUMETIMES
    '0000000000000000', // PREPARED TRANSACTION OFFSET
    '00000005 48656c6c6f', // BODY "Hello"
    '09 546f70696354657374', // TOPIC "TopicTest"
    '000a 54414753 01 54616741 02', // PROPERTIES "TAGS\1TagA\2"
  );

  it('encodes a V1 IPv4 record byte for byte', () => {
    assert.equal(golden.length, 91 + 5 + 9 + 10);
    assert.equal(golden.readInt32BE(0), golden.length);
    assert.deepEqual(encodeStoredRecord(input()), golden);
  });

  it('decodes the golden record to its fields and offset msgId', () => {
    const m = decodeStoredRecord(golden)!;
    assert.equal(m.storeSize, 115);
    assert.equal(m.magic, MessageMagic.V1);
    assert.equal(m.topic, 'TopicTest');
    assert.equal(m.queueId, 3);
    assert.equal(m.queueOffset, 7);
    assert.equal(m.physicalOffset, 1234);
    assert.equal(m.bornTimestamp, 0x18c_0000_0001);
    assert.equal(m.storeTimestamp, 0x18c_0000_0002);
    assert.equal(m.bornHost, '192.168.0.1:54321');
    assert.equal(m.storeHost, '10.0.0.2:10911');
    assert.equal(m.reconsumeTimes, 1);
    assert.equal(m.body.toString(), 'Hello');
    assert.equal(m.properties.get('TAGS'), 'TagA');
    assert.equal(m.msgId, '0A00000200002A9F00000000000004D2');
    assert.equal(readStoreTimestamp(golden, 0), 0x18c_0000_0002);
    assert.deepEqual(probeStoredRecord(golden, 0, golden.length, true), { kind: 'record', size: 115 });
  });

  it('uses V2 magic and a 2-byte topic length for topics over 127 bytes', () => {
    const topic = 'T'.repeat(128);
    const b = encodeStoredRecord(input({ topic, properties: '' }));
    assert.equal(b.readInt32BE(4), MessageMagic.V2);
    assert.equal(b.length, 91 + 5 + 128 + 0 + 1);
    // body ends at 84 + 4 + 5 = 93; then the short topic length
    assert.equal(b.readInt16BE(93), 128);
    const m = decodeStoredRecord(b)!;
    assert.equal(m.topic, topic);
    assert.equal(m.propertiesString, '');
  });

  it('writes non-ASCII topics and properties as UTF-8', () => {
    const b = encodeStoredRecord(input({ topic: '主题-é', properties: 'TAGS\u0001世界\u0002' }));
    const m = decodeStoredRecord(b)!;
    assert.equal(m.topic, '主题-é');
    assert.equal(m.properties.get('TAGS'), '世界');
    assert.equal(b.length, 91 + 5 + Buffer.byteLength('主题-é') + Buffer.byteLength('TAGS\u0001世界\u0002'));
  });

  it('keeps a 127-byte topic on V1', () => {
    const b = encodeStoredRecord(input({ topic: 'T'.repeat(127) }));
    assert.equal(b.readInt32BE(4), MessageMagic.V1);
  });

  it('writes IPv6 hosts as 20 bytes and sets the host-family sysFlag bits', () => {
    const b = encodeStoredRecord(
      input({ bornHost: parseHost('[::1]:1234')!, storeHost: parseHost('[fe80::2]:10911')! }),
    );
    const m = decodeStoredRecord(b)!;
    assert.equal(m.sysFlag & MessageSysFlag.BORNHOST_V6_FLAG, MessageSysFlag.BORNHOST_V6_FLAG);
    assert.equal(m.sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG, MessageSysFlag.STOREHOSTADDRESS_V6_FLAG);
    assert.equal(b.length, 115 + 24);
    assert.equal(m.bornHost, '[0:0:0:0:0:0:0:1]:1234');
    assert.equal(m.storeTimestamp, 0x18c_0000_0002);
    assert.equal(m.msgId.length, 56);
  });

  it('writes IPv4-mapped IPv6 peers as IPv4', () => {
    const h = parseHost('::ffff:127.0.0.1:5000')!;
    assert.equal(h.v6, false);
    assert.deepEqual(h.bytes, hex('7f000001 00001388'));
    assert.equal(parseHost('nonsense'), undefined);
    assert.equal(parseHost('1.2.3:4'), undefined);
  });

  it('fills in the body CRCs of records written without one, up to a blank filler', () => {
    const recs = [
      input(),
      input({ body: Buffer.alloc(0) }),
      input({
        body: Buffer.from('ü'.repeat(300)),
        bornHost: parseHost('[::1]:1')!,
        storeHost: parseHost('[fe80::2]:3')!,
      }),
      input({ topic: 'T'.repeat(200), body: Buffer.from('v2') }),
    ];
    const expected = Buffer.concat([...recs.map(encodeStoredRecord), Buffer.alloc(8)]);
    writeBlankRecord(expected, expected.length - 8, 8);
    const buf = Buffer.alloc(expected.length + 16);
    let p = 0;
    for (const r of recs) {
      const layout = measureStoredRecord(
        r.topic,
        r.properties,
        r.body.length,
        r.sysFlag,
        r.bornHost.v6,
        r.storeHost.v6,
      );
      p += writeStoredRecord(buf, p, r, layout, 0);
    }
    writeBlankRecord(buf, p, 8);
    fillBodyCrcs(buf, 0, expected.length);
    assert.deepEqual(buf.subarray(0, expected.length), expected);
    assert.deepEqual(buf.subarray(expected.length), Buffer.alloc(16), 'nothing written past the range');
  });

  it('recognises the blank filler, zeroed space and corruption', () => {
    const seg = Buffer.alloc(200);
    writeBlankRecord(seg, 0, 120);
    assert.deepEqual(seg.subarray(0, 8), hex('00000078 cbd43194'));
    assert.deepEqual(probeStoredRecord(seg, 0, 120, true), { kind: 'blank', size: 120 });
    assert.deepEqual(probeStoredRecord(seg, 120, 200, true), { kind: 'end' });
    const bad = Buffer.from(golden);
    bad[bad.length - 14] = 0x5a; // a topic byte: structure and body CRC still hold (CRC covers the body only)
    assert.equal(probeStoredRecord(bad, 0, bad.length, true).kind, 'record');
    const badBody = Buffer.from(golden);
    badBody[89] = 0x49; // first body byte: 'H' -> 'I'
    assert.deepEqual(probeStoredRecord(badBody, 0, badBody.length, true), { kind: 'corrupt', reason: 'body crc' });
    assert.equal(probeStoredRecord(golden, 0, golden.length - 1, true).kind, 'corrupt');
  });

  it('measures exactly what it writes and flags oversized properties', () => {
    const l = measureStoredRecord('t', 'x'.repeat(40000), 0, 0, false, false);
    assert.equal(l.propertiesLength, 40000);
    assert.equal(l.size, 91 + 1 + 40000);
  });

  it('round-trips arbitrary records and decodes concatenations', () => {
    const arb = fc.record({
      topic: fc.string({ minLength: 1, maxLength: 200 }),
      queueId: fc.integer({ min: 0, max: 1023 }),
      flag: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      body: fc.uint8Array({ maxLength: 300 }),
      props: fc.dictionary(
        fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes('\u0001') && !s.includes('\u0002')),
        fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\u0001') && !s.includes('\u0002')),
      ),
      queueOffset: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      physicalOffset: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      ts: fc.integer({ min: 0, max: 2 ** 50 }),
    });
    fc.assert(
      fc.property(fc.array(arb, { minLength: 1, maxLength: 4 }), (recs) => {
        const bufs = recs.map((r) => {
          const properties = Object.entries(r.props)
            .map(([k, v]) => `${k}\u0001${v}\u0002`)
            .join('');
          return encodeStoredRecord(
            input({
              topic: r.topic,
              queueId: r.queueId,
              flag: r.flag,
              body: Buffer.from(r.body),
              properties,
              queueOffset: r.queueOffset,
              physicalOffset: r.physicalOffset,
              bornTimestamp: r.ts,
            }),
          );
        });
        const all = decodeStoredRecords(Buffer.concat(bufs));
        assert.equal(all.length, recs.length);
        recs.forEach((r, i) => {
          const m = all[i]!;
          assert.equal(m.topic, r.topic);
          assert.equal(m.flag, r.flag);
          assert.equal(m.queueOffset, r.queueOffset);
          assert.equal(m.physicalOffset, r.physicalOffset);
          assert.equal(m.bornTimestamp, r.ts);
          assert.deepEqual(Buffer.from(m.body), Buffer.from(r.body));
          assert.deepEqual(Object.fromEntries(m.properties), { ...r.props });
        });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const b = Buffer.from(bytes);
        probeStoredRecord(b, 0, b.length, true);
        decodeStoredRecord(b);
        decodeStoredRecords(b);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('probeStoredRecord on a record too short for its IPv6 flags (found by fuzz-decoders)', () => {
  it('answers corrupt instead of reading past the record', () => {
    const buf = Buffer.alloc(MIN_RECORD_SIZE + 4);
    buf.writeInt32BE(MIN_RECORD_SIZE, 0);
    buf.writeInt32BE(MessageMagic.V1, 4);
    buf.writeInt32BE(MessageSysFlag.BORNHOST_V6_FLAG | MessageSysFlag.STOREHOSTADDRESS_V6_FLAG, 36);
    const cut = buf.subarray(0, MIN_RECORD_SIZE);
    assert.deepEqual(probeStoredRecord(cut, 0, cut.length, false), { kind: 'corrupt', reason: 'size' });
    assert.deepEqual(decodeStoredRecords(cut), []);
  });
  it('answers corrupt for a V1 record whose body fills it to the last byte (no topic length left)', () => {
    const r = encodeStoredRecord(input({ topic: 'T', body: Buffer.from('abc'), properties: '' }));
    // Body length stretched to end exactly at the record's (and the buffer's) last byte.
    const bodyAt = r.length - 3 - 1 - 1 - 2 - 4;
    r.writeInt32BE(r.length - bodyAt - 4, bodyAt);
    assert.equal(probeStoredRecord(r, 0, r.length, false).kind, 'corrupt');
    assert.deepEqual(decodeStoredRecords(r), []);
  });
});
