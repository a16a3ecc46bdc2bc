import type { Logger } from '@rocketmq-ts/common';
import {
  type ConsumerData,
  type MessageModel,
  type MessageQueue,
  mqKey,
  PullSysFlag,
  type SubscriptionData,
} from '@rocketmq-ts/protocol';
import { resolveClientConfig } from '../client-config.js';
import { type ConsumerInner, MQClientInstance } from '../client-instance.js';
import { createDefaultTransport } from '../default-transport.js';
import { illegalArgument, isNoAnswer, notRunning } from '../errors.js';
import type { MessageExt } from '../message.js';
import { traceProducer } from '../producer/producer.js';
import { type TraceOptions, traceSubAfter, traceSubBefore } from '../trace/trace-hooks.js';
import { type AllocateMessageQueueStrategy, allocateAveragely } from './allocate.js';
import { sleep } from './consume-host.js';
import { type ConsumerOptions, defaultOffsetStoreDir, localOffsetFile } from './consumer-options.js';
import { LocalFileOffsetStore, type OffsetStore, RemoteBrokerOffsetStore } from './offset-store.js';
import { ProcessQueue } from './process-queue.js';
import { decodeMessages } from './pull-decode.js';
import { assignQueues, computePullFromWhere, parseConsumeTimestamp } from './rebalance.js';
import { buildSubscription, type MessageSelector, tagFilter } from './subscription.js';

export interface LitePullConsumerOptions extends ConsumerOptions, TraceOptions {
  /** Commit what poll() returned automatically (default true). */
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
  /** Default timeout of poll() (ms), default 5000. */
  pollTimeoutMs?: number;
  /** Stop pulling a queue with this many buffered messages, default 1000. */
  pullThresholdForQueue?: number;
  /** Long-poll hold the broker may apply, default 20000. */
  brokerSuspendMaxTimeMillis?: number;
  consumerTimeoutMillisWhenSuspend?: number;
}

type State = 'created' | 'running' | 'closed';

interface QueueState {
  mq: MessageQueue;
  pq: ProcessQueue;
  /** One past the last offset poll() returned; -1 before the first. */
  consumed: number;
}

/**
 * A consumer the application drives: poll() returns the next buffered batch. Queues come
 * from subscribe() (rebalanced among the group) or assign() (fixed). Background loops keep
 * a bounded buffer per queue filled; seek() restarts a queue's loop at the new position.
 */
export class LitePullConsumer implements ConsumerInner {
  readonly group: string;
  readonly instance: MQClientInstance;
  readonly messageModel: MessageModel;
  private readonly logger: Logger;
  private readonly strategy: AllocateMessageQueueStrategy;
  private readonly opts: Required<
    Pick<
      LitePullConsumerOptions,
      | 'autoCommit'
      | 'autoCommitIntervalMs'
      | 'pollTimeoutMs'
      | 'pullThresholdForQueue'
      | 'brokerSuspendMaxTimeMillis'
      | 'consumerTimeoutMillisWhenSuspend'
      | 'pullBatchSize'
      | 'consumeFromWhere'
      | 'offsetStoreDir'
    >
  >;
  private readonly consumeTimestamp: number;
  private readonly subscriptions = new Map<string, SubscriptionData>();
  private readonly queues = new Map<string, QueueState>();
  private readonly ready: { qs: QueueState; msgs: MessageExt[] }[] = [];
  private readonly abort = new AbortController();
  private waiter: (() => void) | undefined;
  private assigned: MessageQueue[] | undefined;
  private offsetStore!: OffsetStore;
  private lastCommitAt = Date.now();
  private state: State = 'created';
  /** Message trace (enableTrace): SubBefore and SubAfter per poll() that returns messages. */
  private readonly trace: ReturnType<typeof traceProducer> | undefined;

  constructor(options: LitePullConsumerOptions) {
    if (!options.consumerGroup) throw illegalArgument('consumerGroup is required');
    this.group = options.consumerGroup;
    this.messageModel = options.messageModel ?? 'CLUSTERING';
    this.strategy = options.allocateMessageQueueStrategy ?? allocateAveragely;
    this.consumeTimestamp = parseConsumeTimestamp(options.consumeTimestamp);
    this.opts = {
      autoCommit: options.autoCommit ?? true,
      autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5000,
      pollTimeoutMs: options.pollTimeoutMs ?? 5000,
      pullThresholdForQueue: options.pullThresholdForQueue ?? 1000,
      brokerSuspendMaxTimeMillis: options.brokerSuspendMaxTimeMillis ?? 20_000,
      consumerTimeoutMillisWhenSuspend: options.consumerTimeoutMillisWhenSuspend ?? 30_000,
      pullBatchSize: options.pullBatchSize ?? 10,
      consumeFromWhere: options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET',
      offsetStoreDir: options.offsetStoreDir ?? defaultOffsetStoreDir(),
    };
    this.instance = MQClientInstance.acquire(
      resolveClientConfig(options),
      options.transportFactory ?? createDefaultTransport,
    );
    this.logger = this.instance.logger.child({ group: this.group });
    if (options.enableTrace) this.trace = traceProducer(options, this.group, this.logger);
  }

  get clientId(): string {
    return this.instance.clientId;
  }

  subscribe(topic: string, expression: string | MessageSelector = '*'): void {
    if (this.assigned) throw illegalArgument('cannot subscribe after assign()');
    this.subscriptions.set(topic, buildSubscription(topic, expression));
  }

  /** Consume exactly these queues (no group rebalance). */
  assign(mqs: readonly MessageQueue[]): void {
    if (this.subscriptions.size > 0 && !this.assigned) throw illegalArgument('cannot assign after subscribe()');
    this.assigned = mqs.map((q) => ({ ...q }));
    for (const q of this.assigned)
      if (!this.subscriptions.has(q.topic)) this.subscriptions.set(q.topic, buildSubscription(q.topic));
    if (this.state === 'running') {
      this.applyAssignment(this.assigned, undefined).catch((e: unknown) =>
        this.logger.warn({ err: e }, 'assign failed'),
      );
    }
  }

  /** Queues currently consumed. */
  assignment(): MessageQueue[] {
    return [...this.queues.values()].map((q) => q.mq);
  }

  async fetchMessageQueues(topic: string): Promise<MessageQueue[]> {
    return this.instance.fetchSubscribeQueues(topic);
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw illegalArgument(`consumer is ${this.state}`);
    if (this.subscriptions.size === 0) throw illegalArgument('subscribe() or assign() before start()');
    this.offsetStore =
      this.messageModel === 'CLUSTERING'
        ? new RemoteBrokerOffsetStore(this.instance.offsetBackend(this.group), this.logger)
        : new LocalFileOffsetStore(localOffsetFile(this.opts.offsetStoreDir, this.clientId, this.group), this.logger);
    await this.offsetStore.load();
    this.instance.registerConsumer(this);
    this.instance.start();
    this.state = 'running';
    await this.trace?.producer.start();
    for (const topic of this.subscriptions.keys()) await this.instance.updateTopicRoute(topic).catch(() => undefined);
    await this.instance.sendHeartbeatToAllBrokers();
    if (this.assigned) await this.applyAssignment(this.assigned, undefined);
    else await this.instance.rebalanceNow();
  }

  consumerData(): ConsumerData {
    return {
      groupName: this.group,
      consumeType: 'CONSUME_ACTIVELY',
      messageModel: this.messageModel,
      consumeFromWhere: this.opts.consumeFromWhere,
      subscriptionDataSet: [...this.subscriptions.values()],
      unitMode: false,
    };
  }

  async doRebalance(): Promise<void> {
    if (this.state !== 'running' || this.assigned) return;
    for (const topic of this.subscriptions.keys()) {
      const mqs = await assignQueues(this.instance, this.group, topic, this.messageModel, this.strategy);
      if (mqs === 'not-member') this.instance.retryMembershipSoon();
      else if (mqs !== 'unknown') await this.applyAssignment(mqs, topic);
    }
  }

  async persistOffsets(): Promise<void> {
    if (this.state === 'running') await this.offsetStore.persistAll(this.assignment());
  }

  /** Next batch of messages, or [] when none arrived within the timeout. */
  async poll(timeoutMs = this.opts.pollTimeoutMs): Promise<MessageExt[]> {
    if (this.state !== 'running') throw notRunning('consumer');
    if (this.opts.autoCommit && Date.now() - this.lastCommitAt >= this.opts.autoCommitIntervalMs)
      await this.commitSync();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const next = this.ready.shift();
      if (next) {
        if (next.qs.pq.dropped || this.queues.get(mqKey(next.qs.mq)) !== next.qs) continue;
        next.qs.pq.remove(next.msgs);
        next.qs.consumed = next.msgs[next.msgs.length - 1]!.queueOffset + 1;
        if (this.opts.autoCommit) this.offsetStore.updateOffset(next.qs.mq, next.qs.consumed, false);
        // Java's lite pull consumer runs the consume hooks around poll's hand-over: before, then
        // after with success at once (what the caller does next is not seen).
        if (this.trace)
          traceSubAfter(traceSubBefore(next.msgs, this.group, this.trace.dispatcher), true, 0, this.trace.dispatcher);
        return next.msgs;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.state !== 'running') return [];
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, left);
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.waiter = done;
      });
      this.waiter = undefined;
    }
  }

  /** Commits the position after the last polled message of every queue, to the broker now. */
  async commitSync(): Promise<void> {
    this.lastCommitAt = Date.now();
    for (const qs of this.queues.values())
      if (qs.consumed >= 0) this.offsetStore.updateOffset(qs.mq, qs.consumed, false);
    await this.offsetStore.persistAll(this.assignment());
  }

  /** The committed offset of a queue as the broker (or offset file) has it. */
  async committed(mq: MessageQueue): Promise<number> {
    return this.offsetStore.readOffset(mq, 'store');
  }

  /** Restarts consumption of an assigned queue at `offset`. */
  async seek(mq: MessageQueue, offset: number): Promise<void> {
    const old = this.queues.get(mqKey(mq));
    if (!old) throw illegalArgument(`queue ${mqKey(mq)} is not assigned to this consumer`);
    old.pq.dropped = true;
    const qs: QueueState = { mq: old.mq, pq: new ProcessQueue(), consumed: offset };
    qs.pq.nextOffset = offset;
    this.queues.set(mqKey(mq), qs);
    this.offsetStore.updateOffset(mq, offset, false);
    this.startLoop(qs);
  }

  async seekToBegin(mq: MessageQueue): Promise<void> {
    await this.seek(
      mq,
      await this.instance.api.getMinOffset(await this.instance.requireReadAddr(mq.brokerName, mq.topic), mq),
    );
  }

  async seekToEnd(mq: MessageQueue): Promise<void> {
    await this.seek(
      mq,
      await this.instance.api.getMaxOffset(await this.instance.requireReadAddr(mq.brokerName, mq.topic), mq),
    );
  }

  private async applyAssignment(mqs: MessageQueue[], topic: string | undefined): Promise<void> {
    const want = new Map(mqs.map((q) => [mqKey(q), q]));
    for (const [k, qs] of [...this.queues]) {
      if ((topic === undefined || qs.mq.topic === topic) && !want.has(k)) {
        qs.pq.dropped = true;
        this.queues.delete(k);
        await this.offsetStore.persist(qs.mq).catch(() => undefined);
        this.offsetStore.removeOffset(qs.mq);
      }
    }
    for (const [k, mq] of want) {
      if (this.queues.has(k)) continue;
      const qs: QueueState = { mq, pq: new ProcessQueue(), consumed: -1 };
      try {
        qs.pq.nextOffset = await computePullFromWhere(this.instance, this.offsetStore, mq, {
          consumeFromWhere: this.opts.consumeFromWhere,
          consumeTimestamp: this.consumeTimestamp,
        });
      } catch (e) {
        this.logger.warn({ err: e, mq }, 'cannot start queue; retrying shortly');
        this.instance.rebalanceSoon(1000);
        continue;
      }
      if (this.queues.has(k) || this.state !== 'running') continue;
      this.queues.set(k, qs);
      this.startLoop(qs);
    }
  }

  /** A loop that dies unexpectedly is logged, never left as an unhandled rejection. */
  private startLoop(qs: QueueState): void {
    this.pullLoop(qs).catch((e: unknown) => this.logger.error({ err: e, mq: qs.mq }, 'pull loop stopped'));
  }

  private async pullLoop(qs: QueueState): Promise<void> {
    const { mq, pq } = qs;
    const signal = this.abort.signal;
    while (!pq.dropped && !signal.aborted) {
      if (pq.count >= this.opts.pullThresholdForQueue) {
        await sleep(50, signal);
        continue;
      }
      const sub = this.subscriptions.get(mq.topic);
      if (!sub) break;
      let res: Awaited<ReturnType<typeof this.instance.api.pullMessage>>;
      try {
        const addr = (await this.instance.requirePullTarget(mq)).addr;
        res = await this.instance.api.pullMessage(
          addr,
          {
            consumerGroup: this.group,
            topic: mq.topic,
            queueId: mq.queueId,
            queueOffset: pq.nextOffset,
            maxMsgNums: this.opts.pullBatchSize,
            sysFlag: PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION | PullSysFlag.LITE_PULL_MESSAGE,
            commitOffset: 0,
            suspendTimeoutMillis: this.opts.brokerSuspendMaxTimeMillis,
            subscription: sub.subString,
            subVersion: sub.subVersion,
            expressionType: sub.expressionType,
          },
          this.opts.consumerTimeoutMillisWhenSuspend,
          true,
        );
      } catch (e) {
        if (pq.dropped || signal.aborted) break;
        this.logger.warn({ err: e, mq }, 'pull failed');
        // The broker may be gone (failover): have the route re-read before the next pull.
        if (isNoAnswer(e)) void this.instance.refreshRouteAfterFailure(mq.topic);
        await sleep(1000, signal);
        continue;
      }
      if (pq.dropped || signal.aborted) break;
      pq.nextOffset = res.nextBeginOffset;
      this.instance.suggestPullBroker(mq, res.suggestWhichBrokerId);
      if (res.status === 'FOUND' && res.body) {
        const msgs = decodeMessages(res.body, mq.brokerName, tagFilter(sub), mq.topic);
        if (msgs.length > 0 && pq.put(msgs) > 0) {
          this.ready.push({ qs, msgs });
          this.waiter?.();
        }
      }
    }
  }

  async shutdown(): Promise<void> {
    if (this.state === 'closed') return;
    const wasRunning = this.state === 'running';
    this.state = 'closed';
    this.abort.abort();
    this.waiter?.();
    if (wasRunning) {
      if (this.opts.autoCommit) await this.commitSync().catch(() => undefined);
      for (const qs of this.queues.values()) qs.pq.dropped = true;
      this.queues.clear();
      this.ready.length = 0;
      await this.instance.unregisterConsumerEverywhere(this.group);
    }
    if (this.trace) {
      await this.trace.dispatcher.flush();
      await this.trace.producer.shutdown();
    }
    await this.instance.release();
  }

  close(): Promise<void> {
    return this.shutdown();
  }
}
