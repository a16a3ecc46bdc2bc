// Slave side: dispatches records that arrived as raw replicated bytes. The master's frames are
// byte ranges, not records: a record may start in one frame and end in the next, and an
// end-of-segment blank filler is followed by the rest of the segment. Chunks are parsed once
// their write completed (as local appends are dispatched after their write), each record
// decoded and handed to the normal dispatcher, so ConsumeQueues and the index are built as on
// the master.
import { Fifo, type Logger } from '@rocketmq-ts/common';
import { MessageMagic } from '@rocketmq-ts/protocol';
import { redispatch } from '../checkpoint/recovery.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';

const EMPTY = Buffer.alloc(0);

interface Chunk {
  start: number;
  buf: Buffer;
}

export class ReplicatedDispatch {
  private readonly chunks = new Fifo<Chunk>();
  /** Bytes of a record whose end has not arrived yet, and the offset of its first byte. */
  private carry: Buffer = EMPTY;
  private carryStart = 0;
  /** Inside a blank filler: bytes below this are skipped. */
  private skipTo = 0;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly segmentSize: number,
    private readonly delayLevels: number[],
    private readonly logger: Logger,
  ) {}

  get idle(): boolean {
    return this.chunks.isEmpty;
  }

  /** Start of a record whose end has not arrived yet (undefined: none pending). */
  partialStart(): number | undefined {
    return this.carry.length > 0 ? this.carryStart : undefined;
  }

  push(start: number, buf: Buffer): void {
    this.chunks.push({ start, buf });
  }

  /** The CommitLog wrote everything below `pos`: dispatch the complete records in it. */
  written(pos: number): void {
    for (let c = this.chunks.peek(); c !== undefined && c.start + c.buf.length <= pos; c = this.chunks.peek()) {
      this.chunks.shift();
      this.parse(c);
    }
  }

  private parse(c: Chunk): void {
    let chunk = c.buf;
    let start = c.start;
    // A record cut by the previous chunk: join its head with only the bytes that finish it (or
    // its 8-byte size and magic first), not with the whole chunk.
    while (this.carry.length > 0 && chunk.length > 0) {
      const carry = this.carry;
      const size = carry.length >= 4 ? carry.readInt32BE(0) : 0;
      const take = Math.min(chunk.length, Math.max(8 - carry.length, size - carry.length, 1));
      const head = Buffer.concat([carry, chunk.subarray(0, take)]);
      chunk = chunk.subarray(take);
      start += take;
      this.scan(head, this.carryStart);
    }
    if (chunk.length > 0) this.scan(chunk, start);
  }

  /** Dispatches the complete records of `buf` (log bytes from `base`); keeps the cut tail as the carry. */
  private scan(buf: Buffer, base: number): void {
    let off = 0;
    while (off < buf.length) {
      const pos = base + off;
      if (pos < this.skipTo) {
        off += Math.min(this.skipTo - pos, buf.length - off);
        continue;
      }
      if (buf.length - off < 8) break;
      const size = buf.readInt32BE(off);
      const magic = buf.readInt32BE(off + 4);
      if (magic === MessageMagic.BLANK || (size === 0 && magic === 0)) {
        // The filler (or, defensively, zeros) runs to the end of the segment.
        this.skipTo = Math.floor(pos / this.segmentSize) * this.segmentSize + this.segmentSize;
        this.dispatcher.dispatchedTo = Math.max(this.dispatcher.dispatchedTo, this.skipTo);
        continue;
      }
      if ((magic !== MessageMagic.V1 && magic !== MessageMagic.V2) || size < 8) {
        this.logger.error(
          { pos, size, magic },
          'replicated bytes hold no record here; dispatch skips to the segment end',
        );
        this.skipTo = Math.floor(pos / this.segmentSize) * this.segmentSize + this.segmentSize;
        continue;
      }
      if (buf.length - off < size) break;
      redispatch({ delayLevels: this.delayLevels }, this.dispatcher, buf, off, pos, size, true, true);
      off += size;
    }
    this.carryStart = base + off;
    // A view: the bytes are the caller's and never rewritten (appendReplicated keeps them).
    this.carry = off >= buf.length ? EMPTY : buf.subarray(off);
  }
}
