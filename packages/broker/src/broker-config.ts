import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { applyProperties, type ConfigValue, readPropertiesFile } from '@rocketmq-ts/common';
import { DEFAULT_MESSAGE_DELAY_LEVEL, RMQ_SYS_TRACE_TOPIC } from '@rocketmq-ts/protocol';

// broker.conf keys under RocketMQ's names (STYLE rule 15) with RocketMQ's defaults, so an
// existing broker.conf carries over. Keys we parse but do not act on are kept so `-p` shows
// the whole effective configuration, as Java's mqbroker does.

function defaults() {
  return {
    brokerClusterName: 'DefaultCluster',
    /** Java defaults to the host name. */
    brokerName: hostname() || 'broker-a',
    brokerId: 0,
    listenPort: 10911,
    /** Host to bind; 0.0.0.0 = every interface. */
    listenHost: '0.0.0.0',
    /** `;`-separated `ip:port` list; NAMESRV_ADDR in the environment when empty. */
    namesrvAddr: '',
    /**
     * Address advertised to NameServers and written as STOREHOST. Empty = first non-internal
     * IPv4, or 127.0.0.1 when every NameServer is on loopback (see outbound/advertised-address.ts).
     */
    brokerIP1: '',
    /** Default listenPort + 1 (10912), applied in resolveBrokerConfig unless set; 0 = any free port. */
    haListenPort: 10912,
    /**
     * Also serve every request but pulls on the "fast"/VIP port `listenPort - 2` (10909),
     * which older Java clients use for sends when vipChannelEnabled. Skipped when listenPort
     * is 0 (tests) or below 3.
     */
    fastRemotingEnable: true,
    storePathRootDir: join(homedir(), 'store'),
    storePathCommitLog: '',
    flushDiskType: 'ASYNC_FLUSH',
    brokerRole: 'ASYNC_MASTER',
    deleteWhen: '04',
    fileReservedTime: 72,
    diskMaxUsedSpaceRatio: 75,
    mappedFileSizeCommitLog: 1024 * 1024 * 1024,
    mappedFileSizeConsumeQueue: 300_000 * 20,
    flushIntervalCommitLog: 500,
    flushIntervalConsumeQueue: 1000,
    syncFlushTimeout: 5000,
    maxMessageSize: 4 * 1024 * 1024,
    autoCreateTopicEnable: true,
    autoCreateSubscriptionGroup: true,
    defaultTopicQueueNums: 8,
    clusterTopicEnable: true,
    brokerTopicEnable: true,
    traceTopicEnable: false,
    msgTraceTopicName: RMQ_SYS_TRACE_TOPIC,
    messageDelayLevel: DEFAULT_MESSAGE_DELAY_LEVEL,
    longPollingEnable: true,
    shortPollingTimeMills: 1000,
    /** Java's PullRequestHoldService re-check period; bounded here to 1 s so holds end on time. */
    pullHoldCheckIntervalMills: 1000,
    maxTransferCountOnMessageInMemory: 32,
    maxTransferBytesOnMessageInMemory: 256 * 1024,
    registerNameServerPeriod: 30_000,
    registerBrokerTimeoutMills: 6000,
    brokerPermission: 6,
    brokerNotActiveTimeoutMillis: 120_000,
    channelExpiredTimeout: 120_000,
    serverChannelMaxIdleTimeSeconds: 120,
    flushConsumerOffsetInterval: 5000,
    /** Executor-pool in-flight limits (Java queue capacities): beyond them → SYSTEM_BUSY. */
    sendThreadPoolQueueCapacity: 10_000,
    pullThreadPoolQueueCapacity: 100_000,
    adminBrokerThreadPoolQueueCapacity: 10_000,
    clientManagerThreadPoolQueueCapacity: 1_000_000,
    /** Per-connection cap on unanswered sends: a single flooding client gets SYSTEM_BUSY first. */
    maxInFlightSendPerConnection: 4096,
    /**
     * Flow control of the remoting ports (docs/flow-control.md). A connection stops being read
     * while its unsent responses exceed writeBufferHighWaterMark (Netty's name, as in Java's
     * NettyServerConfig), while serverChannelMaxPendingRequests of its requests are being
     * handled (held pulls included) or serverChannelMaxActivePulls of its pulls read the store
     * (held ones not included), and is closed once serverChannelMaxPendingWriteBytes are
     * unsent. Over serverMaxPendingRequests / serverMaxPendingWriteBytes in the whole broker
     * (both ports), new requests get SYSTEM_BUSY.
     */
    writeBufferHighWaterMark: 4 * 1024 * 1024,
    serverChannelMaxPendingRequests: 1024,
    serverChannelMaxActivePulls: 8,
    serverChannelMaxPendingWriteBytes: 64 * 1024 * 1024,
    serverMaxPendingRequests: 100_000,
    serverMaxPendingWriteBytes: 128 * 1024 * 1024,
    /**
     * Bounds of one HEART_BEAT body (not RocketMQ keys: Java has none): consumer (and producer)
     * groups, and subscriptions over all its groups. A RocketMQ client sends one heartbeat per
     * client instance with all its groups, far below these; over them it is answered SYSTEM_ERROR.
     */
    heartbeatMaxGroups: 1_000,
    heartbeatMaxSubscriptions: 10_000,
    rejectTransactionMessage: false,
    /** SQL92 subscriptions (RocketMQ's default: off, answered SYSTEM_ERROR). */
    enablePropertyFilter: false,
    /** A %RETRY% queue read with SQL92 filters each message by its original topic's expression. */
    filterSupportRetry: false,
    transactionTimeOut: 6000,
    transactionCheckInterval: 30_000,
    transactionCheckMax: 15,
    retryMaxTimes: 16,
    /** Pop (RocketMQ 5.x): revive queues of rmq_sys_REVIVE_LOG_<cluster> and their pass period. */
    reviveQueueNum: 8,
    reviveInterval: 1000,
    /** Pop retry topics named `%RETRY%<group>+<topic>` (v2) instead of `%RETRY%<group>_<topic>`. */
    enableRetryTopicV2: false,
    retrieveMessageFromPopRetryTopicV1: true,
    /** Percent of pops that read the pop retry topic first. */
    popFromRetryProbability: 20,
    skipWhenCKRePutReachMaxTimes: false,
    popPollingSize: 1024,
    maxPopPollingSize: 100_000,
    initPopOffsetByCheckMsgInMem: true,
    /** MSG_REGION of stored messages and send answers (Java's `regionId`). */
    regionId: 'DefaultRegion',
    traceOn: true,
    /** UPDATE_AND_CREATE_TOPIC accepts `+message.type=MIXED` only when on (RocketMQ's default: off). */
    enableMixedMessageType: false,
    /** Reply messages (request-reply) are also stored in <cluster>_REPLY_TOPIC after being pushed. */
    storeReplyMessageEnable: true,
    /** Timer messages at any time (RocketMQ 5.x timer wheel, docs/timer.md). */
    timerWheelEnable: true,
    timerPrecisionMs: 1000,
    timerMaxDelaySec: 3 * 24 * 3600,
    timerRollWindowSlot: 2 * 24 * 3600,
    timerFlushIntervalMs: 1000,
    mappedFileSizeTimerLog: 100 * 1024 * 1024,
    /** RECALL_MESSAGE (RocketMQ 5.3): off by default, as in Java. */
    recallMessageEnable: false,
    allowRecallWhenBrokerNotWriteable: true,
    /**
     * Metrics (RocketMQ 5.x names, docs/metrics.md): DISABLE | PROM | OTLP_GRPC | LOG. Java's
     * mqbroker default is DISABLE; `rocketmq-ts start` turns PROM on.
     */
    metricsExporterType: 'DISABLE',
    /** Prometheus endpoint host; empty = brokerIP1 (the advertised address), as Java. */
    metricsPromExporterHost: '',
    metricsPromExporterPort: 5557,
    metricsGrpcExporterTarget: '',
    metricsGrpcExporterHeader: '',
    metricGrpcExporterTimeOutInMills: 3000,
    metricGrpcExporterIntervalInMills: 60_000,
    metricLoggingExporterIntervalInMills: 10_000,
    /** Extra labels on every point, `k:v,k:v`. */
    metricsLabel: '',
    ...replicationDefaults(),
    ...controllerModeDefaults(),
  };
}

/** Master–slave replication keys (docs/replication.md), RocketMQ's names and defaults. */
function replicationDefaults() {
  return {
    /** Address advertised for HA (haServerAddr = brokerIP2:haListenPort); empty = brokerIP1's. */
    brokerIP2: '',
    /** A slave's fixed master HA address; empty = learnt from the NameServer registration. */
    haMasterAddress: '',
    haSendHeartbeatInterval: 5000,
    haHousekeepingInterval: 20_000,
    haTransferBatchSize: 32 * 1024,
    haMaxGapNotInSync: 256 * 1024 * 1024,
    /** Cap each slave connection's transfer at maxHaTransferByteInSecond (RocketMQ's FlowMonitor). */
    haFlowControlEnable: false,
    maxHaTransferByteInSecond: 100 * 1024 * 1024,
    /** ms a SYNC_MASTER append waits for a slave's ack (FLUSH_SLAVE_TIMEOUT after). */
    slaveTimeout: 3000,
    /** Replicas (master included) holding an append before SYNC_MASTER answers; raised to 2 (docs/replication.md). */
    inSyncReplicas: 1,
    totalReplicas: 1,
    /** rocketmq-ts: ms between a slave's attempts to connect to its master (RocketMQ: 5 s). */
    haReconnectInterval: 5000,
    /** Serve pulls on a slave, and let a master send lagging consumers to one (suggestWhichBrokerId). */
    slaveReadEnable: false,
    /** % of RAM behind the head past which a pull counts as lagging (suggests the slave). */
    accessMessageInMemoryMaxRatio: 40,
    /** rocketmq-ts: ms between a slave's metadata syncs from its master (RocketMQ 4.x: 10 s). */
    slaveSyncInterval: 10_000,
  };
}

/** Controller mode keys (docs/controller.md), RocketMQ's names; defaults are RocketMQ's unless marked. */
function controllerModeDefaults() {
  return {
    enableControllerMode: false,
    /** Controller addresses, ";"-separated (their own ports, e.g. 9878, not the NameServer's). */
    controllerAddr: '',
    syncBrokerMetadataPeriod: 5000,
    checkSyncStateSetPeriod: 5000,
    syncControllerMetadataPeriod: 10_000,
    controllerHeartBeatTimeoutMills: 10_000,
    brokerHeartbeatInterval: 1000,
    /** Lower wins an election among equals. */
    brokerElectionPriority: 2147483647,
    /** ms a slave may stay behind before the master drops it from the SyncStateSet. */
    haMaxTimeSlaveNotCatchup: 15_000,
    /** rocketmq-ts default true (RocketMQ: false): a write waits for every SyncStateSet member. */
    allAckInSyncStateSet: true,
    minInSyncReplicas: 1,
    /** A learner replicates but never joins the SyncStateSet, so it is never elected (RocketMQ's key). */
    asyncLearner: false,
  };
}

export type BrokerConfig = ReturnType<typeof defaults>;

export function defaultBrokerConfig(): BrokerConfig {
  return defaults();
}

export interface LoadedBrokerConfig {
  config: BrokerConfig;
  /** Keys of the file that are not broker.conf keys we know (worth a warning). */
  unknown: string[];
}

/**
 * Overlays a properties map (broker.conf) and explicit overrides on the defaults. Overrides
 * win over the file, as command-line flags do over broker.conf in Java.
 */
export function resolveBrokerConfig(
  props: Map<string, string> = new Map(),
  overrides: Partial<BrokerConfig> = {},
): LoadedBrokerConfig {
  const { config, unknown } = applyProperties(defaults() as BrokerConfig & Record<string, ConfigValue>, props);
  const merged: BrokerConfig = { ...config };
  for (const [k, v] of Object.entries(overrides)) {
    if (v !== undefined) (merged as Record<string, ConfigValue>)[k] = v as ConfigValue;
  }
  if (!props.has('haListenPort') && overrides.haListenPort === undefined) {
    merged.haListenPort = merged.listenPort > 0 ? merged.listenPort + 1 : 0;
  }
  if (!['ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE'].includes(merged.brokerRole)) {
    throw new TypeError(`config brokerRole: expected ASYNC_MASTER, SYNC_MASTER or SLAVE, got ${merged.brokerRole}`);
  }
  // As RocketMQ outside controller mode: masters are id 0, a slave needs an id above 0.
  if (
    merged.brokerRole === 'SLAVE' &&
    merged.brokerId <= 0 &&
    String((merged as Record<string, ConfigValue>).enableControllerMode) !== 'true'
  ) {
    throw new TypeError(`config brokerId: a SLAVE needs brokerId > 0, got ${merged.brokerId}`);
  }
  const controllerMode = String((merged as Record<string, ConfigValue>).enableControllerMode) === 'true';
  if (merged.brokerRole !== 'SLAVE' && !controllerMode) merged.brokerId = 0;
  if (merged.flushDiskType !== 'ASYNC_FLUSH' && merged.flushDiskType !== 'SYNC_FLUSH') {
    throw new TypeError(`config flushDiskType: expected ASYNC_FLUSH or SYNC_FLUSH, got ${merged.flushDiskType}`);
  }
  return { config: merged, unknown };
}

export async function loadBrokerConfigFile(
  path: string | undefined,
  overrides: Partial<BrokerConfig> = {},
): Promise<LoadedBrokerConfig> {
  const props = path === undefined ? new Map<string, string>() : await readPropertiesFile(path);
  return resolveBrokerConfig(props, overrides);
}

/** `namesrvAddr` split on `;` (Java's separator), blanks dropped. */
export function namesrvAddrList(config: Pick<BrokerConfig, 'namesrvAddr'>): string[] {
  return config.namesrvAddr
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export const isMasterRole = (config: Pick<BrokerConfig, 'brokerRole' | 'brokerId'>): boolean =>
  config.brokerRole !== 'SLAVE' && config.brokerId === 0;
