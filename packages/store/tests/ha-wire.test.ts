// Golden bytes of the classic HA protocol (docs/replication.md; RocketMQ DefaultHAClient /
// DefaultHAConnection), written from the layout, with truncation at every cut.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { haWire } from '../src/index.js';

// Slave report: one big-endian long, the slave's max offset 0x0000_0001_0000_0010 (4 GiB + 16).
const REPORT = Buffer.from('0000000100000010', 'hex');
// Master transfer: offset long 0x1000, size int 3, then 3 body bytes; then a heartbeat at 0x1003.
const TRANSFER = Buffer.from(
  [
    '0000000000001000', // physical offset of the first body byte
    '00000003', // body size
    'aabbcc', // body
    '0000000000001003', // heartbeat: offset
    '00000000', // size 0
  ].join(''),
  'hex',
);

describe('ha-wire', () => {
  it('encodes a report and a transfer header byte for byte', () => {
    assert.deepEqual(haWire.encodeReport(0x1_0000_0010), REPORT);
    assert.deepEqual(
      Buffer.concat([
        haWire.encodeTransferHeader(0x1000, 3),
        Buffer.from('aabbcc', 'hex'),
        haWire.encodeTransferHeader(0x1003, 0),
      ]),
      TRANSFER,
    );
  });

  it('decodes reports cut anywhere, keeping only the newest complete one', () => {
    for (let cut = 0; cut <= 16; cut++) {
      const two = Buffer.concat([haWire.encodeReport(7), REPORT]);
      const d = new haWire.ReportDecoder();
      const first = d.push(two.subarray(0, cut));
      const second = d.push(two.subarray(cut));
      assert.equal(first, cut >= 16 ? 0x1_0000_0010 : cut >= 8 ? 7 : undefined, `cut ${cut}`);
      assert.equal(second, cut === 16 ? undefined : 0x1_0000_0010, `cut ${cut}`);
      assert.equal(d.pending, 0);
    }
  });

  it('decodes transfer frames cut at every byte', () => {
    for (let cut = 0; cut <= TRANSFER.length; cut++) {
      const d = new haWire.TransferDecoder();
      const frames = [];
      for (const part of [TRANSFER.subarray(0, cut), TRANSFER.subarray(cut)]) {
        const r = d.push(part);
        assert.ok(r.ok);
        frames.push(...r.frames.map((f) => ({ offset: f.offset, body: Buffer.from(f.body).toString('hex') })));
      }
      assert.deepEqual(frames, [
        { offset: 0x1000, body: 'aabbcc' },
        { offset: 0x1003, body: '' },
      ]);
      assert.equal(d.pending, 0);
    }
  });

  it('refuses a negative or oversized body size', () => {
    const neg = Buffer.from('0000000000000000ffffffff', 'hex');
    assert.equal(new haWire.TransferDecoder().push(neg).ok, false);
    const big = haWire.encodeTransferHeader(0, haWire.MAX_TRANSFER_BODY + 1);
    assert.equal(new haWire.TransferDecoder().push(big).ok, false);
    // Cut inside the header: refused as soon as the size is whole, not after waiting for a body.
    const split = new haWire.TransferDecoder();
    const frame = Buffer.concat([haWire.encodeTransferHeader(0, 4), Buffer.alloc(4), big]);
    const first = split.push(frame.subarray(0, 16 + 6));
    assert.ok(first.ok && first.frames.length === 1);
    assert.equal(split.push(frame.subarray(16 + 6)).ok, false);
  });
});
