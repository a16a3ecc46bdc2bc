// Controller mode: cutting the CommitLog of a running store back to `offset` (RocketMQ's
// truncateFiles on a role change). The bytes from `offset` to the old end are zeroed on disk and
// synced before anything else moves, so a crash after the cut cannot bring the tail back at
// recovery (apache/rocketmq#10666: their cut only moved in-memory positions); later segments are
// deleted. The caller has stopped local appends and replication into the log, and drained it.
import type { SegmentFiles } from '../commitlog/segment-files.js';
import { fdatasync, writeFully } from '../io/fs-async.js';

const ZERO_CHUNK = Buffer.alloc(1024 * 1024);

export async function zeroTail(segments: SegmentFiles, offset: number, oldEnd: number): Promise<void> {
  const size = segments.segmentSize;
  const segStart = Math.floor(offset / size) * size;
  const seg = segments.find(offset);
  if (seg) {
    const to = Math.min(oldEnd, segStart + size) - segStart;
    for (let p = offset - segStart; p < to; p += ZERO_CHUNK.length) {
      await writeFully(seg.fd, ZERO_CHUNK, 0, Math.min(ZERO_CHUNK.length, to - p), p);
    }
    await fdatasync(seg.fd);
  }
  await segments.deleteFrom(segStart + size);
}
