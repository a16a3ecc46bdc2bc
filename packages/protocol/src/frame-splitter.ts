import { MAX_HEADER_BYTES } from './decode-limits.js';
import { type ProtocolError, protocolError } from './protocol-error.js';

/** Java's `com.rocketmq.remoting.frameMaxLength` default. */
export const DEFAULT_MAX_FRAME_LENGTH = 16 * 1024 * 1024;

/** The smallest legal frame: the 4-byte serialize-type/header-length word. */
const MIN_FRAME_LENGTH = 4;

/**
 * Why a frame whose length word reads `len` cannot be accepted, or undefined if it can.
 * Shared by every frame cutter so that all of them refuse the same frames with the same error.
 */
export function checkFrameLength(len: number, maxFrameLength: number): ProtocolError | undefined {
  if (len > maxFrameLength) {
    return protocolError('frame-too-large', `frame length ${len} exceeds ${maxFrameLength}`);
  }
  if (len < MIN_FRAME_LENGTH) {
    return protocolError('frame-too-short', `frame length ${len} is below ${MIN_FRAME_LENGTH}`);
  }
  return undefined;
}

/**
 * Why a frame whose first word (serialize type and header length) reads `word` cannot be
 * accepted, or undefined. Checked by the cutters as soon as the word arrives, so that a frame
 * with an oversized header is refused before megabytes of it are read; decodeCommand checks
 * it again for frames cut whole.
 */
export function checkHeaderWord(word: number): ProtocolError | undefined {
  const headerLength = word & 0xffffff;
  return headerLength > MAX_HEADER_BYTES
    ? protocolError('header-length', `header length ${headerLength} exceeds ${MAX_HEADER_BYTES}`)
    : undefined;
}

export interface SplitResult {
  /** Complete frames, each the bytes after the 4-byte length field. */
  frames: Buffer[];
  /** Set when the stream is unusable; the connection must be closed. */
  error?: ProtocolError;
}

/**
 * Cuts a TCP byte stream into frames. Pure: bytes in, frames out.
 *
 * Frames that lie inside one chunk are returned as zero-copy views; a frame spanning chunks
 * is copied once, when its last byte arrives (never re-concatenated per chunk). A declared
 * length over the limit is refused as soon as the length word is seen, before its bytes are
 * buffered.
 */
export class FrameSplitter {
  private parts: Buffer[] = [];
  private pendingLength = 0;
  /** Total bytes (length field included) of the frame being assembled; -1 = not yet known. */
  private need = -1;
  private failed: ProtocolError | undefined;

  constructor(private readonly maxFrameLength = DEFAULT_MAX_FRAME_LENGTH) {}

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.pendingLength;
  }

  push(chunk: Buffer): SplitResult {
    const frames: Buffer[] = [];
    const error = this.pushInto(chunk, frames);
    return error === undefined ? { frames } : { frames, error };
  }

  /**
   * As push(), appending the frames to `frames` (which the caller may reuse across calls);
   * returns the error that makes the stream unusable, if any.
   */
  pushInto(chunk: Buffer, frames: Buffer[]): ProtocolError | undefined {
    if (this.failed) return this.failed;
    let buf = chunk;
    if (this.pendingLength > 0) {
      this.parts.push(chunk);
      this.pendingLength += chunk.length;
      if (this.need < 0 && this.pendingLength >= 4) {
        // Only the length word is needed; the parts before it are tiny.
        const head = Buffer.concat(this.parts, Math.min(this.pendingLength, 4));
        const error = this.check(head.readInt32BE(0));
        if (error) return error;
        this.need = 4 + head.readInt32BE(0);
      }
      if (this.need < 0 || this.pendingLength < this.need) return undefined;
      buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.pendingLength);
      this.parts = [];
      this.pendingLength = 0;
      this.need = -1;
    }
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readInt32BE(off);
      const error = this.check(len);
      if (error) return error;
      if (buf.length - off - 4 < len) {
        if (buf.length - off >= 8) {
          this.failed = checkHeaderWord(buf.readUInt32BE(off + 4));
          if (this.failed) return this.failed;
        }
        this.need = 4 + len;
        break;
      }
      frames.push(buf.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
    if (off < buf.length) {
      this.parts = [buf.subarray(off)];
      this.pendingLength = buf.length - off;
    }
    return undefined;
  }

  private check(len: number): ProtocolError | undefined {
    this.failed = checkFrameLength(len, this.maxFrameLength);
    if (this.failed) {
      this.parts = [];
      this.pendingLength = 0;
    }
    return this.failed;
  }
}
