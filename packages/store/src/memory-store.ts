// MessageStore kept entirely in memory: same record bytes, offsets and statuses as the file
// store (both pass tests/conformance.ts), for fast broker tests. Nothing survives shutdown.
import { type Clock, systemClock } from '@rocketmq-ts/common';
import { isRollbackTransactionType, readStoreTimestamp } from '@rocketmq-ts/protocol';
import { AppendOutcome } from './append/append-result.js';
import { indexKeys, type PreparedRecord, RecordEncoder } from './append/record-encoder.js';
import { checkGetOffset, maxScanEntries } from './get-status.js';
import type {
  GetMessageResult,
  MessageInput,
  MessageStore,
  PutMessageResult,
  QueryMessageResult,
  TagsCodeFilter,
} from './message-store.js';
import { type MessageStoreConfig, resolveStoreConfig } from './store-config.js';

interface MemQueue {
  /** Logical offset of entries[0]. */
  base: number;
  phy: number[];
  size: number[];
  tags: number[];
}

type ArrivalListener = (topic: string, queueId: number, maxOffset: number, tagsCode: number) => void;

export class MemoryMessageStore implements MessageStore {
  private readonly config: MessageStoreConfig;
  private readonly clock: Clock;
  private readonly encoder: RecordEncoder;
  /** Records in physical order; `offsets[i]` is the physical offset of `records[i]`. */
  private readonly records: Buffer[] = [];
  private readonly offsets: number[] = [];
  private maxPhy = 0;
  private readonly queueTable = new Map<string, Map<number, MemQueue>>();
  private readonly index = new Map<string, number[]>();
  private readonly listeners: ArrivalListener[] = [];
  private running = false;
  private putCount = 0;
  private putBytes = 0;
  private indexLastUpdateTimestamp = 0;
  private indexLastUpdatePhyoffset = 0;

  constructor(config: Partial<MessageStoreConfig> = {}, deps: { clock?: Clock } = {}) {
    this.config = resolveStoreConfig(config);
    this.clock = deps.clock ?? systemClock;
    this.encoder = new RecordEncoder(
      this.config.storeHost,
      this.config.maxMessageSize,
      this.config.mappedFileSizeCommitLog - 8,
    );
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async shutdown(): Promise<void> {
    this.running = false;
  }

  putMessage(msg: MessageInput): Promise<PutMessageResult> {
    return this.putMessages([msg]);
  }

  putMessages(batch: MessageInput[]): Promise<PutMessageResult> {
    return this.putBatch(batch, false);
  }

  putTogether(batch: MessageInput[]): Promise<PutMessageResult> {
    return this.putBatch(batch, true);
  }

  private async putBatch(batch: MessageInput[], mixed: boolean): Promise<PutMessageResult> {
    if (!this.running) return { status: 'SERVICE_NOT_AVAILABLE' };
    if (batch.length === 0) return { status: 'MESSAGE_ILLEGAL' };
    const first = batch[0]!;
    const prepared: PreparedRecord[] = [];
    let total = 0;
    for (const m of batch) {
      if (!mixed && (m.topic !== first.topic || m.queueId !== first.queueId)) return { status: 'MESSAGE_ILLEGAL' };
      const p = this.encoder.prepare(m);
      if (typeof p === 'string') return { status: p };
      prepared.push(p);
      total += p.size;
    }
    if (total > this.config.mappedFileSizeCommitLog - 8) return { status: 'MESSAGE_ILLEGAL' };
    const now = this.clock.now();
    const wroteOffset = this.maxPhy;
    const fq = this.queue(first.topic, first.queueId);
    const firstLogics = prepared[0]!.consumable ? fq.base + fq.phy.length : 0;
    const ids: number[] = [];
    const arrivals: [string, number, number, number][] = [];
    for (const p of prepared) {
      const q = mixed ? this.queue(p.topic, p.queueId) : fq;
      const phy = this.maxPhy;
      const rec = Buffer.allocUnsafe(p.size);
      p.queueOffset = p.consumable ? q.base + q.phy.length : 0;
      p.physicalOffset = phy;
      p.storeTimestamp = now;
      this.encoder.write(rec, 0, p);
      this.records.push(rec);
      this.offsets.push(phy);
      this.maxPhy += rec.length;
      ids.push(phy);
      if (p.consumable) {
        q.phy.push(phy);
        q.size.push(rec.length);
        q.tags.push(p.tagsCode);
        arrivals.push([p.topic, p.queueId, q.base + q.phy.length, p.tagsCode]);
      }
      if (!isRollbackTransactionType(p.sysFlag)) {
        for (const key of indexKeys(p.topic, p.properties)) {
          const list = this.index.get(key);
          if (list) list.push(phy);
          else this.index.set(key, [phy]);
        }
        this.indexLastUpdateTimestamp = now;
        this.indexLastUpdatePhyoffset = phy;
      }
    }
    this.putCount += batch.length;
    this.putBytes += this.maxPhy - wroteOffset;
    for (const [topic, queueId, next, tagsCode] of arrivals) {
      for (const l of this.listeners) l(topic, queueId, next, tagsCode);
    }
    return {
      status: 'PUT_OK',
      append: new AppendOutcome(
        this.encoder,
        wroteOffset,
        this.maxPhy - wroteOffset,
        firstLogics,
        now,
        batch.length,
        ids.length > 1 ? ids : undefined,
      ),
    };
  }

  async getMessage(
    topic: string,
    queueId: number,
    offset: number,
    maxCount: number,
    maxBytes: number,
    filter?: TagsCodeFilter,
  ): Promise<GetMessageResult> {
    const q = this.queueTable.get(topic)?.get(queueId);
    const min = q ? q.base : 0;
    const max = q ? q.base + q.phy.length : 0;
    const early = checkGetOffset(q !== undefined, offset, min, max);
    if (early || !q) return early!;
    const records: Buffer[] = [];
    let totalSize = 0;
    let i = offset - q.base;
    const scanEnd = Math.min(q.phy.length, i + maxScanEntries(maxCount));
    for (; i < scanEnd && records.length < maxCount; i++) {
      const size = q.size[i]!;
      if (records.length > 0 && totalSize + size > maxBytes) break;
      if (filter && !filter(q.tags[i]!)) continue;
      const rec = this.recordAt(q.phy[i]!);
      if (!rec) continue;
      records.push(rec);
      totalSize += size;
    }
    return {
      status: records.length > 0 ? 'FOUND' : 'NO_MATCHED_MESSAGE',
      nextBeginOffset: q.base + i,
      minOffset: min,
      maxOffset: max,
      records,
      totalSize,
    };
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    const q = this.queueTable.get(topic)?.get(queueId);
    return q ? q.base + q.phy.length : 0;
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.queueTable.get(topic)?.get(queueId)?.base ?? 0;
  }

  async getOffsetInQueueByTime(
    topic: string,
    queueId: number,
    timestamp: number,
    boundary: 'lower' | 'upper' = 'lower',
  ): Promise<number> {
    const q = this.queueTable.get(topic)?.get(queueId);
    if (!q || q.phy.length === 0) return 0;
    return searchByTime(q.base, q.phy.length, timestamp, boundary, (i) => this.timeAt(q.phy[i - q.base]!));
  }

  async getEarliestMessageTime(topic: string, queueId: number): Promise<number> {
    const q = this.queueTable.get(topic)?.get(queueId);
    if (!q || q.phy.length === 0) return -1;
    return this.timeAt(q.phy[0]!);
  }

  async getMessageStoreTimestamp(topic: string, queueId: number, offset: number): Promise<number> {
    const q = this.queueTable.get(topic)?.get(queueId);
    if (!q || offset < q.base || offset >= q.base + q.phy.length) return -1;
    return this.timeAt(q.phy[offset - q.base]!);
  }

  checkInMemByConsumeOffset(): boolean {
    return true;
  }

  async lookMessageByOffset(physicalOffset: number): Promise<Buffer | undefined> {
    return this.recordAt(physicalOffset);
  }

  async queryMessage(
    topic: string,
    key: string,
    maxNum: number,
    begin: number,
    end: number,
  ): Promise<QueryMessageResult> {
    const list = this.index.get(`${topic}#${key}`) ?? [];
    const records: Buffer[] = [];
    // Newest first, as the index file's hash chains run.
    for (let i = list.length - 1; i >= 0 && records.length < maxNum; i--) {
      const rec = this.recordAt(list[i]!);
      if (!rec) continue;
      const t = readStoreTimestamp(rec, 0);
      if (t >= begin && t <= end) records.push(rec);
    }
    return {
      records,
      indexLastUpdateTimestamp: this.indexLastUpdateTimestamp,
      indexLastUpdatePhyoffset: this.indexLastUpdatePhyoffset,
    };
  }

  onMessageArrived(listener: ArrivalListener): void {
    this.listeners.push(listener);
  }

  queues(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [topic, qs] of this.queueTable)
      out.set(
        topic,
        [...qs.keys()].sort((a, b) => a - b),
      );
    return out;
  }

  async deleteTopics(topics: string[]): Promise<void> {
    for (const t of topics) this.queueTable.delete(t);
  }

  getMinPhyOffset(): number {
    return this.offsets[0] ?? this.maxPhy;
  }

  getMaxPhyOffset(): number {
    return this.maxPhy;
  }

  runtimeInfo(): Record<string, string> {
    return {
      commitLogMinOffset: String(this.getMinPhyOffset()),
      commitLogMaxOffset: String(this.maxPhy),
      putMessageTimesTotal: String(this.putCount),
      putMessageSizeTotal: String(this.putBytes),
      dispatchBehindBytes: '0',
      storeType: 'memory',
    };
  }

  private queue(topic: string, queueId: number): MemQueue {
    let qs = this.queueTable.get(topic);
    if (!qs) {
      qs = new Map();
      this.queueTable.set(topic, qs);
    }
    let q = qs.get(queueId);
    if (!q) {
      q = { base: 0, phy: [], size: [], tags: [] };
      qs.set(queueId, q);
    }
    return q;
  }

  private recordAt(phy: number): Buffer | undefined {
    let lo = 0;
    let hi = this.offsets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.offsets[mid]!;
      if (v === phy) return this.records[mid];
      if (v < phy) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  private timeAt(phy: number): number {
    const rec = this.recordAt(phy);
    return rec ? readStoreTimestamp(rec, 0) : -1;
  }
}

/**
 * Binary search over queue offsets [base, base+count) by store time. `lower`: first offset
 * stored at or after `timestamp` (max offset if none); `upper`: last offset stored at or before
 * it (min offset if none). Store times never decrease along a queue.
 */
function searchByTime(
  base: number,
  count: number,
  timestamp: number,
  boundary: 'lower' | 'upper',
  timeAt: (offset: number) => number,
): number {
  let lo = base;
  let hi = base + count; // exclusive
  if (boundary === 'lower') {
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (timeAt(mid) < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (timeAt(mid) <= timestamp) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(base, lo - 1);
}

export function createMemoryStore(
  config: Partial<MessageStoreConfig> = {},
  deps: { clock?: Clock } = {},
): MessageStore {
  return new MemoryMessageStore(config, deps);
}
