import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameSplitter, MAX_HEADER_BYTES } from '@rocketmq-ts/protocol';
import { FrameCopier } from '../src/frame-copier.js';

function frame(payload: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeInt32BE(payload.length);
  return Buffer.concat([len, payload]);
}

/** Pushes `stream` in pieces of `size` through one reused buffer, overwritten after each push. */
function copyThrough(stream: Buffer, size: number, copier = new FrameCopier(1 << 20)): Buffer[] {
  const reused = Buffer.alloc(size);
  const out: Buffer[] = [];
  for (let off = 0; off < stream.length; off += size) {
    const n = Math.min(size, stream.length - off);
    stream.copy(reused, 0, off, off + n);
    const r = copier.push(reused.subarray(0, n));
    assert.equal(r.error, undefined);
    out.push(...r.frames);
    reused.fill(0xee);
  }
  return out;
}

describe('FrameCopier', () => {
  // Each payload starts with a header word of 0 (a header over MAX_HEADER_BYTES is refused).
  const payloads = [4, 5, 100, 3000, 70_000, 4].map((n, i) => Buffer.alloc(n, i + 1).fill(0, 0, 4));
  const stream = Buffer.concat(payloads.map(frame));

  it('gives the frames the splitter gives, whatever the chunking, and none refers to the reused chunk', () => {
    const expected = new FrameSplitter(1 << 20).push(stream).frames;
    assert.deepEqual(expected, payloads);
    for (const size of [1, 2, 3, 5, 7, 64, 4099, 65_536, stream.length]) {
      assert.deepEqual(copyThrough(stream, size), payloads, `chunks of ${size}`);
    }
  });

  it('keeps a partial frame between chunks and reports what it holds', () => {
    const c = new FrameCopier(1 << 20);
    assert.deepEqual(c.push(stream.subarray(0, 2)).frames, []);
    assert.equal(c.buffered, 2);
    assert.deepEqual(c.push(stream.subarray(2, 6)).frames, []);
    assert.equal(c.buffered, 6);
    assert.deepEqual(c.push(stream.subarray(6, 8)).frames, [payloads[0]]);
    assert.equal(c.buffered, 0);
  });

  it('refuses a length over the limit or under 4 at once, and stays failed', () => {
    const big = new FrameCopier(10);
    const r = big.push(frame(Buffer.alloc(11)));
    assert.equal(r.error?.kind, 'frame-too-large');
    assert.equal(big.push(frame(Buffer.alloc(4))).error?.kind, 'frame-too-large');
    assert.equal(new FrameCopier(10).push(frame(Buffer.alloc(3))).error?.kind, 'frame-too-short');
    const after = new FrameCopier(10).push(Buffer.concat([frame(Buffer.alloc(4, 9)), frame(Buffer.alloc(2))]));
    assert.deepEqual(after.frames, [Buffer.alloc(4, 9)], 'frames before the bad one are still delivered');
    assert.equal(after.error?.kind, 'frame-too-short');
  });

  it('refuses a frame whose header is over MAX_HEADER_BYTES before the rest of it arrives', () => {
    const head = Buffer.alloc(8);
    head.writeInt32BE(4 + MAX_HEADER_BYTES + 1, 0);
    head.writeUInt32BE(MAX_HEADER_BYTES + 1, 4);
    assert.equal(new FrameCopier(1 << 20).push(head).error?.kind, 'header-length');
    head.writeUInt32BE(MAX_HEADER_BYTES, 4);
    head.writeInt32BE(4 + MAX_HEADER_BYTES, 0);
    assert.equal(new FrameCopier(1 << 20).push(head).error, undefined);
  });
});
