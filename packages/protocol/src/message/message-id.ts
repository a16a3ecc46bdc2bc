// Message ids (docs/formats.md §4): the offset msgId (storeHost + port + physical offset, upper
// hex) that brokers return and VIEW_MESSAGE_BY_ID decodes, and the client-style UNIQ_KEY.
import { formatHost, type HostBytes, parseHost } from './socket-address.js';

const hex16 = (v: number): string => {
  const hi = Math.floor(v / 0x100000000);
  const lo = v >>> 0;
  return hi.toString(16).toUpperCase().padStart(8, '0') + lo.toString(16).toUpperCase().padStart(8, '0');
};

/** Upper hex of the host field; a store computes it once and appends offsets to it. */
export function hostHexPrefix(host: HostBytes): string {
  return host.bytes.toString('hex').toUpperCase();
}

export function createOffsetMsgId(storeHost: HostBytes | string, physicalOffset: number): string {
  const host = typeof storeHost === 'string' ? parseHost(storeHost) : storeHost;
  if (!host) throw new TypeError(`not an ip:port address: ${String(storeHost)}`);
  return hostHexPrefix(host) + hex16(physicalOffset);
}

// The high word of an offset changes every 4 GiB: cache its hex with the host prefix.
let lastPrefix = '';
let lastHigh = -1;
let lastHead = '';
/** Offset id with a precomputed host prefix: the append path's form. */
export function offsetMsgIdWithPrefix(prefix: string, physicalOffset: number): string {
  const hi = Math.floor(physicalOffset / 0x100000000);
  if (hi !== lastHigh || prefix !== lastPrefix) {
    lastHigh = hi;
    lastPrefix = prefix;
    lastHead = prefix + hi.toString(16).toUpperCase().padStart(8, '0');
  }
  return lastHead + (physicalOffset >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

export interface DecodedOffsetMsgId {
  /** `ip:port` of the broker that stored the message. */
  address: string;
  physicalOffset: number;
}

/** Decodes a 32-hex (IPv4) or 56-hex (IPv6) offset id; undefined when it is not one. */
export function decodeOffsetMsgId(id: string): DecodedOffsetMsgId | undefined {
  if ((id.length !== 32 && id.length !== 56) || !/^[0-9a-fA-F]+$/.test(id)) return undefined;
  const b = Buffer.from(id, 'hex');
  const v6 = b.length === 28;
  const hostLen = v6 ? 20 : 8;
  const physicalOffset = b.readUInt32BE(hostLen) * 0x100000000 + b.readUInt32BE(hostLen + 4);
  if (physicalOffset > Number.MAX_SAFE_INTEGER) return undefined;
  return { address: formatHost(b, 0, v6), physicalOffset };
}

/**
 * Generates UNIQ_KEY values laid out as the Java client does: ip (4) + pid low 16 bits (2) +
 * a per-process random int (4, Java: class-loader hash) + ms since the start of the current
 * UTC month (4) + counter (2), upper hex. Only uniqueness matters to readers.
 */
export class UniqKeyGenerator {
  private readonly prefix: string;
  private counter = 0;
  private monthStart = 0;
  private nextMonthStart = 0;
  private readonly buf = Buffer.alloc(6);

  constructor(ip = '127.0.0.1', pid = process.pid, random = Math.floor(Math.random() * 0x100000000)) {
    const head = Buffer.alloc(10);
    const parsed = parseHost(`${ip}:0`);
    if (parsed && !parsed.v6) parsed.bytes.copy(head, 0, 0, 4);
    head.writeUInt16BE(pid & 0xffff, 4);
    head.writeUInt32BE(random >>> 0, 6);
    this.prefix = head.toString('hex').toUpperCase();
  }

  next(now = Date.now()): string {
    if (now >= this.nextMonthStart || now < this.monthStart) {
      const d = new Date(now);
      this.monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      this.nextMonthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
    this.buf.writeUInt32BE((now - this.monthStart) >>> 0, 0);
    this.buf.writeUInt16BE(this.counter, 4);
    this.counter = (this.counter + 1) & 0xffff;
    return this.prefix + this.buf.toString('hex').toUpperCase();
  }
}
