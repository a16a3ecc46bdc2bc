// `<root>/checkpoint` (4 KiB) and the `<root>/abort` marker.
// Bytes 0–39 keep RocketMQ's StoreCheckpoint fields (physicMsgTimestamp, logicsMsgTimestamp,
// indexMsgTimestamp, masterFlushedOffset, confirmPhyOffset: i64 each) so tools that read them
// still work; rocketmq-ts adds offset-based fields behind a magic and CRC:
//   40 'RMTS' | 44 version i32 = 1 | 48 logFlushedOffset i64 | 56 cqCoveredOffset i64
//   64 indexCoveredOffset i64 | 72 crc32 of bytes 40–71 (i32)
// Offsets rather than timestamps tell recovery exactly where it may start scanning.
import { access, mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32, readInt64, writeInt64 } from '@rocketmq-ts/protocol';
import { closeFd, fdatasync, openFd, readFully, syncDir, writeFully } from '../io/fs-async.js';

export interface CheckpointData {
  physicMsgTimestamp: number;
  logicsMsgTimestamp: number;
  indexMsgTimestamp: number;
  /** CommitLog bytes below this were fdatasynced. */
  logFlushedOffset: number;
  /** Every record below this has its ConsumeQueue entry written and synced. */
  cqCoveredOffset: number;
  /** Every record below this has its index entries written and synced. */
  indexCoveredOffset: number;
}

const FILE_SIZE = 4096;
const MAGIC = 0x524d5453; // 'RMTS'

function encodeCheckpoint(c: CheckpointData): Buffer {
  const b = Buffer.alloc(76);
  writeInt64(b, c.physicMsgTimestamp, 0);
  writeInt64(b, c.logicsMsgTimestamp, 8);
  writeInt64(b, c.indexMsgTimestamp, 16);
  writeInt64(b, c.logFlushedOffset, 24);
  writeInt64(b, c.logFlushedOffset, 32);
  b.writeInt32BE(MAGIC, 40);
  b.writeInt32BE(1, 44);
  writeInt64(b, c.logFlushedOffset, 48);
  writeInt64(b, c.cqCoveredOffset, 56);
  writeInt64(b, c.indexCoveredOffset, 64);
  b.writeInt32BE(crc32(b.subarray(40, 72)) | 0, 72);
  return b;
}

function decodeCheckpoint(b: Buffer): CheckpointData | undefined {
  if (b.length < 76 || b.readInt32BE(40) !== MAGIC || b.readInt32BE(44) !== 1) return undefined;
  if ((crc32(b.subarray(40, 72)) | 0) !== b.readInt32BE(72)) return undefined;
  return {
    physicMsgTimestamp: readInt64(b, 0),
    logicsMsgTimestamp: readInt64(b, 8),
    indexMsgTimestamp: readInt64(b, 16),
    logFlushedOffset: readInt64(b, 48),
    cqCoveredOffset: readInt64(b, 56),
    indexCoveredOffset: readInt64(b, 64),
  };
}

export class StoreCheckpoint {
  private fd = -1;
  constructor(readonly path: string) {}

  /** The stored checkpoint, or undefined when missing or damaged. */
  async read(): Promise<CheckpointData | undefined> {
    let fd: number;
    try {
      fd = await openFd(this.path, 'r');
    } catch {
      return undefined;
    }
    try {
      const b = Buffer.alloc(76);
      const n = await readFully(fd, b, 0, 76, 0);
      return n === 76 ? decodeCheckpoint(b) : undefined;
    } finally {
      await closeFd(fd);
    }
  }

  async write(c: CheckpointData): Promise<void> {
    if (this.fd < 0) {
      await mkdir(dirname(this.path), { recursive: true });
      this.fd = await openFd(this.path, 'a+').then(async (probe) => {
        await closeFd(probe);
        return openFd(this.path, 'r+');
      });
      await writeFully(this.fd, Buffer.alloc(FILE_SIZE), 0, FILE_SIZE, 0);
      await syncDir(dirname(this.path));
    }
    // 76 bytes in one sector-aligned write: torn only by a sector failure, caught by the CRC.
    const b = encodeCheckpoint(c);
    await writeFully(this.fd, b, 0, b.length, 0);
    await fdatasync(this.fd);
  }

  async close(): Promise<void> {
    if (this.fd >= 0) await closeFd(this.fd).catch(() => {});
    this.fd = -1;
  }
}

/** The abort marker: present while the store runs, removed by a clean shutdown. */
export class AbortMarker {
  constructor(readonly path: string) {}

  async exists(): Promise<boolean> {
    return access(this.path).then(
      () => true,
      () => false,
    );
  }

  async create(): Promise<void> {
    await writeFile(this.path, '');
    await syncDir(dirname(this.path));
  }

  async remove(): Promise<void> {
    await unlink(this.path).catch(() => {});
    await syncDir(dirname(this.path));
  }
}
