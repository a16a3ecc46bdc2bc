import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { constants, deflateRawSync } from 'node:zlib';

/** A fresh directory under the OS temp dir; removed by the returned cleanup. */
export async function tempDir(prefix = 'rocketmq-ts-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Polls `probe` until it returns a value other than undefined/false, or fails after
 * `timeoutMs` with the last error. Tests wait on conditions this way, never on fixed sleeps.
 */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 20, message = 'condition' } = {},
): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as Exclude<T, undefined | false>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`, { cause: last });
    }
    await delay(intervalMs);
  }
}

/**
 * A zlib stream of `mib` MiB of zeros, built from one full-flushed 1 MiB deflate block repeated:
 * a 1 GiB bomb is about 1 MiB and costs no gigabyte to make. The checksum is right (Adler-32 of
 * n zero bytes: a = 1, b = n mod 65521), so only a cap on the output can refuse it.
 */
export function zeroBomb(mib: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_FULL_FLUSH });
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(((((mib * (1 << 20)) % 65521) << 16) | 1) >>> 0);
  const blocks = new Array<Buffer>(mib).fill(block);
  return Buffer.concat([Buffer.from([0x78, 0x9c]), ...blocks, Buffer.from([3, 0]), trailer]);
}
export * from './decoder-cases.js';
export { type EtcdCluster, type EtcdMember, etcdAvailable, freePort, startEtcd } from './etcd.js';
