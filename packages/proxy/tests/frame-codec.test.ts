import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeDecoderProperties } from '@rocketmq-ts/testkit';
import { encodeFrame, FrameDecoder } from '../src/grpc/frame-codec.js';
import { frameProperties } from './frame-properties.js';

describe('gRPC frame codec', () => {
  it('encodes golden bytes: flag, big-endian length, message', () => {
    // 00 = not compressed; 00 00 00 03 = three bytes; then the message.
    assert.deepEqual(encodeFrame(Buffer.from('abc')), Buffer.from([0, 0, 0, 0, 3, 0x61, 0x62, 0x63]));
    // 01 = compressed; an empty message is a frame of its own.
    assert.deepEqual(encodeFrame(Buffer.alloc(0), true), Buffer.from([1, 0, 0, 0, 0]));
  });

  it('decodes two messages from one chunk, and a message cut at every byte', () => {
    const bytes = Buffer.concat([encodeFrame(Buffer.from('hello')), encodeFrame(Buffer.from('x'), true)]);
    const r = new FrameDecoder(100).push(bytes);
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.map((f) => [f.compressed, f.payload.toString()]),
      [
        [false, 'hello'],
        [true, 'x'],
      ],
    );
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new FrameDecoder(100);
      const a = d.push(bytes.subarray(0, cut));
      const b = d.push(bytes.subarray(cut));
      assert.ok(a.ok && b.ok);
      assert.equal(a.value.length + b.value.length, 2, `cut at ${cut}`);
      assert.ok(d.end().ok);
    }
  });

  it('refuses a declared length past the limit from the header alone, without buffering it', () => {
    const d = new FrameDecoder(1024);
    const header = Buffer.from([0, 0xff, 0xff, 0xff, 0xf0]);
    const r = d.push(header);
    assert.ok(!r.ok);
    assert.deepEqual(r.error, { kind: 'too-large', declared: 0xfffffff0, max: 1024 });
    assert.equal(d.buffered, 0);
    assert.ok(!d.push(Buffer.from([0, 0, 0, 0, 0])).ok, 'after an error everything is refused');
  });

  it('a flag byte other than 0 or 1 is an error; a stream ending inside a frame is truncated', () => {
    const bad = new FrameDecoder(10).push(Buffer.from([2, 0, 0, 0, 0]));
    assert.ok(!bad.ok && bad.error.kind === 'bad-flag');
    const d = new FrameDecoder(10);
    assert.ok(d.push(Buffer.from([0, 0, 0, 0, 4, 1, 2])).ok);
    assert.equal(d.buffered, 7);
    const end = d.end();
    assert.ok(!end.ok && end.error.kind === 'truncated' && end.error.buffered === 7);
  });
});

describeDecoderProperties('gRPC frame decoding (fast-check)', frameProperties, 1000);
