import type { Clock, Logger } from '@rocketmq-ts/common';
import {
  buildExtraInfo,
  createResponse,
  decodeStoredRecord,
  encodeProperties,
  encodeStoredRecord,
  type HeaderType,
  isRetryTopic,
  MessageConst,
  msgOffsetEntry,
  orderCountEntry,
  Perm,
  POP_ORDER_REVIVE_QUEUE,
  PopMessageRequestHeader,
  type PopRetryFlag,
  parseHost,
  popRetryFlagOf,
  popRetryTopicV1,
  popRetryTopicV2,
  queueOrderCountEntry,
  RecordOffset,
  type RemotingCommand,
  ResponseCode,
  readInt64,
  startOffsetEntry,
} from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import type { MessageStore } from '@rocketmq-ts/store';
import { decodeHeader, reply } from '../processors/request-util.js';
import {
  getFilteredMessages,
  MATCH_ALL,
  type MessageFilter,
  subscriptionFilter,
} from '../processors/subscription-filter.js';
import type {
  BrokerIdentity,
  ConsumerOffsetStore,
  SubscriptionGroupRegistry,
  TopicRegistry,
} from '../runtime/ports.js';
import type { ConsumerOrderInfo } from './order-info.js';
import type { PopLongPolling } from './pop-long-polling.js';
import { checkpointRecord } from './pop-records.js';
import { checkReadableQueue, groupNotExist } from './pop-replies.js';
import type { PopSettings } from './pop-settings.js';
import { QueueLocks } from './queue-lock.js';

type PopHeader = HeaderType<typeof PopMessageRequestHeader>;

/** maxMsgNums above this is INVALID_PARAMETER (RocketMQ). */
export const MAX_POP_MSG_NUMS = 32;
/** `now − bornTime − pollTime` beyond this answers POLLING_TIMEOUT at once. */
const TIMEOUT_TOO_MUCH_MS = 500;
const ConsumeInitMode = { MIN: 0, MAX: 1 } as const;

export interface PopDeps {
  settings: PopSettings;
  identity: BrokerIdentity;
  brokerPermission(): number;
  enablePropertyFilter: boolean;
  store: Pick<
    MessageStore,
    'getMessage' | 'putMessage' | 'getMaxOffsetInQueue' | 'getMinOffsetInQueue' | 'checkInMemByConsumeOffset'
  >;
  topics: Pick<TopicRegistry, 'get'>;
  groups: Pick<SubscriptionGroupRegistry, 'getOrCreate'>;
  offsets: Pick<ConsumerOffsetStore, 'query' | 'commit'>;
  polling: PopLongPolling;
  clock: Clock;
  logger: Logger;
  stats?: { addGet(group: string, messages: number): void };
  /** rocketmq_messages_out_total / throughput_out per (topic, group). */
  metrics?: { recordGet(topic: string, group: string, queueId: number, messages: number, bytes: number): void };
  /** FIFO pop state; without it `order=true` pops are served as ordinary pops. */
  order?: ConsumerOrderInfo;
  /** Source of randomness (retry-first choice, start queue); tests pin it. */
  random?: () => number;
  /** Messages of a group's queue handed out and not acked yet (enablePopMessageThreshold). */
  inflight?: (group: string, topic: string, queueId: number) => number;
}

/** Messages popped from one queue of one topic in one request. */
interface PoppedBatch {
  topic: string;
  queueId: number;
  flag: PopRetryFlag;
  startOffset: number;
  offsets: number[];
  records: Buffer[];
  /** FIFO: times each message was handed out before (orderCountInfo). */
  counts?: number[];
}

interface PopContext {
  h: PopHeader;
  popTime: number;
  reviveQid: number;
  filter: MessageFilter;
  batches: PoppedBatch[];
  found: number;
  restNum: number;
}

/**
 * POP_MESSAGE (200050). Checks in RocketMQ's order, then reads the retry topic and the topic
 * (retry first for popFromRetryProbability % of requests), one queue at a time under that
 * queue's lock: read from the pop offset, append the checkpoint, move the pop offset past
 * what was read. Nothing found: suspend until an arrival or pollTime, then run once more.
 */
export class PopMessageProcessor {
  private reviveCounter = 0;
  readonly locks = new QueueLocks();

  constructor(private readonly deps: PopDeps) {}

  readonly handle = (request: RemotingCommand, conn: Connection): Promise<RemotingCommand | undefined> => {
    const decoded = decodeHeader(PopMessageRequestHeader, request);
    if (!decoded.ok) return Promise.resolve(decoded.response);
    const h = decoded.value;
    // bornTime 0 means "now" (the Java cluster proxy sends 0); fixed once for the re-runs.
    if (h.bornTime === 0) h.bornTime = this.deps.clock.now();
    return this.process(request, conn, h, true);
  };

  private async process(
    request: RemotingCommand,
    conn: Connection,
    h: PopHeader,
    allowSuspend: boolean,
  ): Promise<RemotingCommand | undefined> {
    const { settings, clock, topics } = this.deps;
    const now = clock.now();
    if (allowSuspend && now - h.bornTime - h.pollTime > TIMEOUT_TOO_MUCH_MS) {
      return reply(
        request,
        ResponseCode.POLLING_TIMEOUT,
        `the broker[${settings.brokerName}] pop message is timeout too much`,
      );
    }
    if ((this.deps.brokerPermission() & Perm.READ) === 0) {
      return reply(request, ResponseCode.NO_PERMISSION, `the broker[${settings.brokerName}] pop message is forbidden`);
    }
    if (h.maxMsgNums > MAX_POP_MSG_NUMS) {
      return reply(
        request,
        ResponseCode.INVALID_PARAMETER,
        `the broker[${settings.brokerName}] pop message's num is greater than 32`,
      );
    }
    const checked = checkReadableQueue(topics, request, conn, h.topic, h.queueId);
    if (!checked.ok) return checked.response;
    const topic = checked.topic;
    const group = await this.deps.groups.getOrCreate(h.consumerGroup);
    if (group === undefined) {
      return groupNotExist(request, h.consumerGroup);
    }
    if (!group.consumeEnable) {
      return reply(request, ResponseCode.NO_PERMISSION, `subscription group no permission, ${h.consumerGroup}`);
    }
    // The pull path's filter: TAG on the ConsumeQueue hash, SQL92 on the record.
    const sub = subscriptionFilter(h.expType, h.exp, this.deps.enablePropertyFilter);
    if (!sub.ok) return reply(request, sub.error.code, sub.error.remark);
    const filter = sub.value;

    const retryTopics = this.retryTopicsToRead(h);
    this.deps.polling.watch(h.topic, [
      popRetryTopicV1(h.consumerGroup, h.topic),
      popRetryTopicV2(h.consumerGroup, h.topic),
    ]);
    const waitQueue = h.queueId < 0 ? -1 : h.queueId;
    const mark = this.deps.polling.mark(h.topic, waitQueue);

    const ctx: PopContext = {
      h,
      popTime: now,
      reviveQid: this.isOrder(h) ? POP_ORDER_REVIVE_QUEUE : this.reviveCounter++ % settings.reviveQueueNum,
      filter,
      batches: [],
      found: 0,
      restNum: 0,
    };
    const queueIds = this.queueOrder(h.queueId, topic.readQueueNums);
    const readRetry = async () => {
      for (const rt of retryTopics) if (topics.get(rt) !== undefined) await this.popQueues(ctx, rt, [0], MATCH_ALL);
    };
    const readNormal = () => this.popQueues(ctx, h.topic, queueIds, filter);
    if (this.random() * 100 < settings.popFromRetryProbability) {
      await readRetry();
      if (ctx.found < h.maxMsgNums) await readNormal();
    } else {
      await readNormal();
      if (ctx.found < h.maxMsgNums) await readRetry();
    }

    if (ctx.found === 0 && allowSuspend && h.pollTime > 0) {
      const deadline = h.bornTime + h.pollTime;
      const held = this.deps.polling.suspend(
        { topic: h.topic, group: h.consumerGroup, queueId: waitQueue },
        mark,
        Math.max(0, deadline - clock.now()),
        conn,
        filter.tags,
        () => this.process(request, conn, h, this.deps.clock.now() < deadline),
      );
      if (held === 'full') return this.respond(request, ctx, ResponseCode.POLLING_FULL, 'the polling queue is full');
      if (held !== 'stopped') return held;
    }
    if (ctx.found === 0) return this.respond(request, ctx, ResponseCode.POLLING_TIMEOUT, 'NO_MESSAGE_IN_QUEUE');
    this.deps.stats?.addGet(h.consumerGroup, ctx.found);
    const metrics = this.deps.metrics;
    if (metrics !== undefined) {
      for (const b of ctx.batches) {
        let bytes = 0;
        for (const r of b.records) bytes += r.length;
        metrics.recordGet(b.topic, h.consumerGroup, b.queueId, b.records.length, bytes);
      }
    }
    return this.respond(request, ctx, ResponseCode.SUCCESS, 'FOUND');
  }

  private isOrder(h: PopHeader): boolean {
    return h.order === true && this.deps.order !== undefined;
  }

  private retryTopicsToRead(h: PopHeader): string[] {
    if (this.isOrder(h)) return [];
    const { enableRetryTopicV2, retrieveMessageFromPopRetryTopicV1 } = this.deps.settings;
    const v1 = popRetryTopicV1(h.consumerGroup, h.topic);
    if (!enableRetryTopicV2) return [v1];
    const v2 = popRetryTopicV2(h.consumerGroup, h.topic);
    // While migrating from v1, a request reads one of the two.
    if (retrieveMessageFromPopRetryTopicV1 && this.random() < 0.5) return [v1];
    return [v2];
  }

  private queueOrder(queueId: number, readQueueNums: number): number[] {
    if (queueId >= 0) return [queueId];
    const start = Math.floor(this.random() * readQueueNums);
    return Array.from({ length: readQueueNums }, (_, i) => (start + i) % readQueueNums);
  }

  private random(): number {
    return (this.deps.random ?? Math.random)();
  }

  private async popQueues(
    ctx: PopContext,
    topic: string,
    queueIds: readonly number[],
    filter: MessageFilter,
  ): Promise<void> {
    // Queues another pop holds are passed over first (as RocketMQ's try-lock), so concurrent
    // pops spread over the queues; they are waited for only when the free ones had nothing,
    // so a long poll is never suspended while a held queue may have messages (#8472).
    const held: number[] = [];
    for (const q of queueIds) {
      const key = `${topic}@${ctx.h.consumerGroup}@${q}`;
      if (queueIds.length > 1 && this.locks.isLocked(key)) held.push(q);
      else await this.popLocked(ctx, topic, q, key, filter);
    }
    for (const q of held) {
      if (ctx.found > 0) ctx.restNum += this.backlog(ctx, topic, q);
      else await this.popLocked(ctx, topic, q, `${topic}@${ctx.h.consumerGroup}@${q}`, filter);
    }
  }

  private async popLocked(
    ctx: PopContext,
    topic: string,
    q: number,
    key: string,
    filter: MessageFilter,
  ): Promise<void> {
    const want = ctx.h.maxMsgNums - ctx.found;
    if (want <= 0) {
      ctx.restNum += this.backlog(ctx, topic, q);
      return;
    }
    const batch = await this.locks.run(key, () => this.popQueue(ctx, topic, q, want, filter));
    if (batch) {
      ctx.batches.push(batch);
      ctx.found += batch.records.length;
    }
  }

  private backlog(ctx: PopContext, topic: string, q: number): number {
    return Math.max(0, this.deps.store.getMaxOffsetInQueue(topic, q) - this.currentOffset(ctx, topic, q));
  }

  private currentOffset(ctx: PopContext, topic: string, q: number): number {
    const committed = this.deps.offsets.query(ctx.h.consumerGroup, topic, q);
    return committed >= 0 ? committed : Math.max(0, this.deps.store.getMinOffsetInQueue(topic, q));
  }

  /** Runs under the queue's lock. */
  private async popQueue(
    ctx: PopContext,
    topic: string,
    queueId: number,
    want: number,
    filter: MessageFilter,
  ): Promise<PoppedBatch | undefined> {
    const { store, offsets, settings } = this.deps;
    const group = ctx.h.consumerGroup;
    let offset = this.popOffset(group, topic, queueId, ctx.h.initMode);
    const order = this.isOrder(ctx.h) ? this.deps.order : undefined;
    if (order?.blocked(topic, group, queueId, ctx.h.attemptId)) {
      // Another consumer holds this FIFO queue until its messages are acked or visible again.
      ctx.restNum += Math.max(0, store.getMaxOffsetInQueue(topic, queueId) - offset);
      return undefined;
    }
    if (
      settings.enablePopMessageThreshold &&
      this.deps.inflight &&
      this.deps.inflight(group, topic, queueId) > settings.popInflightMessageThreshold
    ) {
      // RocketMQ #7772: a group that never acks must not make the broker hold ever more.
      ctx.restNum += Math.max(0, store.getMaxOffsetInQueue(topic, queueId) - offset);
      return undefined;
    }
    const count = Math.min(want, settings.maxTransferCount);
    let r = await getFilteredMessages(store, topic, queueId, offset, count, settings.maxTransferBytes, filter);
    if (r.status === 'OFFSET_TOO_SMALL' || r.status === 'OFFSET_OVERFLOW_BADLY' || r.status === 'OFFSET_FOUND_NULL') {
      // The pop offset points where the store has nothing (retention, or a re-created
      // topic): continue from where the store says.
      offset = r.nextBeginOffset;
      offsets.commit(group, topic, queueId, offset);
      r = await getFilteredMessages(store, topic, queueId, offset, count, settings.maxTransferBytes, filter);
    }
    ctx.restNum += Math.max(0, r.maxOffset - r.nextBeginOffset);
    if (r.status !== 'FOUND' || r.records.length === 0) {
      // Everything in range filtered out: move on without a checkpoint.
      if (r.status === 'NO_MATCHED_MESSAGE' || r.status === 'FOUND')
        offsets.commit(group, topic, queueId, r.nextBeginOffset);
      return undefined;
    }
    const msgOffsets = r.records.map((rec) => readInt64(rec, RecordOffset.QUEUEOFFSET));
    if (order) {
      // FIFO: no checkpoint; the offset stays at the first unacked message.
      const counts = order.update(topic, group, queueId, ctx.popTime, ctx.h.invisibleTime, msgOffsets, ctx.h.attemptId);
      offsets.commit(group, topic, queueId, offset);
      return { topic, queueId, flag: 0, startOffset: offset, offsets: msgOffsets, records: r.records, counts };
    }
    const ck = {
      so: offset,
      pt: ctx.popTime,
      it: ctx.h.invisibleTime,
      q: queueId,
      t: topic,
      c: group,
      d: msgOffsets.map((o) => o - offset),
      bn: settings.brokerName,
      rp: 0,
    };
    const put = await store.putMessage(
      checkpointRecord(
        {
          reviveTopic: settings.reviveTopic,
          reviveQid: ctx.reviveQid,
          bornHost: this.deps.identity.brokerAddr,
          now: this.deps.clock.now(),
        },
        ck,
      ),
    );
    if (!put.append) {
      // Without its checkpoint a message would be invisible forever: hand nothing out.
      this.deps.logger.warn({ topic, queueId, status: put.status }, 'pop checkpoint not stored; nothing popped');
      ctx.restNum += r.records.length;
      return undefined;
    }
    offsets.commit(group, topic, queueId, r.nextBeginOffset);
    return {
      topic,
      queueId,
      flag: popRetryFlagOf(topic),
      startOffset: offset,
      offsets: msgOffsets,
      records: r.records,
    };
  }

  /** The group's pop offset of a queue, initialised (and committed) on first use. */
  private popOffset(group: string, topic: string, queueId: number, initMode: number): number {
    const { store, offsets, settings } = this.deps;
    const committed = offsets.query(group, topic, queueId);
    if (committed >= 0) return committed;
    const min = Math.max(0, store.getMinOffsetInQueue(topic, queueId));
    let init = min;
    if (initMode === ConsumeInitMode.MAX && !isRetryTopic(topic)) {
      const max = store.getMaxOffsetInQueue(topic, queueId);
      // A young queue starts at 0 (RocketMQ #7117); otherwise the newest message is delivered.
      const young =
        min <= 0 && settings.initPopOffsetByCheckMsgInMem && store.checkInMemByConsumeOffset(topic, queueId, 0);
      init = young ? 0 : Math.max(0, max - 1);
    }
    offsets.commit(group, topic, queueId, init);
    return init;
  }

  private respond(request: RemotingCommand, ctx: PopContext, code: number, remark: string): RemotingCommand {
    const ext: Record<string, string> = {
      popTime: String(ctx.popTime),
      invisibleTime: String(ctx.h.invisibleTime),
      reviveQid: String(ctx.reviveQid),
      restNum: String(ctx.restNum),
    };
    if (ctx.batches.length > 0) {
      ext.startOffsetInfo = ctx.batches.map((b) => startOffsetEntry(b.flag, b.queueId, b.startOffset)).join(';');
      ext.msgOffsetInfo = ctx.batches.map((b) => msgOffsetEntry(b.flag, b.queueId, b.offsets)).join(';');
      if (this.isOrder(ctx.h)) ext.orderCountInfo = ctx.batches.map(orderCountInfoOf).join(';');
    }
    const response = createResponse(request, code, remark, ext);
    if (code !== ResponseCode.SUCCESS) return response;
    const parts: Buffer[] = [];
    for (const b of ctx.batches) {
      for (const rec of b.records) parts.push(b.flag === 0 ? rec : this.asOriginalTopic(ctx, b, rec));
    }
    if (parts.length === 1) response.body = parts[0];
    else response.bodyParts = parts;
    return response;
  }

  /**
   * A retry-topic message goes out under the original topic with a ready-made POP_CK
   * (RocketMQ's default, popResponseReturnActualRetryTopic=false).
   */
  private asOriginalTopic(ctx: PopContext, b: PoppedBatch, rec: Buffer): Buffer {
    const view = decodeStoredRecord(rec);
    const born = view ? parseHost(view.bornHost) : undefined;
    const storeHost = view ? parseHost(view.storeHost) : undefined;
    if (!view || !born || !storeHost) return rec;
    const props = new Map(view.properties);
    props.set(
      MessageConst.PROPERTY_POP_CK,
      buildExtraInfo({
        ckQueueOffset: b.startOffset,
        popTime: ctx.popTime,
        invisibleTime: ctx.h.invisibleTime,
        reviveQid: ctx.reviveQid,
        retryFlag: b.flag,
        brokerName: this.deps.settings.brokerName,
        queueId: b.queueId,
        queueOffset: view.queueOffset,
      }),
    );
    return encodeStoredRecord({
      topic: ctx.h.topic,
      queueId: view.queueId,
      flag: view.flag,
      body: view.body,
      properties: encodeProperties(props),
      sysFlag: view.sysFlag,
      bornTimestamp: view.bornTimestamp,
      bornHost: born,
      storeTimestamp: view.storeTimestamp,
      storeHost,
      reconsumeTimes: view.reconsumeTimes,
      preparedTransactionOffset: view.preparedTransactionOffset,
      queueOffset: view.queueOffset,
      physicalOffset: view.physicalOffset,
    });
  }
}

/** `flag qo<q>%<offset> count` per message, then `flag q minCount` (RocketMQ's orderCountInfo). */
function orderCountInfoOf(b: PoppedBatch): string {
  const counts = b.counts ?? b.offsets.map(() => 0);
  const entries = b.offsets.map((o, i) => orderCountEntry(b.flag, b.queueId, o, counts[i]!));
  entries.push(queueOrderCountEntry(b.flag, b.queueId, Math.min(...counts)));
  return entries.join(';');
}
