import type { RemotingCommand } from '@rocketmq-ts/protocol';

// Narrow interfaces between broker components. The core managers (topic, subscription
// group, consumer offset, client registry) implement them; feature modules (schedule,
// send-back, query, locks, admin, transactions) depend only on these, and the composition
// root (runtime/composition.ts) wires concrete instances in. Keep each interface to what
// its users call.

export interface BrokerIdentity {
  clusterName: string;
  brokerName: string;
  brokerId: number;
  /** Advertised `ip:port` of the main remoting port (brokerIP1 + listenPort). */
  brokerAddr: string;
}

export interface TopicView {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: 'SINGLE_TAG' | 'MULTI_TAG';
  topicSysFlag: number;
  order: boolean;
  attributes: Record<string, string>;
}

/** A topic to ensure: created with these queues, permission and flags when missing. */
export interface TopicSpec {
  topic: string;
  queueNums: number;
  perm: number;
  topicSysFlag?: number;
}

export interface TopicRegistry {
  get(topic: string): TopicView | undefined;
  all(): Iterable<TopicView>;
  /**
   * Returns the topic, creating it (persisted, and registered with every NameServer) when
   * missing. Used for %RETRY%<group>, %DLQ%<group>, SCHEDULE_TOPIC_XXXX and the like.
   */
  ensure(topic: string, queueNums: number, perm: number, topicSysFlag?: number): Promise<TopicView>;
  /** ensure() for many topics at once: one write and one registration for all created. */
  ensureMany(specs: readonly TopicSpec[]): Promise<void>;
  createOrUpdate(config: TopicView): Promise<void>;
  delete(topic: string): Promise<void>;
  /** Version of the topic table (GET_ALL_TOPIC_CONFIG); zeros when absent. */
  getDataVersion?(): { stateVersion: number; timestamp: number; counter: number };
}

export interface SubscriptionGroupView {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  consumeMessageOrderly: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
}

export interface SubscriptionGroupRegistry {
  get(group: string): SubscriptionGroupView | undefined;
  /** The group, auto-created with defaults when `autoCreateSubscriptionGroup`; else undefined. */
  getOrCreate(group: string): Promise<SubscriptionGroupView | undefined>;
  /** getOrCreate for many groups at once: one write for all created; results in order. */
  getOrCreateMany(groups: readonly string[]): Promise<(SubscriptionGroupView | undefined)[]>;
  all(): Iterable<SubscriptionGroupView>;
  update(config: SubscriptionGroupView): Promise<void>;
  delete(group: string): Promise<void>;
  /** Version of the group table (GET_ALL_SUBSCRIPTIONGROUP_CONFIG); zeros when absent. */
  getDataVersion?(): { stateVersion: number; timestamp: number; counter: number };
}

export interface ConsumerOffsetStore {
  /** Committed offset, or -1 when none. */
  query(group: string, topic: string, queueId: number): number;
  commit(group: string, topic: string, queueId: number, offset: number): void;
  /** queueId → offset of one group on one topic. */
  queueOffsets(group: string, topic: string): Map<number, number>;
  /** Topics a group has committed offsets for. */
  topicsOf(group: string): string[];
  /** Groups with committed offsets on a topic. */
  groupsOf(topic: string): string[];
  removeGroup(group: string): void;
  removeTopic(topic: string): void;
  /** Writes the offsets to their file now (an admin reset must not wait for the next flush). */
  persist?(): Promise<void>;
}

/** One client as seen through its connection (heartbeats keep it alive). */
export interface ClientChannel {
  clientId: string;
  /** `ip:port` of the client socket. */
  remoteAddress: string;
  language: string;
  version: number;
  lastUpdateTimestamp: number;
  /** Sends a request to this client and awaits its answer (server push). */
  request(cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand>;
  oneway(cmd: RemotingCommand): void;
}

export interface ConsumerGroupInfo {
  groupName: string;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  channels: ClientChannel[];
  /** topic → subscription string and version. */
  subscriptions: Map<
    string,
    { subString: string; subVersion: number; expressionType: string; codeSet: number[]; tagsSet: string[] }
  >;
}

export interface ClientRegistry {
  consumerGroup(group: string): ConsumerGroupInfo | undefined;
  consumerGroups(): Iterable<ConsumerGroupInfo>;
  /** Live channels of a producer group (transaction check-back goes to one of them). */
  producerChannels(group: string): ClientChannel[];
  /** Producer groups with at least one live channel (GET_ALL_PRODUCER_INFO). */
  producerGroups(): string[];
}

/**
 * What feature modules (schedule, send-back/retry, query, locks, admin, transactions) receive
 * from the composition root. runtime/features.ts turns it into processors and services.
 */
export interface FeatureDeps {
  identity: BrokerIdentity;
  store: import('@rocketmq-ts/store').MessageStore;
  topics: TopicRegistry;
  groups: SubscriptionGroupRegistry;
  offsets: ConsumerOffsetStore;
  clients: ClientRegistry;
  logger: import('@rocketmq-ts/common').Logger;
  clock: import('@rocketmq-ts/common').Clock;
  /** Directory for the broker's JSON state (`<storePathRootDir>/config`). */
  configDir: string;
  /** Effective broker configuration (broker.conf keys), read-only. */
  config: Readonly<Record<string, string | number | boolean>>;
  /**
   * Message counters kept by the send and pull paths (GET_BROKER_RUNTIME_INFO, consumeTps).
   * Optional: without it put counts come from the store and get counts read 0.
   */
  stats?: BrokerStatsView;
  /** Pop consumption's in-flight view (GET_CONSUME_STATS); absent when pop is not served. */
  pop?: PopView;
  /** Replication state: fields for GET_BROKER_RUNTIME_INFO (brokerStatus). */
  replication?: { runtimeInfo(): Record<string, string> };
  /** The timer wheel's send rule and runtime figures (docs/timer.md). */
  timer?: TimerView;
}

/** What feature modules see of the timer: the send rule (transaction commits) and its figures. */
export interface TimerView {
  place(
    msg: import('@rocketmq-ts/store').MessageInput,
    now: number,
  ): import('../timer/timer-message.js').TimerPlacement;
  runtimeInfo(): Record<string, string>;
}

/** Messages of a pop group handed out and not acked yet, per queue. */
export interface PopView {
  inflight(group: string, topic: string, queueId: number): { count: number; minOffset: number | undefined };
  /** An admin reset of a group's offsets (queueId → offset), kept across a restart. */
  offsetReset?(group: string, topic: string, queues: ReadonlyMap<number, number>): Promise<void>;
}

/** Running totals since boot; the admin module derives TPS figures by sampling them. */
export interface BrokerStatsView {
  /** Messages stored by sends. */
  putTotal(): number;
  /** Messages handed out by pulls. */
  getTotal(): number;
  /** Messages handed out to one consumer group (all topics). */
  groupGetTotal?(group: string): number;
}

export interface FeatureProcessor {
  code: number;
  handler: import('@rocketmq-ts/remoting').RequestHandler;
  /** Executor pool name (see RemotingServer.definePool); default pool when absent. */
  pool?: string;
}

/** A service that runs only while the broker is master (runtime/role-services.ts); restartable. */
export interface RoleService {
  name: string;
  start(): Promise<void>;
  /** Stops it and persists its progress; a later start() resumes from that progress. */
  stop(): Promise<void>;
}

export interface FeatureSet {
  processors: FeatureProcessor[];
  /**
   * Orderly-consumption locks (LOCK_BATCH_MQ). Java's send path sends `%RETRY%<group>`
   * messages straight to the DLQ while the group holds unexpired queue locks; the core send
   * processor may consult this.
   */
  locks?: { isLockAllExpired(group: string): boolean };
  /**
   * Delay delivery: one pass over a level's parked messages (the service's timer runs the same
   * pass); resolves to the ms until the next one is due. Lets tests observe a pass end.
   */
  schedule?: { deliverDue(level: number): Promise<number | undefined>; adopt?(text: string): Promise<void> };
  /**
   * Services a master runs and a slave does not (schedule delivery, transaction checks): the
   * composition root starts and stops them with the role, not with start()/stop().
   */
  masterServices?: RoleService[];
  /** Starts background services that run in every role (lock expiry, admin, delay progress). */
  start(): Promise<void>;
  /** Stops them and persists their progress. */
  stop(): Promise<void>;
}
