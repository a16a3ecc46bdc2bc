import { err, ok, type Result } from '@rocketmq-ts/common';

// gRPC's message framing over HTTP/2 DATA frames ("Length-Prefixed-Message" of the gRPC over
// HTTP/2 protocol): 1 byte compressed flag (0 or 1), 4 bytes big-endian message length, then the
// message. Pure: bytes in, messages or an error out; no stream, socket or timer.

export const FRAME_HEADER_BYTES = 5;

/** One framed message: header and payload in one buffer (a single write on the stream). */
export function encodeFrame(payload: Uint8Array, compressed = false): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out[0] = compressed ? 1 : 0;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

export interface Frame {
  compressed: boolean;
  payload: Buffer;
}

export type FrameError =
  /** The declared length is past the receive limit (gRPC RESOURCE_EXHAUSTED). */
  | { kind: 'too-large'; declared: number; max: number }
  /** The flag byte is neither 0 nor 1 (gRPC INTERNAL). */
  | { kind: 'bad-flag'; flag: number }
  /** The stream ended inside a frame (gRPC INTERNAL). */
  | { kind: 'truncated'; buffered: number };

/**
 * Reassembles messages from chunks of any size. A message is only buffered up to the bytes
 * actually received: a huge declared length is refused from its header, never allocated, and
 * a length within the limit costs memory only as its bytes arrive. After an error the decoder
 * refuses everything (the call is over).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private held = 0;
  /** Length of the message being read, -1 while its header is incomplete. */
  private want = -1;
  private failed: FrameError | undefined;

  constructor(private readonly maxMessageBytes: number) {}

  /** Bytes received and not yet returned as a message. */
  get buffered(): number {
    return this.held;
  }

  /** Feeds one chunk; returns the messages it completed, or the first error. */
  push(chunk: Buffer): Result<Frame[], FrameError> {
    if (this.failed) return err(this.failed);
    if (chunk.length === 0) return ok([]);
    const out: Frame[] = [];
    // Fast path: nothing held and the chunk holds whole frames.
    let buf = chunk;
    if (this.held > 0) {
      this.chunks.push(chunk);
      this.held += chunk.length;
      if (this.want < 0 && this.held < FRAME_HEADER_BYTES) return ok(out);
      if (this.want >= 0 && this.held < FRAME_HEADER_BYTES + this.want) return ok(out);
      buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.held);
      this.chunks = [];
      this.held = 0;
      this.want = -1;
    }
    let at = 0;
    while (buf.length - at >= FRAME_HEADER_BYTES) {
      const flag = buf[at]!;
      const len = buf.readUInt32BE(at + 1);
      if (flag > 1) return this.fail({ kind: 'bad-flag', flag });
      if (len > this.maxMessageBytes) return this.fail({ kind: 'too-large', declared: len, max: this.maxMessageBytes });
      if (buf.length - at - FRAME_HEADER_BYTES < len) {
        this.want = len;
        break;
      }
      const start = at + FRAME_HEADER_BYTES;
      out.push({ compressed: flag === 1, payload: buf.subarray(start, start + len) });
      at = start + len;
    }
    if (at < buf.length) {
      const rest = buf.subarray(at);
      this.chunks.push(rest);
      this.held = rest.length;
    }
    return ok(out);
  }

  /** The stream ended: an error if it stopped inside a frame. */
  end(): Result<void, FrameError> {
    if (this.failed) return err(this.failed);
    if (this.held > 0) return this.fail({ kind: 'truncated', buffered: this.held });
    return ok(undefined);
  }

  private fail(e: FrameError): Result<never, FrameError> {
    this.failed = e;
    this.chunks = [];
    this.held = 0;
    return err(e);
  }
}
