import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createOffsetMsgId,
  decodeBatchBody,
  decodeOffsetMsgId,
  decodeProperties,
  encodeBatchBody,
  encodeProperties,
  findIndexProperties,
  getPropertyFromString,
  type IndexPropertyRanges,
  MessageConst,
  setPropertyInString,
  tagsHashCode,
  UniqKeyGenerator,
} from '../src/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('properties codec', () => {
  it('encodes pairs with a trailing separator after each, as Java does', () => {
    const s = encodeProperties(
      new Map([
        ['TAGS', 'TagA'],
        ['KEYS', 'k1 k2'],
      ]),
    );
    assert.equal(s, 'TAGS\u0001TagA\u0002KEYS\u0001k1 k2\u0002');
    assert.deepEqual(Buffer.from(s), hex('54414753 01 54616741 02 4b455953 01 6b31206b32 02'));
  });

  it('decodes with or without the final separator and drops empty names or values', () => {
    const m = decodeProperties('A\u00011\u0002B\u0001\u0002\u0001x\u0002C\u00013');
    assert.deepEqual(
      [...m],
      [
        ['A', '1'],
        ['C', '3'],
      ],
    );
    assert.equal(decodeProperties('').size, 0);
  });

  it('reads one property without parsing the rest, matching whole names only', () => {
    const s = 'XTAGS\u0001no\u0002TAGS\u0001TagA\u0002UNIQ_KEY\u0001AB\u0002';
    assert.equal(getPropertyFromString(s, MessageConst.PROPERTY_TAGS), 'TagA');
    assert.equal(getPropertyFromString(s, 'UNIQ_KEY'), 'AB');
    assert.equal(getPropertyFromString(s, 'KEYS'), undefined);
    assert.equal(getPropertyFromString('TAGS\u0001x', 'TAGS'), 'x');
    assert.equal(setPropertyInString(s, 'TAGS', 'B'), 'XTAGS\u0001no\u0002TAGS\u0001B\u0002UNIQ_KEY\u0001AB\u0002');
  });

  it('finds TAGS, KEYS and UNIQ_KEY in one pass exactly where getPropertyFromString does', () => {
    const r: IndexPropertyRanges = { tagsFrom: 0, tagsTo: 0, keysFrom: 0, keysTo: 0, uniqFrom: 0, uniqTo: 0 };
    const value = (s: string, from: number, to: number) => (from < 0 ? undefined : s.slice(from, to));
    const check = (s: string): void => {
      findIndexProperties(s, r);
      assert.equal(value(s, r.tagsFrom, r.tagsTo), getPropertyFromString(s, 'TAGS'));
      assert.equal(value(s, r.keysFrom, r.keysTo), getPropertyFromString(s, 'KEYS'));
      assert.equal(value(s, r.uniqFrom, r.uniqTo), getPropertyFromString(s, 'UNIQ_KEY'));
    };
    check('XTAGS\u0001no\u0002TAGS\u0001TagA\u0002UNIQ_KEY\u0001AB\u0002KEYS\u0001k1 k2\u0002');
    check('TAGS\u0001\u0002TAGS\u0001late\u0002KEYS\u0001a\u0001b');
    check('A\u0002KEYS\u0001x\u0002\u0002\u0001UNIQ_KEY\u0002UNIQ_KEY\u0001u');
    const piece = fc.constantFrom('TAGS', 'KEYS', 'UNIQ_KEY', 'X', 'v', ' ', '\u0001', '\u0002', '');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), (parts) => check(parts.join(''))),
      { numRuns: 2000 },
    );
  });
});

describe('tag hash', () => {
  it('is Java String.hashCode', () => {
    assert.equal(tagsHashCode('TagA'), 2598919);
    assert.equal(tagsHashCode('TagB'), 2598920);
    assert.equal(tagsHashCode('*'), 42);
    assert.equal(tagsHashCode('世界'), 649718);
    assert.equal(tagsHashCode(undefined), 0);
    // wrap-around: "polygenelubricants" hashes to Integer.MIN_VALUE in Java
    assert.equal(tagsHashCode('polygenelubricants'), -2147483648);
  });
});

describe('message ids', () => {
  it('creates the offset msgId as upper hex of ip, port and offset', () => {
    assert.equal(createOffsetMsgId('10.0.0.2:10911', 1234), '0A00000200002A9F00000000000004D2');
    assert.equal(createOffsetMsgId('127.0.0.1:10911', 2 ** 40 + 5), '7F00000100002A9F0000010000000005');
  });

  it('decodes an offset msgId back to broker address and offset', () => {
    assert.deepEqual(decodeOffsetMsgId('0A00000200002A9F00000000000004D2'), {
      address: '10.0.0.2:10911',
      physicalOffset: 1234,
    });
    assert.equal(decodeOffsetMsgId('XYZ'), undefined);
    assert.equal(decodeOffsetMsgId('0A00000200002A9F00000000000004D'), undefined);
  });

  it('generates 32-hex UNIQ_KEYs with the fixed prefix layout and distinct values', () => {
    const g = new UniqKeyGenerator('192.168.1.2', 0x12345, 0xdeadbeef);
    const t = Date.UTC(2026, 10, 3, 0, 0, 1); // 2 days + 1 s into the month
    const a = g.next(t);
    const b = g.next(t);
    assert.equal(a, 'C0A801022345DEADBEEF0A4CBBE80000');
    assert.equal(b.slice(0, 28), a.slice(0, 28));
    assert.equal(b.slice(28), '0001');
  });
});

describe('batch body', () => {
  it('decodes Java-style inner records (magic and crc 0)', () => {
    const body = hex(
      [
        '0000001b 00000000 00000000 00000001', // TOTALSIZE 27, MAGIC 0, CRC 0, FLAG 1
        '00000002 6869', // body "hi"
        '0003 413d31', // properties "A=1" (3 bytes)
        '00000019 00000000 00000000 00000000',
        '00000000',
        '0003 423d32',
      ].join(''),
    );
    const r = decodeBatchBody(body);
    assert.ok(r.ok);
    assert.equal(r.value.length, 2);
    assert.equal(r.value[0]!.flag, 1);
    assert.equal(r.value[0]!.body.toString(), 'hi');
    assert.equal(r.value[0]!.properties, 'A=1');
    assert.equal(r.value[1]!.body.length, 0);
    assert.deepEqual(encodeBatchBody(r.value), body);
  });

  it('round-trips records with multi-byte properties, empty properties and negative flags', () => {
    const records = [
      { flag: 0, body: Buffer.from('a'), properties: 'TAGS\u0001x\u0002' },
      { flag: -7, body: Buffer.alloc(300, 2), properties: '' },
      { flag: 3, body: Buffer.from('ü'), properties: 'n\u0001ünï ✓\u0002' },
    ];
    const back = decodeBatchBody(encodeBatchBody(records));
    assert.ok(back.ok);
    assert.deepEqual(
      back.value.map((r) => [r.flag, r.body.toString('hex'), r.properties]),
      records.map((r) => [r.flag, r.body.toString('hex'), r.properties]),
    );
  });

  it('returns an error value for truncated or inconsistent input', () => {
    assert.equal(decodeBatchBody(hex('0000001b 00000000')).ok, false);
    assert.equal(decodeBatchBody(hex('00000016 00000000 00000000 00000000 00000005 0000')).ok, false);
    assert.equal(decodeBatchBody(Buffer.alloc(0)).ok, true);
  });
});
