import { DEFAULT_MESSAGE_DELAY_LEVEL } from '@rocketmq-ts/protocol';
// Store configuration under RocketMQ's key names (broker.conf carries over unchanged).

export type FlushDiskType = 'ASYNC_FLUSH' | 'SYNC_FLUSH';
/** RocketMQ's brokerRole: a SLAVE store refuses appends and takes replicated bytes instead. */
export type BrokerRole = 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE';

export interface MessageStoreConfig {
  /** Root of commitlog/, consumequeue/, index/, checkpoint, abort. */
  storePathRootDir: string;
  /** CommitLog segment size in bytes (1 GiB). */
  mappedFileSizeCommitLog: number;
  /** ConsumeQueue file size in bytes: 300 000 entries of 20 bytes. */
  mappedFileSizeConsumeQueue: number;
  flushDiskType: FlushDiskType;
  brokerRole: BrokerRole;
  /** ASYNC_FLUSH: ms between background fdatasyncs of the CommitLog. */
  flushIntervalCommitLog: number;
  /** ASYNC_FLUSH: ms between flushes of ConsumeQueue and index files. */
  flushIntervalConsumeQueue: number;
  /**
   * A ConsumeQueue is flushed (written and fdatasync'd) by the periodic task only once this
   * many 4 KiB pages of it are dirty; 0 flushes every dirty queue every time.
   */
  flushConsumeQueueLeastPages: number;
  /** ms between flushes of every dirty ConsumeQueue regardless of flushConsumeQueueLeastPages. */
  flushConsumeQueueThoroughInterval: number;
  /** ConsumeQueue files kept open at most (least recently used ones are closed). */
  maxOpenConsumeQueueFiles: number;
  /** SYNC_FLUSH: ms an append waits for its fdatasync before FLUSH_DISK_TIMEOUT. */
  syncFlushTimeout: number;
  /** Largest accepted message body in bytes (4 MiB). */
  maxMessageSize: number;
  /** Hours a CommitLog segment is kept after its last write. */
  fileReservedTime: number;
  /** Hour(s) of the day expired segments are deleted, `;`-separated (`04`). */
  deleteWhen: string;
  /** Disk usage percentage above which the oldest segments go regardless of age. */
  diskMaxUsedSpaceRatio: number;
  /** Usage percentage at which appends are refused (Java diskSpaceCleanForciblyRatio/ warning level). */
  diskSpaceWarningLevelRatio: number;
  /** `ip:port` written as STOREHOST into every record and into offset msgIds. */
  storeHost: string;
  /** Index file geometry. */
  maxHashSlotNum: number;
  maxIndexNum: number;
  /** Whether recovery checks body CRCs (RocketMQ checkCRCOnRecover). */
  checkCRCOnRecover: boolean;
  /** Bytes of the CommitLog tail kept in memory for reads (write-through cache). */
  writeCacheBytes: number;
  /** Zero-fill the next CommitLog segment in the background so appends hit warm page cache. */
  warmMapedFileEnable: boolean;
  /**
   * Fill body CRCs and write CommitLog ranges of more than 16 KiB on a worker thread (one per
   * process) instead of the event loop; falls back to the loop if the thread cannot start. Off
   * by default: it pays when appends alone saturate the loop (store-bench ASYNC: 421k vs 385k
   * msg/s) and costs when requests do (the broker: two thread wake-ups per write; see
   * record-writer.ts).
   */
  commitLogWriterThread: boolean;
  /** ms between retention checks. */
  cleanResourceInterval: number;
  /** Segments deleted per retention round at most. */
  deleteFileBatchMax: number;
  /** Delay levels, for rebuilding SCHEDULE_TOPIC_XXXX ConsumeQueue entries on recovery. */
  messageDelayLevel: string;
}

export const defaultStoreConfig: MessageStoreConfig = {
  storePathRootDir: './store',
  mappedFileSizeCommitLog: 1024 * 1024 * 1024,
  mappedFileSizeConsumeQueue: 300_000 * 20,
  flushDiskType: 'ASYNC_FLUSH',
  brokerRole: 'ASYNC_MASTER',
  flushIntervalCommitLog: 500,
  flushIntervalConsumeQueue: 1000,
  flushConsumeQueueLeastPages: 2,
  flushConsumeQueueThoroughInterval: 60_000,
  maxOpenConsumeQueueFiles: 256,
  syncFlushTimeout: 5000,
  maxMessageSize: 4 * 1024 * 1024,
  fileReservedTime: 72,
  deleteWhen: '04',
  diskMaxUsedSpaceRatio: 75,
  diskSpaceWarningLevelRatio: 90,
  storeHost: '127.0.0.1:10911',
  maxHashSlotNum: 5_000_000,
  maxIndexNum: 20_000_000,
  checkCRCOnRecover: true,
  writeCacheBytes: 64 * 1024 * 1024,
  warmMapedFileEnable: false,
  commitLogWriterThread: false,
  cleanResourceInterval: 10_000,
  deleteFileBatchMax: 10,
  messageDelayLevel: DEFAULT_MESSAGE_DELAY_LEVEL,
};

export function resolveStoreConfig(partial: Partial<MessageStoreConfig>): MessageStoreConfig {
  return { ...defaultStoreConfig, ...partial };
}
