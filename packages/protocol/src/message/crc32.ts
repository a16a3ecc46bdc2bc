import * as zlib from 'node:zlib';

// zlib.crc32 exists from Node 20.15 / 22.2 (checked on 20.20); a table fallback keeps older
// 20.x working. Both compute the IEEE CRC-32 that java.util.zip.CRC32 computes.
const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

let table: Int32Array | undefined;
function tableCrc32(data: Uint8Array): number {
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** Unsigned IEEE CRC-32. */
export const crc32: (data: Uint8Array) => number = native ? (d) => native(d) : tableCrc32;

/** The BODYCRC field: CRC-32 of the stored body with the sign bit cleared, as RocketMQ stores it. */
export const bodyCrc = (body: Uint8Array): number => crc32(body) & 0x7fffffff;
