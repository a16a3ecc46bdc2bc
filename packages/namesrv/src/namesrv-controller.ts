import { type Clock, type Logger, silentLogger, systemClock } from '@rocketmq-ts/common';
import { RequestCode } from '@rocketmq-ts/protocol';
import { RemotingServer } from '@rocketmq-ts/remoting';
import { Housekeeping } from './housekeeping.js';
import { KVConfigManager } from './kv-config.js';
import { defaultNamesrvConfig, type NamesrvConfig } from './namesrv-config.js';
import { adminProcessors } from './processors/admin-processors.js';
import { brokerProcessors } from './processors/broker-processors.js';
import { kvProcessors } from './processors/kv-processors.js';
import type { ProcessorDeps } from './processors/processor-support.js';
import { routeProcessors } from './processors/route-processors.js';
import { RouteInfoManager } from './route-info.js';

// Composition root of one NameServer: state, KV store, processors, server, housekeeping.
// NameServers share nothing, so any number can run in one process.

export interface NamesrvControllerOptions {
  logger?: Logger;
  clock?: Clock;
}

/** Client route lookups get their own in-flight pool so admin traffic cannot starve them. */
const CLIENT_POOL = 'client';

export class NamesrvController {
  readonly config: NamesrvConfig;
  readonly routeInfo: RouteInfoManager;
  readonly kvConfig: KVConfigManager;
  readonly housekeeping: Housekeeping;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private server: RemotingServer | undefined;
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';

  constructor(config: Partial<NamesrvConfig> = {}, options: NamesrvControllerOptions = {}) {
    this.config = { ...defaultNamesrvConfig(), ...config };
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.routeInfo = new RouteInfoManager({
      clock: this.clock,
      logger: this.logger.child({ component: 'route-info' }),
      deleteTopicWithBrokerRegistration: this.config.deleteTopicWithBrokerRegistration,
      supportActingMaster: this.config.supportActingMaster,
    });
    this.kvConfig = new KVConfigManager(this.config.kvConfigPath, this.logger.child({ component: 'kv-config' }));
    this.housekeeping = new Housekeeping(this.routeInfo, this.config.scanNotActiveBrokerInterval, this.logger);
  }

  /** Loads the KV table, binds `bindAddress:listenPort` and starts expiry scans. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`NamesrvController cannot start: it is ${this.state}`);
    this.state = 'starting';
    await this.kvConfig.load();
    const server = new RemotingServer({
      port: this.config.listenPort,
      host: this.config.bindAddress,
      idleTimeoutMs: this.config.serverChannelMaxIdleTimeSeconds * 1000,
      maxInFlight: this.config.defaultThreadPoolQueueCapacity,
      logger: this.logger.child({ component: 'remoting' }),
    });
    server.definePool(CLIENT_POOL, { maxInFlight: this.config.clientRequestThreadPoolQueueCapacity });
    const deps: ProcessorDeps = {
      routeInfo: this.routeInfo,
      kv: this.kvConfig,
      config: this.config,
      clock: this.clock,
      logger: this.logger,
      startedAt: this.clock.now(),
    };
    for (const [code, handler] of routeProcessors(deps)) {
      server.registerProcessor(
        code,
        handler,
        code === RequestCode.GET_ROUTEINFO_BY_TOPIC ? { pool: CLIENT_POOL } : undefined,
      );
    }
    for (const [code, handler] of [...brokerProcessors(deps), ...kvProcessors(deps), ...adminProcessors(deps)]) {
      server.registerProcessor(code, handler);
    }
    server.onDisconnect((conn) => {
      const broker = this.routeInfo.onChannelDestroy(conn);
      if (broker) this.logger.info({ ...broker }, 'broker connection closed; broker unregistered');
    });
    this.server = server;
    try {
      await server.listen();
    } catch (e) {
      this.state = 'stopped';
      await server.close(0);
      throw e;
    }
    this.housekeeping.start();
    this.state = 'running';
  }

  /** The bound port (useful with listenPort 0); 0 before start. */
  get port(): number {
    return this.server?.port ?? 0;
  }

  /** `host:port` clients should use, for tests and the all-in-one launcher. */
  get address(): string {
    const host = this.config.bindAddress === '0.0.0.0' ? '127.0.0.1' : this.config.bindAddress;
    return `${host}:${this.port}`;
  }

  /** Stops scans, closes the server (brokers are not unregistered) and flushes the KV file. */
  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.housekeeping.stop();
    await this.server?.close();
    await this.kvConfig.flush();
  }
}
