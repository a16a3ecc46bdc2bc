import type { Logger } from '@rocketmq-ts/common';
import {
  type ConsumeFromWhere,
  type ConsumerData,
  type MessageModel,
  type MessageQueue,
  mqKey,
  PullSysFlag,
  retryTopicOf,
  type SubscriptionData,
} from '@rocketmq-ts/protocol';
import { resolveClientConfig } from '../client-config.js';
import { type ConsumerInner, MQClientInstance } from '../client-instance.js';
import { createDefaultTransport } from '../default-transport.js';
import { illegalArgument, isNoAnswer, notRunning } from '../errors.js';
import { traceProducer } from '../producer/producer.js';
import type { TraceDispatcher } from '../trace/trace-dispatcher.js';
import { type TraceOptions, tracedListener } from '../trace/trace-hooks.js';
import { allocateAveragely } from './allocate.js';
import { ConsumeConcurrentlyService } from './consume-concurrently.js';
import { type ConsumeHost, sleep } from './consume-host.js';
import { ConsumeOrderlyService } from './consume-orderly.js';
import { type ConsumerOptions, defaultOffsetStoreDir, localOffsetFile } from './consumer-options.js';
import type { MessageListener } from './listener.js';
import { LocalFileOffsetStore, type OffsetStore, RemoteBrokerOffsetStore } from './offset-store.js';
import { PopCore } from './pop-core.js';
import { type PopModeOptions, PopPushService } from './pop-push-service.js';
import { ProcessQueue } from './process-queue.js';
import { decodeMessages } from './pull-decode.js';
import { assignQueues, computePullFromWhere, parseConsumeTimestamp } from './rebalance.js';
import { buildSubscription, type MessageSelector, tagFilter } from './subscription.js';

export interface PushConsumerOptions extends ConsumerOptions, PopModeOptions, TraceOptions {
  /** Concurrent listener: batches handled at once (Java consumeThreadMax), default 20. */
  consumeThreadMax?: number;
  /** Messages per listener call, default 1. */
  consumeMessageBatchMaxSize?: number;
  /** Pause pulling a queue holding this many unacknowledged messages, default 1000. */
  pullThresholdForQueue?: number;
  /** … or this many MiB of bodies, default 100. */
  pullThresholdSizeForQueue?: number;
  /** … or when its oldest and newest held offsets are this far apart (concurrent), default 2000. */
  consumeConcurrentlyMaxSpan?: number;
  /** Deliveries before a message goes to the DLQ; default 16 (orderly: unlimited). */
  maxReconsumeTimes?: number;
  /** Long-poll hold the broker may apply, default 15000. */
  brokerSuspendMaxTimeMillis?: number;
  /** Pull request timeout, default 30000. */
  consumerTimeoutMillisWhenSuspend?: number;
  /** Back-off after a failed pull, default 3000. */
  pullTimeDelayMillsWhenException?: number;
  /** How long shutdown waits for running handlers, default 5000. */
  awaitTerminationMillisWhenShutdown?: number;
}

type State = 'created' | 'running' | 'closed';
interface Held {
  mq: MessageQueue;
  pq: ProcessQueue;
}

/**
 * A consumer the client drives: it rebalances queues among the group, long-polls each owned
 * queue and hands messages to the registered listener, committing progress as messages are
 * acknowledged.
 */
export class PushConsumer implements ConsumerInner, ConsumeHost {
  readonly group: string;
  readonly instance: MQClientInstance;
  readonly messageModel: MessageModel;
  readonly logger: Logger;
  readonly consumeMessageBatchMaxSize: number;
  offsetStore!: OffsetStore;
  private readonly o: Required<
    Omit<
      PushConsumerOptions,
      | keyof import('../client-config.js').ClientOptions
      | keyof PopModeOptions
      | keyof TraceOptions
      | 'transportFactory'
      | 'consumeTimestamp'
      | 'maxReconsumeTimes'
    >
  >;
  private readonly consumeTimestamp: number;
  private readonly maxReconsumeTimesOption: number | undefined;
  private readonly subscriptions = new Map<string, SubscriptionData>();
  private readonly held = new Map<string, Held>();
  private readonly abort = new AbortController();
  private listener: MessageListener | undefined;
  private concurrently: ConsumeConcurrentlyService | undefined;
  private orderly: ConsumeOrderlyService | undefined;
  /** Set when consuming through Pop (clientRebalance: false). */
  private pop: PopPushService | undefined;
  private readonly popOptions: PopModeOptions | undefined;
  private lockTimer: NodeJS.Timeout | undefined;
  /** Message trace (enableTrace): SubBefore/SubAfter records around each listener call. */
  private readonly trace:
    | { dispatcher: TraceDispatcher; producer: { start(): Promise<void>; shutdown(): Promise<void> } }
    | undefined;
  private state: State = 'created';
  private startedAt = 0;
  /** Pull-loop turns skipped by flow control; the first of every 1000 is logged (as Java does). */
  private flowControlTimes = 0;

  constructor(options: PushConsumerOptions) {
    if (!options.consumerGroup) throw illegalArgument('consumerGroup is required');
    const config = resolveClientConfig(options);
    this.group = options.consumerGroup;
    this.messageModel = options.messageModel ?? 'CLUSTERING';
    this.consumeMessageBatchMaxSize = options.consumeMessageBatchMaxSize ?? 1;
    this.consumeTimestamp = parseConsumeTimestamp(options.consumeTimestamp);
    this.maxReconsumeTimesOption = options.maxReconsumeTimes;
    this.popOptions = options.clientRebalance === false ? options : undefined;
    this.o = {
      consumerGroup: this.group,
      messageModel: this.messageModel,
      consumeFromWhere: options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET',
      allocateMessageQueueStrategy: options.allocateMessageQueueStrategy ?? allocateAveragely,
      pullBatchSize: options.pullBatchSize ?? 32,
      offsetStoreDir: options.offsetStoreDir ?? defaultOffsetStoreDir(),
      consumeThreadMax: options.consumeThreadMax ?? 20,
      consumeMessageBatchMaxSize: this.consumeMessageBatchMaxSize,
      pullThresholdForQueue: options.pullThresholdForQueue ?? 1000,
      pullThresholdSizeForQueue: options.pullThresholdSizeForQueue ?? 100,
      consumeConcurrentlyMaxSpan: options.consumeConcurrentlyMaxSpan ?? 2000,
      brokerSuspendMaxTimeMillis: options.brokerSuspendMaxTimeMillis ?? 15_000,
      consumerTimeoutMillisWhenSuspend: options.consumerTimeoutMillisWhenSuspend ?? 30_000,
      pullTimeDelayMillsWhenException: options.pullTimeDelayMillsWhenException ?? 3000,
      awaitTerminationMillisWhenShutdown: options.awaitTerminationMillisWhenShutdown ?? 5000,
    };
    this.instance = MQClientInstance.acquire(config, options.transportFactory ?? createDefaultTransport);
    this.logger = this.instance.logger.child({ group: this.group });
    if (options.enableTrace) this.trace = traceProducer(options, this.group, this.logger);
  }

  get clientId(): string {
    return this.instance.clientId;
  }
  get signal(): AbortSignal {
    return this.abort.signal;
  }
  get maxReconsumeTimes(): number {
    return this.maxReconsumeTimesOption ?? (this.listener?.type === 'orderly' ? Number.POSITIVE_INFINITY : 16);
  }
  private get isOrderlyClustering(): boolean {
    return this.listener?.type === 'orderly' && this.messageModel === 'CLUSTERING';
  }

  /** Subscribes a topic with a tag expression (`*`, `TagA || TagB`) or `MessageSelector.bySql(...)`. Call before or after start. */
  subscribe(topic: string, expression: string | MessageSelector = '*'): void {
    this.subscriptions.set(topic, buildSubscription(topic, expression));
    if (this.state === 'running') {
      void this.instance.sendHeartbeatToAllBrokers().then(() => this.instance.rebalanceSoon());
    }
  }

  unsubscribe(topic: string): void {
    this.subscriptions.delete(topic);
  }

  registerMessageListener(listener: MessageListener): void {
    if (this.state !== 'created') throw illegalArgument('register the listener before start()');
    this.listener = listener;
  }

  /** Queues this member currently owns (Pop mode: one entry per popped broker, queueId −1). */
  assignedQueues(): MessageQueue[] {
    if (this.pop) return this.pop.targets();
    return [...this.held.values()].map((h) => h.mq);
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw illegalArgument(`consumer is ${this.state}`);
    if (!this.listener) throw illegalArgument('no message listener registered');
    if (this.subscriptions.size === 0) throw illegalArgument('no subscription');
    if (this.trace) {
      this.listener = tracedListener(this.listener, this.group, this.trace.dispatcher);
      await this.trace.producer.start();
    }
    if (this.popOptions) {
      if (this.messageModel !== 'CLUSTERING')
        throw illegalArgument('Pop consumption (clientRebalance: false) is CLUSTERING only');
      this.startPop(this.listener, this.popOptions);
      this.offsetStore = new RemoteBrokerOffsetStore(this.instance.offsetBackend(this.group), this.logger);
    } else if (this.messageModel === 'CLUSTERING') {
      const rt = retryTopicOf(this.group);
      this.subscriptions.set(rt, buildSubscription(rt, '*'));
      this.offsetStore = new RemoteBrokerOffsetStore(this.instance.offsetBackend(this.group), this.logger);
    } else {
      this.offsetStore = new LocalFileOffsetStore(
        localOffsetFile(this.o.offsetStoreDir, this.clientId, this.group),
        this.logger,
      );
    }
    await this.offsetStore.load();
    if (this.pop) {
      // Pop: redelivery and progress are the broker's, so no offsets and no consume services.
    } else if (this.listener.type === 'orderly') this.orderly = new ConsumeOrderlyService(this, this.listener);
    else this.concurrently = new ConsumeConcurrentlyService(this, this.listener, this.o.consumeThreadMax);
    this.instance.registerConsumer(this);
    this.instance.start();
    this.state = 'running';
    this.startedAt = Date.now();
    for (const topic of this.subscriptions.keys()) {
      await this.instance
        .updateTopicRoute(topic)
        .catch((e: unknown) => this.logger.warn({ err: e, topic }, 'no route yet'));
    }
    await this.instance.sendHeartbeatToAllBrokers();
    if (this.isOrderlyClustering && !this.pop) {
      this.lockTimer = setInterval(() => {
        this.lockAll().catch((e: unknown) => this.logger.warn({ err: e }, 'lock renewal failed'));
      }, 20_000);
    }
    await this.instance.rebalanceNow();
  }

  consumerData(): ConsumerData {
    return {
      groupName: this.group,
      consumeType: this.popOptions ? 'CONSUME_POP' : 'CONSUME_PASSIVELY',
      messageModel: this.messageModel,
      consumeFromWhere: this.o.consumeFromWhere as ConsumeFromWhere,
      subscriptionDataSet: [...this.subscriptions.values()],
      unitMode: false,
    };
  }

  async doRebalance(): Promise<void> {
    if (this.state !== 'running') return;
    if (this.pop) {
      await this.pop.rebalance(this.subscriptions);
      return;
    }
    for (const topic of [...this.subscriptions.keys()]) {
      const assigned = await assignQueues(
        this.instance,
        this.group,
        topic,
        this.messageModel,
        this.o.allocateMessageQueueStrategy,
      );
      if (assigned === 'not-member') this.instance.retryMembershipSoon();
      else if (assigned !== 'unknown') await this.updateProcessQueueTable(topic, assigned);
    }
    for (const [k, h] of this.held) if (!this.subscriptions.has(h.mq.topic)) await this.removeQueue(k, h);
  }

  async persistOffsets(): Promise<void> {
    if (this.state !== 'running' || this.pop) return;
    await this.offsetStore.persistAll(this.assignedQueues());
  }

  async resetOffsets(topic: string, offsets: Map<string, number>): Promise<void> {
    for (const [k, offset] of offsets) {
      const h = this.held.get(k);
      if (!h || h.mq.topic !== topic) continue;
      h.pq.dropped = true;
      this.held.delete(k);
      this.offsetStore.updateOffset(h.mq, offset, false);
      await this.offsetStore.persist(h.mq).catch(() => undefined);
      this.offsetStore.removeOffset(h.mq);
    }
    this.instance.rebalanceSoon();
  }

  /** Java's ConsumerRunningInfo (GET_CONSUMER_RUNNING_INFO), encoded by the caller with fastjson rules. */
  async runningInfo(): Promise<Record<string, unknown>> {
    const mqTable = new Map<MessageQueue, Record<string, number | boolean>>();
    for (const h of this.held.values()) mqTable.set(h.mq, h.pq.info(await this.offsetStore.readOffset(h.mq, 'memory')));
    return {
      properties: {
        PROP_NAMESERVER_ADDR: this.instance.config.namesrvAddrs.join(';'),
        PROP_CONSUME_TYPE: 'CONSUME_PASSIVELY',
        PROP_CONSUMEORDERLY: String(this.listener?.type === 'orderly'),
        PROP_THREADPOOL_CORE_SIZE: String(this.o.consumeThreadMax),
        PROP_CONSUMER_START_TIMESTAMP: String(this.startedAt),
        messageModel: this.messageModel,
        consumeFromWhere: this.o.consumeFromWhere,
      },
      subscriptionSet: [...this.subscriptions.values()],
      mqTable,
      statusTable: {},
    };
  }

  async lockQueue(mq: MessageQueue, pq: ProcessQueue): Promise<boolean> {
    const addr = await this.instance.requireMasterAddr(mq.brokerName, mq.topic);
    const ok = await this.instance.api.lockBatchMQ(addr, this.group, this.clientId, [mq]);
    const locked = ok.some((q) => mqKey(q) === mqKey(mq));
    pq.locked = locked;
    if (locked) pq.lastLockAt = Date.now();
    return locked;
  }

  /** Renews the locks of every owned queue, one request per broker. */
  private async lockAll(): Promise<void> {
    const byBroker = new Map<string, Held[]>();
    for (const h of this.held.values()) {
      const list = byBroker.get(h.mq.brokerName) ?? [];
      list.push(h);
      byBroker.set(h.mq.brokerName, list);
    }
    for (const [brokerName, list] of byBroker) {
      const addr = this.instance.masterAddr(brokerName);
      if (!addr) continue;
      const ok = new Set(
        (
          await this.instance.api.lockBatchMQ(
            addr,
            this.group,
            this.clientId,
            list.map((h) => h.mq),
          )
        ).map(mqKey),
      );
      const now = Date.now();
      for (const h of list) {
        h.pq.locked = ok.has(mqKey(h.mq));
        if (h.pq.locked) h.pq.lastLockAt = now;
      }
    }
  }

  private async updateProcessQueueTable(topic: string, assigned: MessageQueue[]): Promise<void> {
    const want = new Map(assigned.map((q) => [mqKey(q), q]));
    for (const [k, h] of [...this.held]) if (h.mq.topic === topic && !want.has(k)) await this.removeQueue(k, h);
    for (const [k, mq] of want) {
      if (this.held.has(k) || this.state !== 'running') continue;
      const pq = new ProcessQueue();
      try {
        if (this.isOrderlyClustering && !(await this.lockQueue(mq, pq))) {
          // The previous owner may still be finishing its batch: try again shortly instead
          // of leaving the queue idle until the next periodic rebalance.
          this.instance.rebalanceSoon(1000);
          continue;
        }
        pq.nextOffset = await computePullFromWhere(this.instance, this.offsetStore, mq, {
          consumeFromWhere: this.o.consumeFromWhere,
          consumeTimestamp: this.consumeTimestamp,
        });
      } catch (e) {
        this.logger.warn({ err: e, mq }, 'cannot start queue; retrying shortly');
        this.instance.rebalanceSoon(1000);
        continue;
      }
      if (this.held.has(k) || this.state !== 'running') continue;
      this.held.set(k, { mq, pq });
      this.logger.debug({ mq, offset: pq.nextOffset }, 'queue assigned');
      this.startLoop(mq, pq);
    }
  }

  private async removeQueue(k: string, h: Held): Promise<void> {
    h.pq.dropped = true;
    this.held.delete(k);
    await this.offsetStore.persist(h.mq).catch((e: unknown) => this.logger.warn({ err: e }, 'offset persist failed'));
    this.offsetStore.removeOffset(h.mq);
    if (this.isOrderlyClustering) {
      // Unlocking while a batch is still in the listener would let the next owner consume
      // the queue at the same time. Wait for it briefly (Java: 1 s); if it is still busy,
      // keep the broker lock and let it expire instead.
      const deadline = Date.now() + 1000;
      while (h.pq.consuming && Date.now() < deadline && !this.abort.signal.aborted) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const addr = this.instance.masterAddr(h.mq.brokerName);
      if (addr && !h.pq.consuming) {
        await this.instance.api.unlockBatchMQ(addr, this.group, this.clientId, [h.mq]).catch(() => undefined);
      }
    }
    this.logger.debug({ mq: h.mq }, 'queue released');
  }

  private flowControlled(pq: ProcessQueue): boolean {
    if (pq.count > this.o.pullThresholdForQueue) return true;
    if (pq.size > this.o.pullThresholdSizeForQueue * 1024 * 1024) return true;
    return this.listener?.type === 'concurrently' && pq.span > this.o.consumeConcurrentlyMaxSpan;
  }

  /** A loop that dies unexpectedly is logged, never left as an unhandled rejection. */
  private startLoop(mq: MessageQueue, pq: ProcessQueue): void {
    this.pullLoop(mq, pq).catch((e: unknown) => this.logger.error({ err: e, mq }, 'pull loop stopped'));
  }

  private async pullLoop(mq: MessageQueue, pq: ProcessQueue): Promise<void> {
    const signal = this.abort.signal;
    while (!pq.dropped && !signal.aborted) {
      if (this.flowControlled(pq)) {
        if (this.flowControlTimes++ % 1000 === 0) {
          this.logger.warn(
            { mq, cachedMsgCount: pq.count, cachedMsgSize: pq.size, flowControlTimes: this.flowControlTimes },
            'flow control: the queue holds too many unconsumed messages; pulling later',
          );
        }
        await sleep(50, signal);
        continue;
      }
      const sub = this.subscriptions.get(mq.topic);
      if (!sub) break;
      let res: Awaited<ReturnType<typeof this.instance.api.pullMessage>>;
      try {
        // Known address and in-memory offset without a promise each: this runs once per pull.
        const target = this.instance.pullTarget(mq) ?? (await this.instance.requirePullTarget(mq));
        const addr = target.addr;
        // A slave takes no offset commits with pulls (RocketMQ clears the flag for it).
        const commitOffset =
          this.messageModel === 'CLUSTERING' && target.brokerId === 0 ? this.offsetStore.memoryOffset(mq) : -1;
        res = await this.instance.api.pullMessage(
          addr,
          {
            consumerGroup: this.group,
            topic: mq.topic,
            queueId: mq.queueId,
            queueOffset: pq.nextOffset,
            maxMsgNums: this.o.pullBatchSize,
            sysFlag:
              PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION | (commitOffset > 0 ? PullSysFlag.COMMIT_OFFSET : 0),
            commitOffset: Math.max(0, commitOffset),
            suspendTimeoutMillis: this.o.brokerSuspendMaxTimeMillis,
            subscription: sub.subString,
            subVersion: sub.subVersion,
            expressionType: sub.expressionType,
          },
          this.o.consumerTimeoutMillisWhenSuspend,
        );
      } catch (e) {
        if (pq.dropped || signal.aborted) break;
        this.logger.warn({ err: e, mq }, 'pull failed');
        // The broker may be gone (failover): have the route re-read before the next pull.
        if (isNoAnswer(e)) void this.instance.refreshRouteAfterFailure(mq.topic);
        await sleep(this.o.pullTimeDelayMillsWhenException, signal);
        continue;
      }
      if (pq.dropped || signal.aborted) break;
      pq.lastPullAt = Date.now();
      pq.nextOffset = res.nextBeginOffset;
      this.instance.suggestPullBroker(mq, res.suggestWhichBrokerId);
      if (res.status === 'FOUND' && res.body) {
        const msgs = decodeMessages(res.body, mq.brokerName, tagFilter(sub), mq.topic);
        for (const m of msgs) m.setQueueRange(res.minOffset, res.maxOffset);
        if (msgs.length > 0 && pq.put(msgs) > 0) {
          if (this.orderly) this.orderly.submit(pq, mq);
          else this.concurrently?.submit(msgs, pq, mq);
          continue;
        }
      }
      if (res.status === 'OFFSET_ILLEGAL') {
        this.logger.warn({ mq, next: res.nextBeginOffset }, 'pull offset illegal; corrected');
        this.offsetStore.updateOffset(mq, res.nextBeginOffset, false);
        await this.offsetStore.persist(mq).catch(() => undefined);
      } else if (pq.count === 0 && pq.inFlight === 0) {
        // Nothing held: progress may move past filtered-out or empty stretches.
        this.offsetStore.updateOffset(mq, res.nextBeginOffset, true);
      }
    }
  }

  async shutdown(): Promise<void> {
    if (this.state === 'closed') return;
    const wasRunning = this.state === 'running';
    this.state = 'closed';
    this.pop?.stop();
    this.abort.abort();
    if (this.lockTimer) clearInterval(this.lockTimer);
    if (wasRunning) {
      const waitCtl = new AbortController();
      const drained = Promise.all([this.concurrently?.drain(), this.orderly?.drain(), this.pop?.drain()]);
      await Promise.race([drained, sleep(this.o.awaitTerminationMillisWhenShutdown, waitCtl.signal)]);
      waitCtl.abort();
      const held = [...this.held.values()];
      for (const h of held) h.pq.dropped = true;
      await this.offsetStore.persistAll(held.map((h) => h.mq)).catch(() => undefined);
      if (this.isOrderlyClustering) {
        const byBroker = new Map<string, MessageQueue[]>();
        for (const h of held) byBroker.set(h.mq.brokerName, [...(byBroker.get(h.mq.brokerName) ?? []), h.mq]);
        for (const [b, mqs] of byBroker) {
          const addr = this.instance.masterAddr(b);
          if (addr) await this.instance.api.unlockBatchMQ(addr, this.group, this.clientId, mqs).catch(() => undefined);
        }
      }
      this.held.clear();
      await this.instance.unregisterConsumerEverywhere(this.group);
      if (this.trace) {
        await this.trace.dispatcher.flush();
        await this.trace.producer.shutdown();
      }
    }
    await this.instance.release();
  }

  close(): Promise<void> {
    return this.shutdown();
  }

  private startPop(listener: MessageListener, o: PopModeOptions): void {
    const orderly = listener.type === 'orderly';
    this.pop = new PopPushService(
      {
        core: new PopCore(this.instance, this.group, this.maxReconsumeTimes),
        logger: this.logger,
        signal: this.abort.signal,
        maxReconsumeTimes: this.maxReconsumeTimes,
        consumeMessageBatchMaxSize: this.consumeMessageBatchMaxSize,
        consumeThreadMax: orderly ? 1 : this.o.consumeThreadMax,
        pollTimeMs: this.o.brokerSuspendMaxTimeMillis,
        initMode: this.o.consumeFromWhere === 'CONSUME_FROM_FIRST_OFFSET' ? 0 : 1,
        retryDelayMs: this.o.pullTimeDelayMillsWhenException,
      },
      listener,
      o,
    );
  }

  protected ensureRunning(): void {
    if (this.state !== 'running') throw notRunning('consumer');
  }
}
