import { type Clock, type Logger, silentLogger, systemClock } from '@rocketmq-ts/common';
import { createResponse, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { FlowBudget, RemotingClient, RemotingServer } from '@rocketmq-ts/remoting';
import { createFileStore, type MessageStore, type MessageStoreConfig } from '@rocketmq-ts/store';
import { type BrokerConfig, namesrvAddrList } from '../broker-config.js';
import { ControllerModeReplication } from '../ha/controller-mode.js';
import { Replication } from '../ha/replication.js';
import { MetricsService } from '../metrics/metrics-service.js';
import { ProcessMetrics } from '../metrics/process-metrics.js';
import { chooseAdvertisedIp } from '../outbound/advertised-address.js';
import { SlaveSynchronize } from '../slave/slave-synchronize.js';
import { type BrokerComponents, composeBroker, Pools } from './composition.js';
import { installFeatures as defaultInstallFeatures } from './features.js';
import type { FeatureDeps, FeatureSet } from './ports.js';

export interface BrokerOptions {
  config: BrokerConfig;
  logger?: Logger;
  clock?: Clock;
  /**
   * Builds the message store from the broker's store settings (storeHost is the advertised
   * address). Default: the file store under `storePathRootDir`.
   */
  createStore?: (storeConfig: Partial<MessageStoreConfig>) => MessageStore;
  /** Feature modules; default: runtime/features.ts. */
  installFeatures?: (deps: FeatureDeps) => FeatureSet;
}

/** Store settings taken from broker.conf (same key names). */
export function storeConfigOf(config: BrokerConfig, storeHost: string): Partial<MessageStoreConfig> {
  return {
    storePathRootDir: config.storePathRootDir,
    mappedFileSizeCommitLog: config.mappedFileSizeCommitLog,
    mappedFileSizeConsumeQueue: config.mappedFileSizeConsumeQueue,
    flushDiskType: config.flushDiskType as MessageStoreConfig['flushDiskType'],
    brokerRole: config.brokerRole as MessageStoreConfig['brokerRole'],
    flushIntervalCommitLog: config.flushIntervalCommitLog,
    flushIntervalConsumeQueue: config.flushIntervalConsumeQueue,
    syncFlushTimeout: config.syncFlushTimeout,
    maxMessageSize: config.maxMessageSize,
    fileReservedTime: config.fileReservedTime,
    deleteWhen: config.deleteWhen,
    diskMaxUsedSpaceRatio: config.diskMaxUsedSpaceRatio,
    storeHost,
  };
}

/**
 * A running broker: start() brings it up in dependency order, shutdown() takes it down in
 * reverse. Order of start-up:
 *   1. bind the listener (every request answered SERVICE_NOT_AVAILABLE until ready), so a
 *      port-0 bind gives the address stamped into records and advertised;
 *   2. compose the components, load topics/groups/offsets, start the store and features;
 *   3. open for requests, then register with the NameServers.
 */
export class Broker {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly server: RemotingServer;
  /** The fast/VIP listener (listenPort − 2), when enabled. */
  private fastServer: RemotingServer | undefined;
  private readonly client: RemotingClient;
  private parts: BrokerComponents | undefined;
  private replication: Replication | undefined;
  private slaveSync: SlaveSynchronize | undefined;
  private ready = false;
  private timers: NodeJS.Timeout[] = [];
  private stopping: Promise<void> | undefined;
  private boundPort = 0;
  private advertised = '';
  private metricsService: MetricsService | undefined;
  private processMetrics: ProcessMetrics | undefined;

  constructor(private readonly options: BrokerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    const c = options.config;
    // One budget for both ports: the limits are the broker's, whichever port a client uses.
    const flowBudget = new FlowBudget({
      maxPendingRequestsPerConnection: c.serverChannelMaxPendingRequests,
      maxCostlyRequestsPerConnection: c.serverChannelMaxActivePulls,
      maxPendingWriteBytesPerConnection: c.serverChannelMaxPendingWriteBytes,
      maxPendingRequests: c.serverMaxPendingRequests,
      maxPendingWriteBytes: c.serverMaxPendingWriteBytes,
    });
    const makeServer = (port: number, name: string): RemotingServer => {
      const server = new RemotingServer({
        port,
        host: c.listenHost,
        idleTimeoutMs: c.serverChannelMaxIdleTimeSeconds * 1000,
        maxInFlight: c.adminBrokerThreadPoolQueueCapacity,
        writeHighWaterMark: c.writeBufferHighWaterMark,
        flowBudget,
        logger: this.logger.child({ component: name }),
      });
      server.definePool(Pools.SEND, { maxInFlight: c.sendThreadPoolQueueCapacity });
      server.definePool(Pools.PULL, { maxInFlight: c.pullThreadPoolQueueCapacity });
      server.definePool(Pools.CLIENT, { maxInFlight: c.clientManagerThreadPoolQueueCapacity });
      return server;
    };
    this.server = makeServer(c.listenPort, 'remoting');
    this.fastServer =
      c.fastRemotingEnable && c.listenPort > 2 ? makeServer(c.listenPort - 2, 'remoting-fast') : undefined;
    this.client = new RemotingClient({ logger: this.logger.child({ component: 'namesrv-client' }) });
  }

  /** Bound port (after start). */
  get port(): number {
    return this.boundPort;
  }

  /** Advertised `ip:port` (after start). */
  get brokerAddr(): string {
    return this.advertised;
  }

  /** Replication state and control (after start). */
  get ha(): Replication | undefined {
    return this.replication;
  }

  /** The metrics exporter (after start; undefined when metricsExporterType=DISABLE). */
  get metrics(): MetricsService | undefined {
    return this.metricsService;
  }

  /** The wired components, for tests and embedding (after start). */
  get components(): BrokerComponents {
    if (!this.parts) throw new Error('broker not started');
    return this.parts;
  }

  async start(): Promise<void> {
    const c = this.options.config;
    for (const server of this.fastServer ? [this.server, this.fastServer] : [this.server]) {
      server.setDefaultProcessor((req) =>
        this.ready
          ? createResponse(req, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, ` request type ${req.code} not supported`)
          : createResponse(req, ResponseCode.SERVICE_NOT_AVAILABLE, 'broker is starting, try later'),
      );
    }
    this.boundPort = await this.server.listen();
    if (this.fastServer) {
      // The fast port is a convenience for old clients: a busy port must not stop the broker.
      try {
        await this.fastServer.listen();
      } catch (err) {
        this.logger.warn({ err, port: c.listenPort - 2 }, 'fast/VIP listener not started');
        await this.fastServer.close(0);
        this.fastServer = undefined;
      }
    }
    const servers = this.fastServer ? [this.server, this.fastServer] : [this.server];
    const ip = chooseAdvertisedIp(c.brokerIP1, namesrvAddrList(c), undefined, c.listenHost);
    this.advertised = `${ip}:${this.boundPort}`;
    const createStore =
      this.options.createStore ??
      ((sc: Partial<MessageStoreConfig>) =>
        createFileStore(sc, { logger: this.logger.child({ component: 'store' }), clock: this.clock }));
    const store = createStore(storeConfigOf(c, this.advertised));
    const controllerMode =
      String(c.enableControllerMode) === 'true' ? new ControllerModeReplication(c, store, ip, this.logger) : undefined;
    const replication = controllerMode ?? new Replication(c, store, ip, this.logger);
    this.replication = replication;
    const parts = composeBroker({
      config: c,
      brokerAddr: this.advertised,
      store,
      client: this.client,
      installFeatures: this.options.installFeatures ?? defaultInstallFeatures,
      logger: this.logger,
      clock: this.clock,
      replication,
      ...(controllerMode ? { stateVersion: () => controllerMode.stateVersion() } : {}),
    });
    this.parts = parts;
    await Promise.all([parts.topics.load(), parts.groups.load(), parts.offsets.load()]);
    await store.start();
    await replication.start();
    await parts.features.start();
    parts.hold.start();
    for (const server of servers) {
      server.onDisconnect((conn) => {
        parts.clients.connectionClosed(conn);
        parts.hold.connectionClosed(conn);
      });
      for (const p of parts.processors) {
        // Like Java, the fast port serves everything but pulls (no long polling there).
        if (server === this.fastServer && PULL_CODES.has(p.code)) continue;
        server.registerProcessor(p.code, (req, conn) => (this.ready ? p.handler(req, conn) : notReady(req)), {
          pool: p.pool,
          // Each pull or pop may hold a read buffer until its answer is written (flow-control.md).
          costly: COSTLY_CODES.has(p.code),
        });
      }
    }
    this.every(10_000, () => parts.clients.scanExpired());
    this.every(c.flushConsumerOffsetInterval, () =>
      parts.offsets.persist().catch((err) => this.logger.error({ err }, 'persisting consumer offsets failed')),
    );
    // Controller mode: every member syncs metadata while it is a slave (it skips while master).
    if (c.brokerRole === 'SLAVE' || controllerMode) {
      const schedule = parts.features.schedule;
      this.slaveSync = new SlaveSynchronize({
        client: this.client,
        masterAddr: () => replication.masterAddr,
        selfAddr: this.advertised,
        topics: parts.topics,
        groups: parts.groups,
        offsets: parts.offsets,
        ...(schedule?.adopt ? { delayOffsets: (text: string) => schedule.adopt!(text) } : {}),
        ...(parts.timer.rules.timerWheelEnable ? { timerStorePathRootDir: c.storePathRootDir } : {}),
        intervalMs: c.slaveSyncInterval,
        timeoutMs: c.registerBrokerTimeoutMills,
        logger: this.logger.child({ component: 'slave-sync' }),
      });
      this.slaveSync.start();
      const sync = this.slaveSync;
      replication.lastMetadataSync = () => sync.lastSyncTimestamp;
    }
    this.ready = true;
    // After ready: a client that connects once the port is open is not kept waiting on the exporter.
    await this.startMetrics(parts, servers, ip);
    // Controller mode: registered with the NameServers once the controller gives a role (#6508).
    if (controllerMode)
      controllerMode.attach({
        brokerAddr: this.advertised,
        identity: parts.identity,
        registrar: parts.registrar,
        roleChanged: (role) => void parts.roles.follow(role).catch(() => undefined),
      });
    else await parts.registrar.start();
    this.logger.info(
      { brokerName: c.brokerName, cluster: c.brokerClusterName, brokerAddr: this.advertised, port: this.boundPort },
      'broker started',
    );
  }

  private async startMetrics(parts: BrokerComponents, servers: RemotingServer[], ip: string): Promise<void> {
    const { metrics, collector } = parts;
    if (metrics === undefined || collector === undefined) return;
    const c = this.options.config;
    for (const server of servers)
      server.setRpcObserver((req, res, ms, result) => metrics.recordRpc(req, res, ms, result));
    collector.connections = () => {
      let n = 0;
      for (const server of servers) for (const _ of server.connections()) n++;
      return n;
    };
    collector.ha = () => {
      const m = this.replication?.status().master;
      if (m === undefined) return undefined;
      const slaves = m.connections.map((s) => ({ addr: s.addr, ackOffset: s.slaveAckOffset }));
      return { masterMaxOffset: m.masterCommitLogMaxOffset, inSyncSlaves: m.inSyncSlaveNums, slaves };
    };
    const proc = new ProcessMetrics();
    this.processMetrics = proc;
    this.metricsService = new MetricsService(
      { ...c, defaultHost: c.brokerIP1 || ip },
      async () => [...metrics.families(), ...(await collector.families()), ...proc.families()],
      this.logger.child({ component: 'metrics' }),
      this.clock,
    );
    await this.metricsService.start();
  }

  /** Unregisters, answers held pulls, closes the listener, persists state, stops the store. Idempotent. */
  shutdown(): Promise<void> {
    this.stopping ??= this.doShutdown();
    return this.stopping;
  }

  private async doShutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const parts = this.parts;
    if (parts) {
      await parts.registrar.stop();
      parts.hold.stop();
      parts.pop.stopPolling();
    }
    await Promise.all([this.server.close(3000), this.fastServer?.close(3000)]);
    this.ready = false;
    await this.slaveSync?.stop();
    await this.replication?.stop().catch((err) => this.logger.error({ err }, 'stopping replication failed'));
    if (parts) {
      await parts.features.stop().catch((err) => this.logger.error({ err }, 'stopping features failed'));
      await Promise.all([parts.offsets.persist(true), parts.topics.persist(), parts.groups.persist()]);
      await parts.store.shutdown();
    }
    await this.metricsService?.stop();
    this.processMetrics?.close();
    await this.client.close();
    this.logger.info({ brokerAddr: this.advertised }, 'broker stopped');
  }

  private every(ms: number, fn: () => unknown): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }
}

const PULL_CODES = new Set<number>([RequestCode.PULL_MESSAGE, RequestCode.LITE_PULL_MESSAGE]);

/**
 * Requests that read the store, counted against serverChannelMaxActivePulls: pulls, pops and
 * peeks, and NOTIFICATION, which the long-polling hold parks like them (the hold pairs
 * requestSuspended/requestResumed with costly requests only).
 */
export const COSTLY_CODES: ReadonlySet<number> = new Set<number>([
  ...PULL_CODES,
  RequestCode.POP_MESSAGE,
  RequestCode.PEEK_MESSAGE,
  RequestCode.NOTIFICATION,
]);

const notReady = (req: Parameters<typeof createResponse>[0]) =>
  createResponse(req, ResponseCode.SERVICE_NOT_AVAILABLE, 'broker is not running');

/** Creates and starts a broker. */
export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const broker = new Broker(options);
  try {
    await broker.start();
  } catch (e) {
    await broker.shutdown().catch(() => undefined);
    throw e;
  }
  return broker;
}
