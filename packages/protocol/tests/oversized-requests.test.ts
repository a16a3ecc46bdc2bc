import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCommand, decodeHeartbeat, FrameSplitter, MAX_HEADER_BYTES } from '../src/index.js';

// Issue 18: a HEART_BEAT naming 100,000 consumer groups, or a header of a megabyte, cost the
// broker seconds of event loop. Both are refused before the costly part (the parse).

/** A frame's bytes after the length field: header word, header, body. */
function frameBody(headerLength: number, body = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(headerLength, 0x20);
  header[0] = 0x7b; // {
  header[headerLength - 1] = 0x7d; // }
  const word = Buffer.alloc(4);
  word.writeUInt32BE(headerLength, 0);
  return Buffer.concat([word, header, body]);
}

describe('header size bound', () => {
  it('decodes a header of MAX_HEADER_BYTES and refuses one byte more', () => {
    const at = decodeCommand(frameBody(MAX_HEADER_BYTES));
    assert.equal(at.ok ? 'decoded' : at.error.kind, 'header-field'); // parsed: `{ … }` has no code
    const over = decodeCommand(frameBody(MAX_HEADER_BYTES + 1));
    assert.equal(over.ok ? 'decoded' : over.error.kind, 'header-length');
  });

  it('refuses an oversized header as soon as the frame starts, before its bytes arrive', () => {
    const whole = frameBody(MAX_HEADER_BYTES + 1);
    const lengthWord = Buffer.alloc(4);
    lengthWord.writeInt32BE(whole.length, 0);
    const split = new FrameSplitter();
    // Only the length and header words (and a little header) are pushed.
    const r = split.push(Buffer.concat([lengthWord, whole.subarray(0, 64)]));
    assert.equal(r.error?.kind, 'header-length');
    assert.equal(split.buffered, 0);
  });
});

describe('decodeHeartbeat limits', () => {
  const limits = { maxGroups: 3, maxSubscriptions: 4 };
  const group = (name: string, topics: string[]) => ({
    groupName: name,
    subscriptionDataSet: topics.map((topic) => ({ topic, subString: '*' })),
  });
  const body = (consumers: unknown[], producers: unknown[] = []) =>
    Buffer.from(JSON.stringify({ clientID: 'c', producerDataSet: producers, consumerDataSet: consumers }));

  it('accepts a heartbeat at the limits', () => {
    const r = decodeHeartbeat(body([group('A', ['t1', 't2']), group('B', ['t3']), group('C', ['t4'])]), limits);
    assert.ok(r.ok);
    assert.equal(r.value.consumerDataSet.length, 3);
  });

  it('refuses more groups or subscriptions than the limits', () => {
    const groups = decodeHeartbeat(body([group('A', []), group('B', []), group('C', []), group('D', [])]), limits);
    assert.equal(groups.ok, false);
    const subs = decodeHeartbeat(body([group('A', ['t1', 't2', 't3']), group('B', ['t4', 't5'])]), limits);
    assert.equal(subs.ok, false);
    const producers = decodeHeartbeat(
      body([], [{ groupName: 'P1' }, { groupName: 'P2' }, { groupName: 'P3' }, { groupName: 'P4' }]),
      limits,
    );
    assert.equal(producers.ok, false);
  });

  it('counts before parsing: a body past the limits is refused even when it is not even JSON', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => `{"groupName":"G${i}"}`).join(',');
    const r = decodeHeartbeat(Buffer.from(`{"clientID":"c","consumerDataSet":[${many}`), {
      maxGroups: 1000,
      maxSubscriptions: 10_000,
    });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /more than 2000 groups/);
  });
});
