// The classic HA byte protocol (RocketMQ DefaultHAService / DefaultHAClient), pure: bytes in,
// values out, no socket. One plain TCP connection per slave, opened by the slave to the
// master's haListenPort; no handshake, magic, epoch or checksum. Big-endian throughout.
//
//   slave → master, report (8 bytes, repeated):
//     0  long  the slave's CommitLog max physical offset (the next byte it needs)
//   master → slave, transfer (12-byte header + body):
//     0  long  physical offset of the first body byte
//     8  int   body size (0: heartbeat)
//    12  n     CommitLog bytes, verbatim (records and end-of-segment blank fillers)
//
// A frame never crosses a CommitLog segment: the body comes from one segment file.

export const REPORT_SIZE = 8;
export const TRANSFER_HEADER_SIZE = 12;

/** The largest body a transfer frame may carry: the slave's read buffer in Java is 4 MiB. */
export const MAX_TRANSFER_BODY = 4 * 1024 * 1024 - TRANSFER_HEADER_SIZE;

export function encodeReport(offset: number): Buffer {
  const b = Buffer.allocUnsafe(REPORT_SIZE);
  b.writeBigInt64BE(BigInt(offset), 0);
  return b;
}

export function encodeTransferHeader(offset: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(TRANSFER_HEADER_SIZE);
  b.writeBigInt64BE(BigInt(offset), 0);
  b.writeInt32BE(size, 8);
  return b;
}

/**
 * Master side: the slave's reports. Like Java, only the last complete 8-byte value of what
 * arrived counts (earlier ones are superseded); a partial one waits for its remaining bytes.
 */
export class ReportDecoder {
  private partial = Buffer.alloc(0);

  /** Feeds socket bytes; returns the newest complete report, or undefined if none completed. */
  push(chunk: Buffer): number | undefined {
    const buf = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : chunk;
    const whole = buf.length - (buf.length % REPORT_SIZE);
    this.partial = Buffer.from(buf.subarray(whole));
    if (whole === 0) return undefined;
    return Number(buf.readBigInt64BE(whole - REPORT_SIZE));
  }

  /** Bytes of an incomplete report held back. */
  get pending(): number {
    return this.partial.length;
  }
}

export interface TransferFrame {
  offset: number;
  /** Empty for a heartbeat. A view of the socket bytes: copy before keeping past the callback. */
  body: Buffer;
}

export type TransferDecodeResult = { ok: true; frames: TransferFrame[] } | { ok: false; error: string };

/**
 * Slave side: splits the master's stream into frames. Partial frames are kept until complete;
 * a negative or oversized body size is a protocol error (the connection must be dropped).
 */
export class TransferDecoder {
  /** Bytes not yet framed: a list of chunks, joined only once a whole frame is there. */
  private parts: Buffer[] = [];
  private held = 0;
  /** Size of the frame at the head (header + body) once its header is known, else 0. */
  private need = 0;

  constructor(private readonly maxBody = MAX_TRANSFER_BODY) {}

  push(chunk: Buffer): TransferDecodeResult {
    this.parts.push(chunk);
    this.held += chunk.length;
    const frames: TransferFrame[] = [];
    // A frame that spans chunks is joined once, when its last byte arrives, instead of the
    // whole backlog being copied on every chunk.
    if (this.held >= TRANSFER_HEADER_SIZE && (this.need === 0 || this.held >= this.need)) {
      const buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.held);
      let pos = 0;
      while (buf.length - pos >= TRANSFER_HEADER_SIZE) {
        const offset = Number(buf.readBigInt64BE(pos));
        const size = buf.readInt32BE(pos + 8);
        if (offset < 0) return { ok: false, error: `negative transfer offset ${offset}` };
        if (size < 0 || size > this.maxBody) return { ok: false, error: `bad transfer body size ${size}` };
        if (buf.length - pos < TRANSFER_HEADER_SIZE + size) break;
        frames.push({ offset, body: buf.subarray(pos + TRANSFER_HEADER_SIZE, pos + TRANSFER_HEADER_SIZE + size) });
        pos += TRANSFER_HEADER_SIZE + size;
      }
      // The rest stays a view: nothing writes into these buffers, and frames keep views of them.
      const rest = buf.subarray(pos);
      this.parts = rest.length > 0 ? [rest] : [];
      this.held = rest.length;
      const size = rest.length >= TRANSFER_HEADER_SIZE ? rest.readInt32BE(8) : -1;
      // A bad size is refused by the next push at once (never waited for: the backlog stays bounded).
      this.need = size >= 0 && size <= this.maxBody ? TRANSFER_HEADER_SIZE + size : 0;
    }
    return { ok: true, frames };
  }

  get pending(): number {
    return this.held;
  }
}
