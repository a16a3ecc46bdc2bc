// Retention: deletes CommitLog segments older than fileReservedTime hours at the deleteWhen
// hour(s), or the oldest ones regardless of age while the disk is above
// diskMaxUsedSpaceRatio; then moves ConsumeQueue min offsets and drops dead index files.
// Above diskSpaceWarningLevelRatio the store refuses appends until space comes back.
import { stat, statfs } from 'node:fs/promises';
import type { Clock, Logger } from '@rocketmq-ts/common';
import type { CommitLog } from '../commitlog/commit-log.js';
import type { SegmentFiles } from '../commitlog/segment-files.js';
import type { ConsumeQueueStore } from '../consumequeue/consume-queue-store.js';
import type { IndexService } from '../index/index-service.js';
import type { MessageStoreConfig } from '../store-config.js';

interface RetentionDeps {
  config: MessageStoreConfig;
  segments: SegmentFiles;
  commitLog: CommitLog;
  queues: ConsumeQueueStore;
  index: IndexService;
  clock: Clock;
  logger: Logger;
  /** Bytes below which records were dispatched (never delete what dispatch has not seen). */
  dispatchedTo(): number;
  /** Test hook: disk usage percentage instead of statfs. */
  diskUsage?: () => Promise<number>;
}

export class RetentionService {
  /** True while the disk is too full to accept appends. */
  diskFull = false;
  lastUsage = 0;
  private manualDeletes = 0;

  constructor(private readonly d: RetentionDeps) {}

  /** Asks the next rounds to delete expired files whatever the hour (mqadmin deleteExpiredCommitLog). */
  requestDelete(rounds = 20): void {
    this.manualDeletes = rounds;
  }

  async usage(): Promise<number> {
    if (this.d.diskUsage) return this.d.diskUsage();
    const s = await statfs(this.d.config.storePathRootDir);
    return s.blocks > 0 ? ((s.blocks - s.bavail) / s.blocks) * 100 : 0;
  }

  /** One retention round; returns how many segments were deleted. */
  async runOnce(): Promise<number> {
    const { config, segments, clock, logger } = this.d;
    const usage = await this.usage().catch(() => 0);
    this.lastUsage = usage;
    const wasFull = this.diskFull;
    this.diskFull = usage >= config.diskSpaceWarningLevelRatio;
    if (this.diskFull !== wasFull)
      logger.warn({ usage }, this.diskFull ? 'disk full: refusing appends' : 'disk usage back to normal');
    const now = clock.now();
    const hours = config.deleteWhen.split(';').map((h) => Number(h));
    const timeUp = hours.includes(new Date(now).getHours());
    const spaceFull = usage >= config.diskMaxUsedSpaceRatio;
    const manual = this.manualDeletes > 0;
    if (manual) this.manualDeletes--;
    if (!timeUp && !spaceFull && !manual) return 0;
    const reservedMs = config.fileReservedTime * 3_600_000;
    const safeEnd = Math.min(this.d.dispatchedTo(), this.d.commitLog.flushedPos);
    let deleted = 0;
    while (deleted < config.deleteFileBatchMax && segments.list.length > 1) {
      const seg = segments.list[0]!;
      // Never the segment being written, nor anything not yet dispatched and flushed.
      if (seg.start + segments.segmentSize > safeEnd) break;
      const mtime = await stat(seg.path).then(
        (s) => s.mtimeMs,
        () => 0,
      );
      if (now - mtime < reservedMs && !spaceFull) break;
      await segments.deleteFirst();
      deleted++;
      logger.info({ start: seg.start, forced: spaceFull }, 'commitlog segment deleted');
    }
    if (deleted > 0) await this.afterDelete();
    return deleted;
  }

  private async afterDelete(): Promise<void> {
    const minPhy = this.d.segments.list[0]?.start ?? this.d.commitLog.appendPos;
    await this.d.queues.correctMinOffset(minPhy);
    await this.d.index.deleteBelow(minPhy);
  }
}
