// `ip:port` strings to the 8-byte (IPv4) or 20-byte (IPv6) host fields of a stored record.
// IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is written as IPv4: ali-ons and the Go client only
// read 4-byte hosts (docs/formats.md §4).

/** Parsed host field: the address bytes followed by a 4-byte big-endian port. */
export interface HostBytes {
  bytes: Buffer;
  v6: boolean;
}

// Producers reuse a handful of connections, so the same strings come back constantly;
// parsing each once keeps string work off the append path.
const cache = new Map<string, HostBytes>();
const CACHE_LIMIT = 4096;

function parseIpv4(s: string, out: Buffer, pos: number): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p)) return false;
    const v = Number(p);
    if (v > 255) return false;
    out[pos + i] = v;
  }
  return true;
}

function parseIpv6(s: string, out: Buffer, pos: number): boolean {
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups: number[] = [];
  const push = (list: string[]): boolean => {
    for (const g of list) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
      groups.push(Number.parseInt(g, 16));
    }
    return true;
  };
  if (!push(head)) return false;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 0 : fill !== 0) return false;
  for (let i = 0; i < fill; i++) groups.push(0);
  if (!push(tail)) return false;
  for (let i = 0; i < 8; i++) out.writeUInt16BE(groups[i]!, pos + i * 2);
  return true;
}

/** Parses `ip:port`, `[v6]:port` or `v6:port`; undefined when malformed. */
export function parseHost(address: string): HostBytes | undefined {
  const hit = cache.get(address);
  if (hit) return hit;
  const colon = address.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let ip = address.slice(0, colon);
  const portText = address.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip.toLowerCase().startsWith('::ffff:') && ip.includes('.')) ip = ip.slice(7);
  let parsed: HostBytes | undefined;
  if (!ip.includes(':')) {
    const bytes = Buffer.alloc(8);
    if (parseIpv4(ip, bytes, 0)) {
      bytes.writeInt32BE(port, 4);
      parsed = { bytes, v6: false };
    }
  } else {
    const bytes = Buffer.alloc(20);
    if (parseIpv6(ip, bytes, 0)) {
      bytes.writeInt32BE(port, 16);
      parsed = { bytes, v6: true };
    }
  }
  if (parsed) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(address, parsed);
  }
  return parsed;
}

/** Formats a host field back to `ip:port` (IPv6 as `[…]:port`, groups in short hex). */
export function formatHost(buf: Buffer, pos: number, v6: boolean): string {
  if (!v6) return `${buf[pos]}.${buf[pos + 1]}.${buf[pos + 2]}.${buf[pos + 3]}:${buf.readInt32BE(pos + 4)}`;
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(pos + i * 2).toString(16));
  return `[${groups.join(':')}]:${buf.readInt32BE(pos + 16)}`;
}
