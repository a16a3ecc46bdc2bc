// The slave side of the file store's CommitLog: appending bytes replicated from the master,
// dispatching the records in them once written, and (controller mode) cutting the log back to a
// record boundary. The file store delegates to it; see docs/replication.md.
import type { Logger } from '@rocketmq-ts/common';
import { parseDelayLevels } from '@rocketmq-ts/protocol';
import type { CommitLog } from '../commitlog/commit-log.js';
import type { SegmentFiles } from '../commitlog/segment-files.js';
import type { ConsumeQueueStore } from '../consumequeue/consume-queue-store.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { MessageStoreConfig } from '../store-config.js';
import { ReplicatedDispatch } from './replicated-dispatch.js';
import { zeroTail } from './truncate-tail.js';

/** Outcome of appending replicated bytes on a slave. */
export type ReplicaAppendStatus = 'OK' | 'OFFSET_MISMATCH' | 'NOT_RUNNING';

export interface ReplicaLogParts {
  config: MessageStoreConfig;
  commitLog: CommitLog;
  segments: SegmentFiles;
  dispatcher: Dispatcher;
  cqStore: ConsumeQueueStore;
  logger: Logger;
  /** The store's checkpoint pass (thorough): run after a cut so recovery starts below it. */
  writeCheckpoint: () => Promise<void>;
}

export class ReplicaLog {
  /** Records that arrived as replicated bytes, dispatched once written. */
  private replicated: ReplicatedDispatch | undefined;

  constructor(private readonly parts: ReplicaLogParts) {}

  /** Whether replicated bytes have been appended (since start or the last cut). */
  get active(): boolean {
    return this.replicated !== undefined;
  }

  /** The write covering everything below `pos` completed: dispatch the replicated records in it. */
  written(pos: number): void {
    if (this.replicated) this.replicated.written(pos);
  }

  /**
   * Appends bytes replicated from the master at `offset`, which must be the log's end; an empty
   * log starts at `offset` (the master's last segment, for a new slave). `data` is kept until
   * its records are dispatched: the caller must not reuse it.
   */
  append(offset: number, data: Buffer): ReplicaAppendStatus {
    const { commitLog: cl, config, dispatcher } = this.parts;
    if (cl.appendPos === 0 && this.parts.segments.list.length === 0 && offset > 0) {
      if (offset % config.mappedFileSizeCommitLog !== 0) return 'OFFSET_MISMATCH';
      cl.setEnd(offset);
      dispatcher.dispatchedTo = offset;
    }
    if (offset !== cl.appendPos) return 'OFFSET_MISMATCH';
    if (data.length === 0) return 'OK';
    this.replicated ??= new ReplicatedDispatch(
      dispatcher,
      config.mappedFileSizeCommitLog,
      parseDelayLevels(config.messageDelayLevel),
      this.parts.logger,
    );
    this.replicated.push(offset, data);
    cl.appendRaw(data);
    return 'OK';
  }

  /** The end of the last complete record (replicated frames may stop inside a record). */
  completeEnd(): number {
    return this.replicated?.partialStart() ?? this.parts.commitLog.appendPos;
  }

  /**
   * Cuts the log back to `offset` (a record boundary): the tail is zeroed on disk and synced,
   * ConsumeQueue entries beyond are erased, dispatch restarts there. Index entries beyond stay
   * (a lookup reads the log and finds nothing or a different key there).
   */
  async truncateTail(offset: number): Promise<void> {
    const { commitLog, cqStore, dispatcher } = this.parts;
    await commitLog.drain();
    const end = commitLog.appendPos;
    this.replicated = undefined;
    if (offset < end) {
      this.parts.logger.warn({ from: end, to: offset }, 'commitlog tail truncated (controller mode)');
      await zeroTail(this.parts.segments, offset, end);
    }
    commitLog.setEnd(Math.min(offset, end));
    // Entries still in memory first: truncateAbove resets a queue's dirty state.
    await cqStore.flush(0);
    await cqStore.truncateAbove(offset);
    dispatcher.dispatchedTo = Math.min(dispatcher.dispatchedTo, offset);
    await this.parts.writeCheckpoint();
  }
}
