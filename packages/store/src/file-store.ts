// The file-backed MessageStore: composition and lifecycle of CommitLog, ConsumeQueues,
// IndexFiles, dispatch, checkpoint/recovery and retention. On-disk formats and the order in
// which bytes become durable are written down in docs/store.md.
import { mkdir } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { type Clock, Fifo, type Logger, silentLogger, systemClock } from '@rocketmq-ts/common';
import { parseDelayLevels } from '@rocketmq-ts/protocol';
import { AppendOutcome } from './append/append-result.js';
import { type PreparedRecord, RecordEncoder } from './append/record-encoder.js';
import { recoverCommitLog } from './checkpoint/recovery.js';
import { AbortMarker, StoreCheckpoint } from './checkpoint/store-checkpoint.js';
import { CommitLog } from './commitlog/commit-log.js';
import { acquireThreadWriter } from './commitlog/record-writer.js';
import { SegmentFiles } from './commitlog/segment-files.js';
import { entryPhy } from './consumequeue/consume-queue.js';
import { ConsumeQueueStore } from './consumequeue/consume-queue-store.js';
import { type ArrivalListener, Dispatcher } from './dispatch/dispatcher.js';
import { FileStoreReader } from './file-store-reader.js';
import { type ReplicaAppendStatus, ReplicaLog } from './ha/replica-log.js';
import { IndexService } from './index/index-service.js';
import type {
  GetMessageResult,
  MessageInput,
  MessageStore,
  PutMessageResult,
  PutMessageStatus,
  QueryMessageResult,
  TagsCodeFilter,
} from './message-store.js';
import { RetentionService } from './retention/retention-service.js';
import { type BrokerRole, type MessageStoreConfig, resolveStoreConfig } from './store-config.js';

export type { ReplicaAppendStatus } from './ha/replica-log.js';
/** SYNC_MASTER: turns an append's result into the answer after the slave's ack (ha/). */
export type ReplicationGate = (result: PutMessageResult) => PutMessageResult | Promise<PutMessageResult>;

export interface FileStoreDeps {
  logger?: Logger;
  clock?: Clock;
  /** Test hook for retention: disk usage percentage. */
  diskUsage?: () => Promise<number>;
  /** Fault injection: awaited before each CommitLog fdatasync (slow-disk tests). */
  beforeSync?: () => Promise<void>;
}

/** An append waiting for its ack: the log offset it ends at, its result, and when it was queued (SYNC_FLUSH). */
interface AckWaiter {
  end: number;
  result: PutMessageResult;
  resolve: (r: PutMessageResult) => void;
  since: number;
}
const noResolve = (): void => {};

export class FileMessageStore implements MessageStore {
  readonly config: MessageStoreConfig;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly encoder: RecordEncoder;
  private readonly segments: SegmentFiles;
  private readonly commitLog: CommitLog;
  private readonly cqStore: ConsumeQueueStore;
  private readonly index: IndexService;
  private readonly dispatcher: Dispatcher;
  private readonly reader: FileStoreReader;
  private readonly checkpoint: StoreCheckpoint;
  private readonly abort: AbortMarker;
  readonly retention: RetentionService;
  private readonly sync: boolean;
  /** Records written to the CommitLog buffer, waiting for their write to complete (then dispatch). */
  private readonly pending = new Fifo<PreparedRecord>();
  /** Acks waiting for a write (ASYNC_FLUSH) or an fdatasync (SYNC_FLUSH), in log order. */
  private readonly ackWaiters = new Fifo<AckWaiter>();
  /** The waiter of the append being placed: its promise's executor fills in `resolve`. */
  private placing: AckWaiter | undefined;
  /** One executor for every append's promise (no closure per append). */
  private readonly captureResolve = (resolve: (r: PutMessageResult) => void): void => {
    this.placing!.resolve = resolve;
  };
  private running = false;
  private writeFailed = false;
  private timers: NodeJS.Timeout[] = [];
  private checkpointing: Promise<void> | undefined;
  /** SYNC_FLUSH timeout sweeper: keeps the process alive only while appends wait on it. */
  private expiryTimer: NodeJS.Timeout | undefined;
  private expiryRef = false;
  private nowCache = -1;
  private readonly forgetNow = (): void => {
    this.nowCache = -1;
  };
  private putCount = 0;
  private putBytes = 0;
  private checkpointCovered = 0;
  /** Completed checkpoint passes (runtimeInfo): lets a caller wait for a pass that began after its writes. */
  private checkpointPasses = 0;
  private lastThoroughFlush = 0;
  private logicsTimestamp = 0;
  private indexCovered = 0;
  private indexTimestamp = 0;
  private startTimestamp = 0;
  private role: BrokerRole;
  /** Slave: appends of replicated bytes, their dispatch, and tail cuts. */
  private readonly replica: ReplicaLog;
  /** Told (written, flushed) whenever either CommitLog position moves (HA reports and wake-ups). */
  private readonly progressListeners: Array<(written: number, flushed: number) => void> = [];
  private gate: ReplicationGate | undefined;
  /** Controller mode: appends refused while it answers false (the master lease). */
  private writeFence: (() => boolean | PutMessageStatus) | undefined;
  /** Where the last start-up scan began and ended (tests, runtime info). */
  lastRecovery = { scannedFrom: 0, logEnd: 0, records: 0, truncated: false };

  constructor(config: Partial<MessageStoreConfig>, deps: FileStoreDeps = {}) {
    this.config = resolveStoreConfig(config);
    const c = this.config;
    this.logger = (deps.logger ?? silentLogger).child({ component: 'store' });
    this.clock = deps.clock ?? systemClock;
    this.sync = c.flushDiskType === 'SYNC_FLUSH';
    this.role = c.brokerRole;
    this.encoder = new RecordEncoder(c.storeHost, c.maxMessageSize, c.mappedFileSizeCommitLog - 8);
    const root = c.storePathRootDir;
    this.segments = new SegmentFiles(
      join(root, 'commitlog'),
      c.mappedFileSizeCommitLog,
      this.logger,
      c.warmMapedFileEnable,
    );
    this.commitLog = new CommitLog(
      this.segments,
      c.writeCacheBytes,
      {
        onWritten: (pos) => this.onWritten(pos),
        onFlushed: (pos) => this.onFlushed(pos),
        onWriteError: () => {
          this.writeFailed = true;
        },
      },
      this.logger,
      deps.beforeSync,
    );
    this.cqStore = new ConsumeQueueStore(
      join(root, 'consumequeue'),
      c.mappedFileSizeConsumeQueue,
      this.logger,
      c.maxOpenConsumeQueueFiles,
    );
    this.index = new IndexService(join(root, 'index'), c.maxHashSlotNum, c.maxIndexNum, this.clock, this.logger);
    this.dispatcher = new Dispatcher(this.cqStore, this.index, this.logger);
    this.dispatcher.startQueuesAtFirstOffset = this.role === 'SLAVE';
    this.reader = new FileStoreReader(this.cqStore, this.commitLog, this.segments, this.index);
    this.checkpoint = new StoreCheckpoint(join(root, 'checkpoint'));
    this.abort = new AbortMarker(join(root, 'abort'));
    this.retention = new RetentionService({
      config: c,
      segments: this.segments,
      commitLog: this.commitLog,
      queues: this.cqStore,
      index: this.index,
      clock: this.clock,
      logger: this.logger,
      dispatchedTo: () => this.dispatcher.dispatchedTo,
      ...(deps.diskUsage ? { diskUsage: deps.diskUsage } : {}),
    });
    this.replica = new ReplicaLog({
      config: c,
      commitLog: this.commitLog,
      segments: this.segments,
      dispatcher: this.dispatcher,
      cqStore: this.cqStore,
      logger: this.logger,
      writeCheckpoint: () => this.writeCheckpoint(true),
    });
  }

  async start(): Promise<void> {
    const c = this.config;
    await mkdir(c.storePathRootDir, { recursive: true });
    const abnormal = await this.abort.exists();
    const cp = await this.checkpoint.read();
    const cqMissing = !(await this.cqStore.exists());
    await this.segments.load();
    await this.index.load();
    const indexMissing = this.index.files.length === 0;
    const minPhy = this.segments.list[0]?.start ?? 0;
    if (!cqMissing) await this.cqStore.load(minPhy, Number.MAX_SAFE_INTEGER);
    this.logger.info({ abnormal, checkpoint: cp !== undefined, cqMissing }, 'store recovering');
    const r = await recoverCommitLog({
      segments: this.segments,
      dispatcher: this.dispatcher,
      checkpoint: cp,
      consumeQueueMissing: cqMissing,
      abnormal,
      indexMissing,
      verifyCrc: c.checkCRCOnRecover,
      delayLevels: parseDelayLevels(c.messageDelayLevel),
      logger: this.logger,
    });
    this.lastRecovery = r;
    await this.cqStore.truncateAbove(r.logEnd);
    this.commitLog.setEnd(r.logEnd);
    this.dispatcher.dispatchedTo = r.logEnd;
    // Both exist from now on, so a later start can tell "deleted" from "never used".
    await mkdir(this.cqStore.dir, { recursive: true });
    await this.index.ensureFile();
    await this.writeCheckpoint(true);
    await this.abort.create();
    if (c.commitLogWriterThread) this.commitLog.writer = await acquireThreadWriter(this.logger);
    this.startTimestamp = this.clock.now();
    if (!this.sync) this.every(c.flushIntervalCommitLog, () => this.commitLog.requestFlush());
    else {
      this.expiryTimer = this.every(Math.max(10, Math.min(100, c.syncFlushTimeout / 10)), () =>
        this.expireSyncWaiters(),
      );
    }
    this.every(c.flushIntervalConsumeQueue, () => void this.writeCheckpoint());
    this.every(c.cleanResourceInterval, () => {
      this.retention.runOnce().catch((e) => this.logger.error({ err: e }, 'retention round failed'));
    });
    this.running = true;
  }

  async shutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.commitLog.drain();
    this.commitLog.stop();
    this.expireSyncWaiters(true);
    // A periodic checkpoint may be running; it started before the last records were
    // dispatched, so reusing it would leave their ConsumeQueue entries unflushed behind a
    // clean-shutdown marker. Let it finish, then take one that covers everything.
    await this.checkpointing;
    await this.writeCheckpoint(true);
    await this.abort.remove();
    await this.checkpoint.close();
    this.cqStore.close();
    await this.index.close();
    await this.segments.closeAll();
  }

  putMessage(msg: MessageInput): Promise<PutMessageResult> {
    const refused = this.refusal();
    if (refused) return refused;
    const p = this.encoder.prepare(msg);
    if (typeof p === 'string') return Promise.resolve({ status: p });
    const acked = this.append(p, undefined, p.size);
    return this.gate ? acked.then(this.gate) : acked;
  }

  putMessages(batch: MessageInput[]): Promise<PutMessageResult> {
    return this.putBatch(batch, false);
  }

  putTogether(batch: MessageInput[]): Promise<PutMessageResult> {
    return this.putBatch(batch, true);
  }

  private putBatch(batch: MessageInput[], mixed: boolean): Promise<PutMessageResult> {
    const refused = this.refusal();
    if (refused) return refused;
    const first = batch[0];
    if (!first) return Promise.resolve({ status: 'MESSAGE_ILLEGAL' });
    const prepared: PreparedRecord[] = [];
    let total = 0;
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i]!;
      if (!mixed && (m.topic !== first.topic || m.queueId !== first.queueId))
        return Promise.resolve({ status: 'MESSAGE_ILLEGAL' });
      const p = this.encoder.prepare(m);
      if (typeof p === 'string') return Promise.resolve({ status: p });
      prepared.push(p);
      total += p.size;
    }
    if (total > this.config.mappedFileSizeCommitLog - 8) return Promise.resolve({ status: 'MESSAGE_ILLEGAL' });
    const acked = this.append(prepared[0]!, prepared, total, mixed);
    return this.gate ? acked.then(this.gate) : acked;
  }

  private refusal(): Promise<PutMessageResult> | undefined {
    // A slave's log is the master's: local appends are refused (RocketMQ 4.x answers the same).
    if (this.running && !this.writeFailed && !this.retention.diskFull && this.role !== 'SLAVE') {
      const fence = this.writeFence === undefined ? true : this.writeFence();
      if (fence === true) return undefined;
      if (fence !== false) return Promise.resolve({ status: fence });
    }
    return Promise.resolve({ status: 'SERVICE_NOT_AVAILABLE' });
  }

  /** Places records (one, or a batch in `all`) in the log; the promise settles at ack time. */
  private append(
    one: PreparedRecord,
    all: PreparedRecord[] | undefined,
    total: number,
    mixed = false,
  ): Promise<PutMessageResult> {
    const q =
      !mixed && (all ? all.some((p) => p.consumable) : one.consumable)
        ? this.cqStore.getOrCreate(one.topic, one.queueId)
        : undefined;
    const alloc = this.commitLog.allocate(total);
    const now = this.turnNow();
    let pos = alloc.pos;
    let phy = alloc.physicalOffset;
    const n = all ? all.length : 1;
    const offsets = all ? new Array<number>(n) : undefined;
    for (let i = 0; i < n; i++) {
      const p = all ? all[i]! : one;
      if (offsets) offsets[i] = phy;
      const pq = mixed && p.consumable ? this.cqStore.getOrCreate(p.topic, p.queueId) : q;
      p.queueOffset = p.consumable && pq ? pq.assigned++ : 0;
      p.queue = pq;
      p.physicalOffset = phy;
      p.storeTimestamp = now;
      const size = this.encoder.write(alloc.buf, pos, p, false);
      this.pending.push(p);
      pos += size;
      phy += size;
    }
    this.putCount += n;
    this.putBytes += total;
    this.commitLog.commit();
    const append = new AppendOutcome(this.encoder, alloc.physicalOffset, total, one.queueOffset, now, n, offsets);
    const waiter: AckWaiter = {
      end: phy,
      result: { status: 'PUT_OK', append },
      resolve: noResolve,
      since: this.sync ? Date.now() : 0,
    };
    this.ackWaiters.push(waiter);
    this.placing = waiter;
    if (this.expiryTimer && !this.expiryRef) {
      this.expiryTimer.ref();
      this.expiryRef = true;
    }
    const promise = new Promise(this.captureResolve);
    this.placing = undefined;
    return promise;
  }

  /** One clock read per event-loop turn: every append of a turn gets the same store time. */
  private turnNow(): number {
    if (this.nowCache < 0) {
      this.nowCache = this.clock.now();
      queueMicrotask(this.forgetNow);
    }
    return this.nowCache;
  }

  /** The write covering everything below `pos` completed: dispatch, then ack (async flush). */
  private onWritten(pos: number): void {
    this.writeFailed = false;
    // Replication first: a slave reports (and a master pushes) before dispatch spends its time on
    // ConsumeQueues and the index, which the acknowledgement does not wait for.
    this.tellProgress();
    const pend = this.pending;
    const d = this.dispatcher;
    for (let p = pend.peek(); p !== undefined && p.physicalOffset + p.size <= pos; p = pend.peek()) {
      d.dispatchPrepared(p);
      pend.shift();
    }
    this.replica.written(pos);
    if (this.sync) {
      if (!this.ackWaiters.isEmpty || this.replica.active) this.commitLog.requestFlush();
    } else {
      this.ackUpTo(pos, undefined);
    }
  }

  private onFlushed(pos: number): void {
    if (this.sync) this.ackUpTo(pos, undefined);
    this.tellProgress();
  }

  private tellProgress(): void {
    const ls = this.progressListeners;
    for (let i = 0; i < ls.length; i++) ls[i]!(this.commitLog.writtenPos, this.commitLog.flushedPos);
  }

  // ---- Replication (ha/): see docs/replication.md ----

  get brokerRole(): BrokerRole {
    return this.role;
  }

  /** Switches between master and slave (a SLAVE refuses appends). */
  setBrokerRole(role: BrokerRole): void {
    this.role = role;
    this.dispatcher.startQueuesAtFirstOffset = role === 'SLAVE';
  }

  /**
   * Controller mode: checked at every append's admission, before anything is placed in the log;
   * false refuses it as a slave is refused (a master past its lease must not append); a status
   * refuses it with that status (IN_SYNC_REPLICAS_NOT_ENOUGH).
   */
  setWriteFence(fence: (() => boolean | PutMessageStatus) | undefined): void {
    this.writeFence = fence;
  }

  /**
   * Controller mode (RocketMQ's readUnCommitted=false): pulls and pops return only records whose
   * CommitLog end is at most `bound()` (the confirm offset: held by every SyncStateSet member).
   * Undefined (classic mode) reads everything dispatched.
   */
  setReadBound(bound: (() => number) | undefined): void {
    this.reader.readBound = bound;
  }

  /** SYNC_MASTER: every append's answer passes through `gate` (undefined removes it). */
  setReplicationGate(gate: ReplicationGate | undefined): void {
    this.gate = gate;
  }

  onReplicaProgress(listener: (written: number, flushed: number) => void): void {
    this.progressListeners.push(listener);
  }

  /** The CommitLog position a slave acknowledges: in the page cache (ASYNC_FLUSH) or durable (SYNC_FLUSH). */
  replicaAckOffset(): number {
    return this.sync ? this.commitLog.flushedPos : this.commitLog.writtenPos;
  }

  get commitLogSegmentSize(): number {
    return this.config.mappedFileSizeCommitLog;
  }

  /** Master: up to `max` written CommitLog bytes from `offset`, within one segment. */
  readReplicaData(offset: number, max: number): Promise<Buffer | undefined> | undefined {
    if (offset < this.getMinPhyOffset()) return undefined;
    return this.commitLog.readAvailable(offset, max);
  }

  /** Master: the same bytes as readReplicaData if still in the write cache (a view, no copy). */
  readReplicaCached(offset: number, max: number): Buffer | undefined {
    if (offset < this.getMinPhyOffset()) return undefined;
    return this.commitLog.readAvailableCached(offset, max);
  }

  /**
   * Slave: appends bytes replicated from the master at `offset`, which must be this log's
   * end; an empty log starts at `offset` (the master's last segment, for a new slave).
   * `data` is kept until its records are dispatched: the caller must not reuse it.
   */
  appendReplicated(offset: number, data: Buffer): ReplicaAppendStatus {
    if (!this.running) return 'NOT_RUNNING';
    const status = this.replica.append(offset, data);
    if (status === 'OK') this.putBytes += data.length;
    return status;
  }

  /**
   * Controller mode: the end of the last complete record (replicated frames may stop inside a
   * record). Call after `drainReplica`.
   */
  replicaCompleteEnd(): number {
    return this.replica.completeEnd();
  }

  /** Waits until every replicated or appended byte is written (and synced with SYNC_FLUSH). */
  drainReplica(): Promise<void> {
    return this.commitLog.drain();
  }

  /**
   * Controller mode: cuts the log back to `offset` (a record boundary) while running as a slave
   * or during a role change (ha/replica-log.ts).
   */
  truncateTail(offset: number): Promise<void> {
    return this.replica.truncateTail(offset);
  }

  private ackUpTo(pos: number, status: 'FLUSH_DISK_TIMEOUT' | undefined): void {
    const waiters = this.ackWaiters;
    for (let w = waiters.peek(); w !== undefined && w.end <= pos; w = waiters.peek()) {
      waiters.shift();
      if (status) w.result.status = status;
      w.resolve(w.result);
    }
    if (waiters.isEmpty && this.expiryRef) {
      this.expiryTimer?.unref();
      this.expiryRef = false;
    }
  }

  /** SYNC_FLUSH: answer FLUSH_DISK_TIMEOUT to appends whose fdatasync is overdue (or all, at shutdown). */
  private expireSyncWaiters(all = false): void {
    const limit = Date.now() - this.config.syncFlushTimeout;
    const waiters = this.ackWaiters;
    let i = 0;
    while (i < waiters.size && (all || waiters.at(i)!.since <= limit)) i++;
    if (i > 0) this.ackUpTo(waiters.at(i - 1)!.end, 'FLUSH_DISK_TIMEOUT');
  }

  /**
   * Flush ConsumeQueues and index, then record how far they and the CommitLog are durable.
   * A periodic pass flushes only queues with flushConsumeQueueLeastPages dirty pages, so
   * cqCovered stops at the first entry still in memory; a thorough pass (start, shutdown,
   * every flushConsumeQueueThoroughInterval) flushes every dirty queue and the index file.
   */
  private writeCheckpoint(thorough = false): Promise<void> {
    if (this.checkpointing) return this.checkpointing;
    const c = this.config;
    const run = async (): Promise<void> => {
      const covered = this.dispatcher.dispatchedTo;
      const lastTime = this.dispatcher.lastStoreTimestamp;
      const now = Date.now();
      const full = thorough || now - this.lastThoroughFlush >= c.flushConsumeQueueThoroughInterval;
      const cqBound = await this.cqStore.flush(full ? 0 : c.flushConsumeQueueLeastPages);
      if (full) this.lastThoroughFlush = now;
      const cqCovered = Math.min(covered, cqBound);
      // RocketMQ's logics timestamp moves only with what is covered.
      if (cqCovered === covered) this.logicsTimestamp = lastTime;
      if (full) {
        // The index file is flushed on thorough passes only (and when it fills up and rolls):
        // with random keys every 1 s pass rewrote most of its 20 MB slot table and fdatasync'd it.
        await this.index.flush();
        this.indexCovered = covered;
        this.indexTimestamp = lastTime;
      }
      await this.checkpoint.write({
        physicMsgTimestamp: lastTime,
        logicsMsgTimestamp: this.logicsTimestamp,
        indexMsgTimestamp: this.indexTimestamp,
        logFlushedOffset: this.commitLog.flushedPos,
        cqCoveredOffset: cqCovered,
        indexCoveredOffset: this.indexCovered,
      });
      this.checkpointCovered = cqCovered;
      this.checkpointPasses++;
    };
    this.checkpointing = run()
      .catch((e) => this.logger.error({ err: e }, 'checkpoint failed'))
      .finally(() => {
        this.checkpointing = undefined;
      });
    return this.checkpointing;
  }

  private every(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
    return t;
  }

  getMessage(
    topic: string,
    queueId: number,
    offset: number,
    maxCount: number,
    maxBytes: number,
    filter?: TagsCodeFilter,
  ): Promise<GetMessageResult> {
    return this.reader.getMessage(topic, queueId, offset, maxCount, maxBytes, filter);
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    const q = this.cqStore.get(topic, queueId);
    return q ? this.reader.visibleMaxOffset(q) : 0;
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.cqStore.get(topic, queueId)?.minOffset ?? 0;
  }

  async getOffsetInQueueByTime(
    topic: string,
    queueId: number,
    timestamp: number,
    boundary: 'lower' | 'upper' = 'lower',
  ): Promise<number> {
    const q = this.cqStore.get(topic, queueId);
    return q ? this.reader.offsetByTime(q, timestamp, boundary) : 0;
  }

  async getEarliestMessageTime(topic: string, queueId: number): Promise<number> {
    const q = this.cqStore.get(topic, queueId);
    return q && q.minOffset < q.maxOffset ? this.reader.timeAt(q, q.minOffset) : -1;
  }

  async getMessageStoreTimestamp(topic: string, queueId: number, offset: number): Promise<number> {
    const q = this.cqStore.get(topic, queueId);
    if (!q || offset < q.minOffset || offset >= q.maxOffset) return -1;
    return this.reader.timeAt(q, offset);
  }

  checkInMemByConsumeOffset(topic: string, queueId: number, offset: number): boolean {
    const v = this.cqStore.get(topic, queueId)?.memoryView(offset, 1);
    if (!v) return false;
    const phy = entryPhy(v.buf, v.pos);
    // RocketMQ's rule: within 40 % of RAM from the tail is assumed to be in the page cache.
    return phy >= this.commitLog.cacheStart() || this.commitLog.appendPos - phy < totalmem() * 0.4;
  }

  lookMessageByOffset(physicalOffset: number): Promise<Buffer | undefined> {
    return this.reader.lookMessageByOffset(physicalOffset);
  }

  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryMessageResult> {
    return this.reader.queryMessage(topic, key, maxNum, begin, end);
  }

  onMessageArrived(listener: ArrivalListener): void {
    this.dispatcher.listeners.push(listener);
  }

  queues(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [topic, qs] of this.cqStore.table)
      out.set(
        topic,
        [...qs.keys()].sort((a, b) => a - b),
      );
    return out;
  }

  async deleteTopics(topics: string[]): Promise<void> {
    for (const t of topics) await this.cqStore.deleteTopic(t);
  }

  getMinPhyOffset(): number {
    return this.reader.minPhy();
  }

  getMaxPhyOffset(): number {
    return this.commitLog.appendPos;
  }

  runtimeInfo(): Record<string, string> {
    return {
      commitLogMinOffset: String(this.getMinPhyOffset()),
      commitLogMaxOffset: String(this.commitLog.appendPos),
      commitLogFlushedOffset: String(this.commitLog.flushedPos),
      commitLogDiskRatio: String(this.retention.lastUsage / 100),
      putMessageTimesTotal: String(this.putCount),
      putMessageSizeTotal: String(this.putBytes),
      dispatchBehindBytes: String(this.commitLog.appendPos - this.dispatcher.dispatchedTo),
      pageCacheLockTimeMills: '0',
      commitLogWriteCalls: String(this.commitLog.writes),
      commitLogSyncCalls: String(this.commitLog.syncs),
      checkpointCoveredOffset: String(this.checkpointCovered),
      checkpointPasses: String(this.checkpointPasses),
      consumeQueueOpenFiles: String(this.cqStore.openFiles),
      consumeQueueSyncCalls: String(this.cqStore.syncs),
      startAcceptSendRequestTimeStamp: String(this.startTimestamp),
      storeType: 'file',
    };
  }
}

export function createFileStore(config: Partial<MessageStoreConfig>, deps: FileStoreDeps = {}): FileMessageStore {
  return new FileMessageStore(config, deps);
}
