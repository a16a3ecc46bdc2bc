import { checkFrameLength, checkHeaderWord, type ProtocolError, type SplitResult } from '@rocketmq-ts/protocol';

/**
 * Cuts a TCP byte stream into frames, like the protocol's FrameSplitter, for chunks that the
 * caller reuses (a socket reading into one fixed buffer): every frame is copied out, exactly
 * once, into a buffer of its own size, allocated when its length word is seen; nothing refers
 * to a chunk after push() returns. Compared with zero-copy views into freshly allocated socket
 * chunks, large responses then cost one allocation of their own size instead of a 64 KiB chunk
 * plus a joined copy whenever a frame spans chunks, which halves the external memory a
 * consumer churns through (and the full GCs it triggers).
 */
export class FrameCopier {
  private frame: Buffer | undefined;
  private filled = 0;
  private readonly lengthWord = Buffer.alloc(4);
  private lengthBytes = 0;
  private failed: ProtocolError | undefined;

  constructor(private readonly maxFrameLength: number) {}

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.lengthBytes + (this.frame === undefined ? 0 : 4 + this.filled);
  }

  push(chunk: Buffer): SplitResult {
    const frames: Buffer[] = [];
    const error = this.pushInto(chunk, frames);
    return error === undefined ? { frames } : { frames, error };
  }

  /** As FrameSplitter.pushInto: frames appended to `frames`, the stream's error returned. */
  pushInto(chunk: Buffer, frames: Buffer[]): ProtocolError | undefined {
    if (this.failed) return this.failed;
    const n = chunk.length;
    let off = 0;
    while (off < n) {
      let frame = this.frame;
      if (frame === undefined) {
        let len: number;
        if (this.lengthBytes === 0 && n - off >= 4) {
          len = chunk.readInt32BE(off);
          off += 4;
        } else {
          const take = Math.min(4 - this.lengthBytes, n - off);
          chunk.copy(this.lengthWord, this.lengthBytes, off, off + take);
          this.lengthBytes += take;
          off += take;
          if (this.lengthBytes < 4) break;
          this.lengthBytes = 0;
          len = this.lengthWord.readInt32BE(0);
        }
        const error = checkFrameLength(len, this.maxFrameLength);
        if (error) {
          this.failed = error;
          return error;
        }
        if (n - off < len && n - off >= 4) {
          // Incomplete: refuse an oversized header before reading the rest.
          const headerError = checkHeaderWord(chunk.readUInt32BE(off));
          if (headerError) {
            this.failed = headerError;
            return headerError;
          }
        }
        frame = Buffer.allocUnsafe(len);
        if (n - off >= len) {
          chunk.copy(frame, 0, off, off + len);
          off += len;
          frames.push(frame);
          continue;
        }
        this.frame = frame;
        this.filled = 0;
      }
      const take = Math.min(frame.length - this.filled, n - off);
      chunk.copy(frame, this.filled, off, off + take);
      this.filled += take;
      off += take;
      if (this.filled === frame.length) {
        frames.push(frame);
        this.frame = undefined;
      }
    }
    return undefined;
  }
}
