// Dispatch: turns a record that reached the CommitLog file into its ConsumeQueue entry and
// index keys, then tells arrival listeners (long polling). The live path calls it once the
// write covering the record completed; recovery calls it for records found past the
// checkpoint. Arguments are positional so the hot path allocates nothing per record.
import type { Logger } from '@rocketmq-ts/common';
import { isConsumableTransactionType, isRollbackTransactionType } from '@rocketmq-ts/protocol';
import { forEachIndexKeyHash, forEachIndexKeyHashIn, type PreparedRecord } from '../append/record-encoder.js';
import type { ConsumeQueue } from '../consumequeue/consume-queue.js';
import type { ConsumeQueueStore } from '../consumequeue/consume-queue-store.js';
import type { IndexService } from '../index/index-service.js';

export type ArrivalListener = (topic: string, queueId: number, maxOffset: number, tagsCode: number) => void;

export class Dispatcher {
  readonly listeners: ArrivalListener[] = [];
  /** End of the last record dispatched. */
  dispatchedTo = 0;
  lastStoreTimestamp = 0;
  /**
   * Slave: a queue seen first at queue offset n > 0 starts there (a slave that began at the
   * master's last segment never sees the older entries) instead of filling 0…n with holes.
   */
  startQueuesAtFirstOffset = false;

  // Arguments of the index callback, held here so the callback is created once, not per record.
  private keyPhy = 0;
  private keyTime = 0;
  private readonly putKey = (hash: number): void => this.index.putHash(hash, this.keyPhy, this.keyTime);

  constructor(
    private readonly queues: ConsumeQueueStore,
    private readonly index: IndexService,
    private readonly logger: Logger,
  ) {}

  dispatch(
    topic: string,
    queueId: number,
    queueOffset: number,
    phy: number,
    size: number,
    tagsCode: number,
    storeTimestamp: number,
    properties: string,
    sysFlag: number,
    toQueue: boolean,
    toIndex: boolean,
  ): void {
    if (toQueue && isConsumableTransactionType(sysFlag)) {
      const q = this.queues.getOrCreate(topic, queueId);
      if (this.startQueuesAtFirstOffset && q.maxOffset === 0 && q.minOffset === 0 && queueOffset > 0) {
        q.reset(queueOffset, queueOffset);
      }
      this.toQueue(q, queueOffset, phy, size, tagsCode);
    }
    // Rolled-back transaction records are not indexed (as in RocketMQ).
    if (toIndex && !isRollbackTransactionType(sysFlag)) {
      this.keyPhy = phy;
      this.keyTime = storeTimestamp;
      forEachIndexKeyHash(topic, properties, this.putKey);
    }
    if (phy + size > this.dispatchedTo) this.dispatchedTo = phy + size;
    this.lastStoreTimestamp = storeTimestamp;
  }

  /** The live path: a record just written, with its index property positions already known. */
  dispatchPrepared(p: PreparedRecord): void {
    const phy = p.physicalOffset;
    if (p.consumable) {
      this.toQueue(p.queue ?? this.queues.getOrCreate(p.topic, p.queueId), p.queueOffset, phy, p.size, p.tagsCode);
    }
    if (!isRollbackTransactionType(p.sysFlag)) {
      this.keyPhy = phy;
      this.keyTime = p.storeTimestamp;
      forEachIndexKeyHashIn(p.topic, p.properties, p, this.putKey);
    }
    if (phy + p.size > this.dispatchedTo) this.dispatchedTo = phy + p.size;
    this.lastStoreTimestamp = p.storeTimestamp;
  }

  private toQueue(q: ConsumeQueue, offset: number, phy: number, size: number, tagsCode: number): void {
    q.put(offset, phy, size, tagsCode);
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i]!(q.topic, q.queueId, q.maxOffset, tagsCode);
      } catch (e) {
        this.logger.warn({ err: e }, 'message arrival listener threw');
      }
    }
  }
}
