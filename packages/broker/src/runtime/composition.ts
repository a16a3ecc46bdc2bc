import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { Clock, Logger } from '@rocketmq-ts/common';
import { parseDelayLevels, RequestCode, UniqKeyGenerator } from '@rocketmq-ts/protocol';
import type { RemotingClient, RequestHandler } from '@rocketmq-ts/remoting';
import type { MessageStore } from '@rocketmq-ts/store';
import { type BrokerConfig, isMasterRole, namesrvAddrList } from '../broker-config.js';
import { ClientGroupRegistry } from '../client/client-registry.js';
import type { Replication } from '../ha/replication.js';
import { PullRequestHoldService } from '../long-polling/pull-request-hold-service.js';
import { BrokerCollector } from '../metrics/broker-collector.js';
import { BrokerMetrics } from '../metrics/broker-metrics.js';
import { parseExporterType } from '../metrics/metrics-service.js';
import { ConsumerOffsetManager } from '../offset/consumer-offset-manager.js';
import { NamesrvRegistrar } from '../outbound/namesrv-registrar.js';
import { createPopModule, type PopModule } from '../pop/pop-module.js';
import { BrokerStats } from '../processors/broker-stats.js';
import { ClientManageProcessor } from '../processors/client-manage.js';
import { ConsumerOffsetProcessor } from '../processors/consumer-offsets.js';
import { limitPerConnection } from '../processors/flow-control.js';
import { PullMessageProcessor } from '../processors/pull-message.js';
import { ReplyMessageProcessor } from '../processors/reply-message.js';
import { SendMessageProcessor } from '../processors/send-message.js';
import { SubscriptionGroupManager } from '../subscription/subscription-group-manager.js';
import { createTimerModule, type TimerModule } from '../timer/timer-module.js';
import { TopicConfigManager } from '../topic/topic-config-manager.js';
import type { BrokerIdentity, FeatureDeps, FeatureSet } from './ports.js';
import { RoleServices } from './role-services.js';

// The composition root (STYLE rule 4): builds every broker component from the config and
// hands each one only what it uses. Nothing here starts anything; lifecycle.ts does that in
// order.

/** Executor pools (Java's per-processor thread pools): a held pull never takes a send slot. */
export const Pools = { SEND: 'send', PULL: 'pull', CLIENT: 'client', ADMIN: 'default' } as const;

interface ProcessorEntry {
  code: number;
  handler: RequestHandler;
  pool: string;
}

interface CompositionContext {
  config: BrokerConfig;
  /** Advertised `ip:port` (after the listener is bound). */
  brokerAddr: string;
  store: MessageStore;
  /** Client for NameServer registration. */
  client: RemotingClient;
  installFeatures: (deps: FeatureDeps) => FeatureSet;
  logger: Logger;
  clock: Clock;
  /** Master–slave replication (ha/replication.ts): HA address, registration answers, status. */
  replication?: Replication;
  /** Controller mode: the master epoch, sent as the topic DataVersion's stateVersion. */
  stateVersion?: () => number;
}

export interface BrokerComponents {
  identity: BrokerIdentity;
  configDir: string;
  store: MessageStore;
  topics: TopicConfigManager;
  groups: SubscriptionGroupManager;
  offsets: ConsumerOffsetManager;
  clients: ClientGroupRegistry;
  hold: PullRequestHoldService;
  stats: BrokerStats;
  registrar: NamesrvRegistrar;
  features: FeatureSet;
  pop: PopModule;
  timer: TimerModule;
  /** The master-only services, started and stopped with the role. */
  roles: RoleServices;
  /** Traffic counters (undefined when metricsExporterType=DISABLE) and the scrape-time gauges. */
  metrics: BrokerMetrics | undefined;
  collector: BrokerCollector | undefined;
  processors: ProcessorEntry[];
  /** Current broker permission (admin may change it at runtime via config). */
  brokerPermission(): number;
}

export function composeBroker(ctx: CompositionContext): BrokerComponents {
  const { config, logger, clock, store } = ctx;
  // Controller mode: the role comes from the controller at run time, not from brokerRole.
  const controllerMode = String(config.enableControllerMode) === 'true';
  const configDir = join(config.storePathRootDir, 'config');
  const identity: BrokerIdentity = {
    clusterName: config.brokerClusterName,
    brokerName: config.brokerName,
    brokerId: config.brokerId,
    brokerAddr: ctx.brokerAddr,
  };
  const brokerPermission = (): number => config.brokerPermission;
  const delayLevelsMs = parseDelayLevels(config.messageDelayLevel);

  const topics = new TopicConfigManager({
    configDir,
    clusterName: config.brokerClusterName,
    brokerName: config.brokerName,
    autoCreateTopicEnable: config.autoCreateTopicEnable,
    defaultTopicQueueNums: config.defaultTopicQueueNums,
    clusterTopicEnable: config.clusterTopicEnable,
    brokerTopicEnable: config.brokerTopicEnable,
    traceTopicEnable: config.traceTopicEnable,
    msgTraceTopicName: config.msgTraceTopicName,
    delayLevelCount: delayLevelsMs.length,
    logger: logger.child({ component: 'topics' }),
    clock,
  });
  const groups = new SubscriptionGroupManager({
    configDir,
    autoCreateSubscriptionGroup: config.autoCreateSubscriptionGroup,
    retryMaxTimes: config.retryMaxTimes,
    logger: logger.child({ component: 'groups' }),
    clock,
  });
  const offsets = new ConsumerOffsetManager(configDir, logger.child({ component: 'offsets' }));
  const clients = new ClientGroupRegistry({
    channelExpiredTimeoutMs: config.channelExpiredTimeout,
    notifyEnabled: (g) => groups.get(g)?.notifyConsumerIdsChangedEnable ?? true,
    logger: logger.child({ component: 'clients' }),
    clock,
  });
  const hold = new PullRequestHoldService({
    checkIntervalMs: config.longPollingEnable
      ? config.pullHoldCheckIntervalMills
      : Math.min(config.pullHoldCheckIntervalMills, config.shortPollingTimeMills),
    maxOffset: (t, q) => store.getMaxOffsetInQueue(t, q),
    clock,
    logger: logger.child({ component: 'long-polling' }),
  });
  store.onMessageArrived((topic, queueId, maxOffset, tagsCode) =>
    hold.notifyMessageArriving(topic, queueId, maxOffset, tagsCode),
  );

  const ip = ctx.brokerAddr.slice(0, ctx.brokerAddr.lastIndexOf(':'));
  const registrar = new NamesrvRegistrar({
    identity,
    haServerAddr: ctx.replication ? () => ctx.replication!.haServerAddr() : `${ip}:${config.haListenPort}`,
    ...(ctx.replication ? { onRegistered: ctx.replication.onRegistered.bind(ctx.replication) } : {}),
    namesrvAddrs: namesrvAddrList(config),
    periodMs: config.registerNameServerPeriod,
    timeoutMs: config.registerBrokerTimeoutMills,
    heartbeatTimeoutMs: config.brokerNotActiveTimeoutMillis,
    topics: () => topics.all(),
    dataVersion: ctx.stateVersion
      ? () => ({ ...topics.getDataVersion(), stateVersion: ctx.stateVersion!() })
      : () => topics.getDataVersion(),
    brokerPermission,
    client: ctx.client,
    logger: logger.child({ component: 'registrar' }),
  });
  // A topic change is routable once the NameServers have it (Java registers synchronously).
  topics.onChange(() => registrar.topicsChanged());

  const uniq = new UniqKeyGenerator(ip);
  const stats = new BrokerStats();
  const metrics = parseExporterType(config.metricsExporterType) === 'DISABLE' ? undefined : new BrokerMetrics();
  const configView = config as unknown as Readonly<Record<string, string | number | boolean>>;
  const pop = createPopModule({
    identity,
    store,
    topics,
    groups,
    offsets,
    clock,
    logger,
    config: configView,
    brokerPermission,
    configDir,
    addGet: (group, n) => stats.addGet(group, n),
    ...(metrics ? { metrics } : {}),
  });
  store.onMessageArrived((topic, queueId, _maxOffset, tagsCode) => pop.notifyMessageArriving(topic, queueId, tagsCode));
  const timer = createTimerModule({
    config: configView,
    storePathRootDir: config.storePathRootDir,
    brokerName: config.brokerName,
    get isSlave() {
      return !isMasterRole(config);
    },
    mayBecomeMaster: controllerMode,
    brokerPermission,
    topics,
    store,
    clock,
    logger,
  });
  const installed = ctx.installFeatures({
    identity,
    store,
    topics,
    groups,
    offsets,
    clients,
    logger: logger.child({ component: 'features' }),
    clock,
    configDir,
    stats,
    config: configView,
    pop,
    ...(ctx.replication ? { replication: ctx.replication } : {}),
    timer,
  });
  // Master-only services (runtime/role-services.ts): the timer wheel and Pop revive start after
  // the store and the feature modules, and stop before consumer offsets are persisted (the
  // revive progress is one of them).
  const roles = new RoleServices(
    [
      ...(installed.masterServices ?? []),
      { name: 'timer', start: () => timer.start(), stop: () => timer.stop() },
      { name: 'pop', start: () => pop.start(), stop: () => pop.stop() },
    ],
    logger.child({ component: 'roles' }),
  );
  const features: FeatureSet = {
    ...installed,
    processors: [...installed.processors, ...timer.processors],
    async start() {
      await installed.start();
      // A configured master runs them from the start; in controller mode the controller's
      // decision starts them (lifecycle.ts).
      if (!controllerMode && config.brokerRole !== 'SLAVE') await roles.follow('master');
    },
    async stop() {
      await roles.close();
      await installed.stop();
    },
  };

  const send = new SendMessageProcessor({
    settings: {
      clusterName: config.brokerClusterName,
      brokerName: config.brokerName,
      brokerPermission,
      maxMessageSize: config.maxMessageSize,
      delayLevelsMs,
      rejectTransactionMessage: config.rejectTransactionMessage,
      msgRegion: config.regionId,
      traceOn: config.traceOn,
    },
    topics,
    groups,
    store,
    nextUniqKey: () => uniq.next(clock.now()),
    stats,
    metrics,
    locks: features.locks,
    clock,
    logger: logger.child({ component: 'send' }),
    timer,
  });
  const replies = new ReplyMessageProcessor({
    settings: {
      clusterName: config.brokerClusterName,
      brokerAddr: ctx.brokerAddr,
      storeReplyMessageEnable: config.storeReplyMessageEnable,
      msgRegion: config.regionId,
      traceOn: config.traceOn,
    },
    check: (request) => send.check(request),
    clients,
    store,
    nextUniqKey: () => uniq.next(clock.now()),
    clock,
    logger: logger.child({ component: 'reply' }),
  });
  const pull = new PullMessageProcessor({
    settings: {
      brokerName: config.brokerName,
      brokerPermission,
      // A getter: in controller mode the role changes at run time.
      get isMaster() {
        return isMasterRole(config);
      },
      slaveReadEnable: config.slaveReadEnable,
      slaveReadLagBytes: (totalmem() * config.accessMessageInMemoryMaxRatio) / 100,
      masterAlive: () => ctx.replication?.masterAlive() === true,
      longPollingEnable: config.longPollingEnable,
      shortPollingTimeMills: config.shortPollingTimeMills,
      maxTransferCount: config.maxTransferCountOnMessageInMemory,
      maxTransferBytes: config.maxTransferBytesOnMessageInMemory,
      enablePropertyFilter: config.enablePropertyFilter,
      filterSupportRetry: config.filterSupportRetry,
    },
    topics,
    groups,
    offsets,
    clients,
    store,
    hold,
    stats,
    metrics,
  });
  const clientManage = new ClientManageProcessor({
    clients,
    groups,
    topics,
    logger: logger.child({ component: 'clients' }),
    enablePropertyFilter: config.enablePropertyFilter,
    heartbeatLimits: { maxGroups: config.heartbeatMaxGroups, maxSubscriptions: config.heartbeatMaxSubscriptions },
  });
  const offsetProc = new ConsumerOffsetProcessor({ offsets, topics, groups, store });

  const sendHandler = limitPerConnection(send.handle, config.maxInFlightSendPerConnection, 'send');
  const processors: ProcessorEntry[] = [
    { code: RequestCode.SEND_MESSAGE, handler: sendHandler, pool: Pools.SEND },
    { code: RequestCode.SEND_MESSAGE_V2, handler: sendHandler, pool: Pools.SEND },
    { code: RequestCode.SEND_BATCH_MESSAGE, handler: sendHandler, pool: Pools.SEND },
    { code: RequestCode.SEND_REPLY_MESSAGE, handler: replies.handle, pool: Pools.SEND },
    { code: RequestCode.SEND_REPLY_MESSAGE_V2, handler: replies.handle, pool: Pools.SEND },
    { code: RequestCode.PULL_MESSAGE, handler: pull.handle, pool: Pools.PULL },
    { code: RequestCode.LITE_PULL_MESSAGE, handler: pull.handle, pool: Pools.PULL },
    { code: RequestCode.HEART_BEAT, handler: clientManage.heartbeat, pool: Pools.CLIENT },
    { code: RequestCode.UNREGISTER_CLIENT, handler: clientManage.unregisterClient, pool: Pools.CLIENT },
    { code: RequestCode.GET_CONSUMER_LIST_BY_GROUP, handler: clientManage.getConsumerListByGroup, pool: Pools.CLIENT },
    { code: RequestCode.CHECK_CLIENT_CONFIG, handler: clientManage.checkClientConfig, pool: Pools.CLIENT },
    { code: RequestCode.QUERY_CONSUMER_OFFSET, handler: offsetProc.query, pool: Pools.CLIENT },
    { code: RequestCode.UPDATE_CONSUMER_OFFSET, handler: offsetProc.update, pool: Pools.CLIENT },
    { code: RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, handler: offsetProc.searchByTimestamp, pool: Pools.ADMIN },
    { code: RequestCode.GET_MAX_OFFSET, handler: offsetProc.maxOffset, pool: Pools.ADMIN },
    { code: RequestCode.GET_MIN_OFFSET, handler: offsetProc.minOffset, pool: Pools.ADMIN },
    { code: RequestCode.GET_EARLIEST_MSG_STORETIME, handler: offsetProc.earliestMsgStoreTime, pool: Pools.ADMIN },
  ];
  for (const p of pop.processors) processors.push({ code: p.code, handler: p.handler, pool: p.pool ?? Pools.PULL });
  for (const p of ctx.replication?.processors() ?? []) processors.push({ ...p, pool: Pools.ADMIN });
  const core = new Set(processors.map((p) => p.code));
  for (const p of features.processors) {
    if (core.has(p.code)) {
      logger.warn({ code: p.code }, 'feature processor ignored: the code is served by the broker core');
      continue;
    }
    processors.push({ code: p.code, handler: p.handler, pool: p.pool ?? Pools.ADMIN });
  }

  const collector =
    metrics === undefined
      ? undefined
      : new BrokerCollector({
          metrics,
          store,
          topics,
          groups,
          offsets,
          clients,
          popInflight: (group, topic, queueId) => pop.inflight(group, topic, queueId).count,
          popRevived: () => pop.revive.revived,
          ...(timer.service ? { timer: () => timer.service!.runtimeInfo() } : {}),
          brokerPermission,
          clock,
        });

  return {
    identity,
    configDir,
    store,
    topics,
    groups,
    offsets,
    clients,
    hold,
    stats,
    registrar,
    features,
    pop,
    timer,
    roles,
    metrics,
    collector,
    processors,
    brokerPermission,
  };
}
