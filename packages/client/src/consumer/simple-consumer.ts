import type { Logger } from '@rocketmq-ts/common';
import type { ConsumerData, SubscriptionData } from '@rocketmq-ts/protocol';
import { type ClientOptions, resolveClientConfig } from '../client-config.js';
import { type ConsumerInner, MQClientInstance, type TransportFactory } from '../client-instance.js';
import { createDefaultTransport } from '../default-transport.js';
import { illegalArgument, notRunning } from '../errors.js';
import { noReadableBroker, PopCore } from './pop-core.js';
import type { PopMessage } from './pop-message.js';
import { buildSubscription, type MessageSelector } from './subscription.js';

export interface SimpleConsumerOptions extends ClientOptions {
  consumerGroup: string;
  /**
   * Topic → tag expression (`*`, `TagA || TagB`) or `MessageSelector.bySql(…)`; more can be
   * added with subscribe().
   */
  subscriptions?: ReadonlyMap<string, string | MessageSelector> | Readonly<Record<string, string | MessageSelector>>;
  /** How long receive() waits at the broker for a message to arrive (long polling), default 30000 ms. */
  awaitDuration?: number;
  /**
   * Deliveries after the first before a message goes to `%DLQ%<group>` instead of to the
   * application, default 16 (the group's retryMaxTimes).
   */
  maxReconsumeTimes?: number;
  /** Where a group with no progress on a queue starts, default the last offset (as the 5.x proxy). */
  consumeFromWhere?: 'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET';
  /**
   * FIFO: one message group (queue) to one consumer at a time, the next message only after
   * the previous is acked or its invisibility ends (the group's `consumeMessageOrderly`).
   */
  fifo?: boolean;
  transportFactory?: TransportFactory;
}

/** Invisible durations a 5.x proxy accepts at most (12 h). */
const MAX_INVISIBLE_MS = 12 * 3600 * 1000;

type State = 'created' | 'running' | 'closed';

/**
 * RocketMQ 5.x's SimpleConsumer over remoting Pop: the application asks for messages,
 * gets them invisible to the rest of the group for a while, and acks each one (or changes
 * how long it stays invisible). Queue assignment is the broker's: any number of simple
 * consumers can share a queue, and none of them holds one.
 */
export class SimpleConsumer implements ConsumerInner {
  readonly group: string;
  readonly instance: MQClientInstance;
  readonly logger: Logger;
  readonly awaitDuration: number;
  private readonly core: PopCore;
  private readonly subscriptions = new Map<string, SubscriptionData>();
  private readonly initMode: 0 | 1;
  private readonly fifo: boolean;
  private readonly brokerIndex = new Map<string, number>();
  private topicIndex = 0;
  private state: State = 'created';

  constructor(options: SimpleConsumerOptions) {
    if (!options.consumerGroup) throw illegalArgument('consumerGroup is required');
    const awaitDuration = options.awaitDuration ?? 30_000;
    if (!Number.isFinite(awaitDuration) || awaitDuration < 0) throw illegalArgument('awaitDuration must be ≥ 0 ms');
    const config = resolveClientConfig(options);
    this.group = options.consumerGroup;
    this.awaitDuration = awaitDuration;
    this.initMode = options.consumeFromWhere === 'CONSUME_FROM_FIRST_OFFSET' ? 0 : 1;
    this.fifo = options.fifo ?? false;
    const subs = options.subscriptions;
    const entries = subs instanceof Map ? [...subs] : Object.entries(subs ?? {});
    for (const [topic, expr] of entries) this.subscriptions.set(topic, buildSubscription(topic, expr));
    this.instance = MQClientInstance.acquire(config, options.transportFactory ?? createDefaultTransport);
    this.logger = this.instance.logger.child({ group: this.group });
    this.core = new PopCore(this.instance, this.group, options.maxReconsumeTimes ?? 16);
  }

  get clientId(): string {
    return this.instance.clientId;
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw illegalArgument(`consumer is ${this.state}`);
    this.instance.registerConsumer(this);
    this.instance.start();
    this.state = 'running';
    for (const topic of this.subscriptions.keys()) {
      await this.instance
        .updateTopicRoute(topic)
        .catch((e: unknown) => this.logger.warn({ err: e, topic }, 'no route yet'));
    }
    await this.instance.sendHeartbeatToAllBrokers();
  }

  /** Adds or replaces a topic's tag expression (or SQL92 selector); the topic's route is looked up now. */
  async subscribe(topic: string, filterExpression: string | MessageSelector = '*'): Promise<void> {
    const sub = buildSubscription(topic, filterExpression);
    if (this.state === 'running') await this.instance.fetchSubscribeQueues(topic);
    this.subscriptions.set(topic, sub);
    if (this.state === 'running') await this.instance.sendHeartbeatToAllBrokers();
  }

  unsubscribe(topic: string): void {
    this.subscriptions.delete(topic);
  }

  /** Topic → tag expression. */
  getSubscriptionExpressions(): Map<string, string> {
    return new Map([...this.subscriptions].map(([t, s]) => [t, s.subString]));
  }

  /**
   * Up to `maxMessageNum` messages (at most 32 a call) from one broker of the next
   * subscribed topic, waiting up to `awaitDuration` for the first to arrive; an empty list
   * when none did. Each stays invisible to the group for `invisibleDuration` ms.
   */
  async receive(maxMessageNum = 10, invisibleDuration = 15_000): Promise<PopMessage[]> {
    this.ensureRunning();
    if (!Number.isInteger(maxMessageNum) || maxMessageNum <= 0) {
      throw illegalArgument('maxMessageNum must be greater than 0');
    }
    if (!Number.isFinite(invisibleDuration) || invisibleDuration <= 0 || invisibleDuration > MAX_INVISIBLE_MS) {
      throw illegalArgument(`invisibleDuration must be in (0, ${MAX_INVISIBLE_MS}] ms: ${invisibleDuration}`);
    }
    const topics = [...this.subscriptions.keys()];
    if (topics.length === 0) throw illegalArgument('There is no topic to receive message');
    const topic = topics[this.topicIndex++ % topics.length]!;
    const brokers = await this.core.brokersOf(topic);
    if (brokers.length === 0) throw noReadableBroker(topic);
    const i = this.brokerIndex.get(topic) ?? Math.floor(Math.random() * brokers.length);
    this.brokerIndex.set(topic, i + 1);
    return this.core.pop(brokers[i % brokers.length]!, this.subscriptions.get(topic)!, {
      maxMessages: maxMessageNum,
      invisibleTimeMs: Math.floor(invisibleDuration),
      pollTimeMs: this.awaitDuration,
      initMode: this.initMode,
      order: this.fifo,
    });
  }

  /**
   * Acknowledges a received message: it will not be delivered again. Throws
   * INVALID_RECEIPT_HANDLE when its invisible duration is already over.
   */
  async ack(message: PopMessage): Promise<void> {
    this.ensureRunning();
    await this.core.ack(message);
  }

  /**
   * Makes the message visible again `invisibleDuration` ms from now (longer or shorter than
   * before; 0 = at once). The message gets a new receipt handle; ack it with that.
   */
  async changeInvisibleDuration(message: PopMessage, invisibleDuration: number): Promise<void> {
    this.ensureRunning();
    if (invisibleDuration > MAX_INVISIBLE_MS) throw illegalArgument(`invisibleDuration above ${MAX_INVISIBLE_MS} ms`);
    await this.core.changeInvisibleDuration(message, invisibleDuration);
  }

  consumerData(): ConsumerData {
    return {
      groupName: this.group,
      consumeType: 'CONSUME_POP',
      messageModel: 'CLUSTERING',
      consumeFromWhere: this.initMode === 0 ? 'CONSUME_FROM_FIRST_OFFSET' : 'CONSUME_FROM_LAST_OFFSET',
      subscriptionDataSet: [...this.subscriptions.values()],
      unitMode: false,
    };
  }

  /** The broker assigns messages: there is nothing to rebalance or persist. */
  async doRebalance(): Promise<void> {}
  async persistOffsets(): Promise<void> {}

  async shutdown(): Promise<void> {
    if (this.state === 'closed') return;
    const wasRunning = this.state === 'running';
    this.state = 'closed';
    if (wasRunning) await this.instance.unregisterConsumerEverywhere(this.group);
    await this.instance.release();
  }

  close(): Promise<void> {
    return this.shutdown();
  }

  private ensureRunning(): void {
    if (this.state !== 'running') throw notRunning('simple consumer');
  }
}
