import { type Clock, type Logger, silentLogger, systemClock } from '@rocketmq-ts/common';
import {
  createRequest,
  ElectMasterResponseHeader,
  encodeElectMasterResponseBody,
  encodeSyncStateSet,
  NotifyBrokerRoleChangedRequestHeader,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { RemotingClient, RemotingServer } from '@rocketmq-ts/remoting';
import { type ControllerConfig, defaultControllerConfig, parsePeers, selfPeer } from './controller-config.js';
import { BrokerHeartbeatManager, type HeartbeatEntry } from './heartbeat.js';
import { controllerProcessors } from './processors.js';
import type { ControllerStore } from './storage/controller-store.js';
import { EtcdStore } from './storage/etcd-store.js';
import { LocalLogStore } from './storage/local-log-store.js';

// Composition root of one controller node (RocketMQ's ControllerManager): the store, the
// heartbeat table, the remoting server with the controller's processors, and the leader's
// duties: electing a new master when a master's heartbeat expires or its connection closes, a
// periodic scan for broker sets without a live master, and NOTIFY_BROKER_ROLE_CHANGED to the
// members after an election.

export interface ControllerManagerOptions {
  logger?: Logger;
  clock?: Clock;
  /** Overrides the store the config names (tests). */
  store?: ControllerStore;
}

export class ControllerManager {
  readonly config: ControllerConfig;
  readonly heartbeats: BrokerHeartbeatManager;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private store: ControllerStore | undefined;
  private server: RemotingServer | undefined;
  private readonly client: RemotingClient;
  private timers: NodeJS.Timeout[] = [];
  private advertised = '';
  private stopped = false;

  constructor(
    config: Partial<ControllerConfig> = {},
    private readonly options: ControllerManagerOptions = {},
  ) {
    this.config = { ...defaultControllerConfig(), ...config };
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.heartbeats = new BrokerHeartbeatManager(this.clock);
    this.client = new RemotingClient({ logger: this.logger.child({ component: 'controller-client' }) });
  }

  get address(): string {
    return this.advertised;
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  get controllerStore(): ControllerStore | undefined {
    return this.store;
  }

  isLeader(): boolean {
    return this.store?.isLeader() ?? false;
  }

  async start(): Promise<void> {
    const self = selfPeer(this.config);
    // Port 0 (tests) binds any free port; the advertised address then carries the bound one.
    const colon = self.address.lastIndexOf(':');
    const where = { host: self.address.slice(0, colon), port: Number(self.address.slice(colon + 1)) };
    if (colon <= 0 || !Number.isInteger(where.port) || where.port < 0 || where.port > 65535) {
      throw new Error(`controller address ${self.address} is not host:port`);
    }
    const server = new RemotingServer({
      port: where.port,
      host: this.config.controllerBindAddress,
      logger: this.logger.child({ component: 'controller-remoting' }),
    });
    this.server = server;
    await server.listen();
    this.advertised = `${where.host}:${server.port}`;
    this.store = this.options.store ?? this.createStore();
    await this.store.open();
    const processors = controllerProcessors({
      store: this.store,
      heartbeats: this.heartbeats,
      config: this.config,
      logger: this.logger,
      address: () => this.advertised,
      forward: (addr, req) => this.client.invoke(addr, createRequest(req.code, req.extFields, req.body), 5000),
      onElected: (brokerName, header, body) => this.notifyMembers(brokerName, header, body),
    });
    for (const [code, handler] of processors) server.registerProcessor(code, handler);
    server.onDisconnect((conn) => {
      for (const e of this.heartbeats.onChannelClosed(conn)) this.onBrokerInactive(e);
    });
    this.timers.push(
      setInterval(() => {
        for (const e of this.heartbeats.scanExpired()) this.onBrokerInactive(e);
      }, this.config.scanNotActiveBrokerInterval),
      setInterval(() => void this.scanInactiveMasters(), this.config.scanInactiveMasterInterval),
    );
    this.logger.info({ address: this.advertised, type: this.config.controllerType }, 'controller started');
  }

  private createStore(): ControllerStore {
    const type = this.config.controllerType.toLowerCase();
    if (type === 'etcd') {
      return new EtcdStore({
        endpoints: this.config.etcdEndpoints.split(/[;,]/).filter(Boolean),
        prefix: `${this.config.etcdKeyPrefix}/${this.config.controllerDLegerGroup}`,
        address: this.advertised,
        leaseTtlSeconds: this.config.etcdLeaseTtlSeconds,
        logger: this.logger.child({ component: 'etcd-store' }),
      });
    }
    if (parsePeers(this.config.controllerDLegerPeers).length > 1) {
      throw new Error('several controllerDLegerPeers need controllerType=etcd (the local log serves one controller)');
    }
    return new LocalLogStore({
      dir: this.config.controllerStorePath,
      address: this.advertised,
      logger: this.logger.child({ component: 'controller-log' }),
    });
  }

  /** A broker's heartbeat expired or its connection closed: re-elect if it was the master. */
  private onBrokerInactive(e: HeartbeatEntry): void {
    if (this.stopped || !this.isLeader()) return;
    this.logger.info({ brokerName: e.brokerName, brokerId: e.brokerId, addr: e.brokerAddr }, 'broker inactive');
    void (async () => {
      const isMaster = await this.store?.query((s) => s.isMaster(e.brokerName, e.brokerId));
      if (isMaster) await this.electByController(e.clusterName, e.brokerName);
    })().catch((err: unknown) => this.logger.warn({ err: String(err) }, 'inactive-broker handling failed'));
  }

  private async scanInactiveMasters(): Promise<void> {
    if (this.stopped || !this.isLeader() || !this.store) return;
    try {
      const sets = await this.store.query((s) =>
        s.scanNeedReelect(this.heartbeats).map((n) => [s.get(n)?.clusterName ?? '', n] as const),
      );
      for (const [cluster, name] of sets) await this.electByController(cluster, name);
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'inactive-master scan failed');
    }
  }

  /** Elects with brokerId −1, retrying up to electMasterMaxRetryCount times. */
  async electByController(clusterName: string, brokerName: string): Promise<void> {
    const store = this.store;
    if (!store) return;
    for (let attempt = 0; attempt < Math.max(1, this.config.electMasterMaxRetryCount); attempt++) {
      const out = await store.transact((s) =>
        s.electMaster({ brokerName, brokerId: -1 }, this.heartbeats, {
          enableElectUncleanMaster: this.config.enableElectUncleanMaster,
        }),
      );
      if (!out.ok) return;
      const r = out.result;
      this.logger.info(
        { brokerName, clusterName, code: r.code, master: r.header.masterBrokerId },
        'controller-triggered election',
      );
      if (r.code === ResponseCode.SUCCESS) {
        const body = r.body ? encodeElectMasterResponseBody(r.body) : undefined;
        this.notifyMembers(brokerName, ElectMasterResponseHeader.encode(r.header), body);
        return;
      }
      if (
        r.code === ResponseCode.CONTROLLER_MASTER_NOT_AVAILABLE ||
        r.code === ResponseCode.CONTROLLER_MASTER_STILL_EXIST
      )
        return;
    }
  }

  /** NOTIFY_BROKER_ROLE_CHANGED (oneway) to every alive member of the set. */
  private notifyMembers(brokerName: string, header: Record<string, string>, _body: Buffer | undefined): void {
    if (!this.config.notifyBrokerRoleChanged) return;
    const h = ElectMasterResponseHeader.decode(header);
    if (!h.ok) return;
    const ext = NotifyBrokerRoleChangedRequestHeader.encode({
      masterAddress: h.value.masterAddress,
      masterEpoch: h.value.masterEpoch,
      syncStateSetEpoch: h.value.syncStateSetEpoch,
      masterBrokerId: h.value.masterBrokerId,
    });
    const body =
      h.value.masterBrokerId === undefined
        ? undefined
        : encodeSyncStateSet({
            syncStateSet: [h.value.masterBrokerId],
            syncStateSetEpoch: h.value.syncStateSetEpoch ?? 0,
          });
    for (const e of this.heartbeats.entries()) {
      if (e.brokerName !== brokerName || !this.heartbeats.liveInfo(e.clusterName, e.brokerName, e.brokerId)) continue;
      this.client
        .invokeOneway(e.brokerAddr, createRequest(RequestCode.NOTIFY_BROKER_ROLE_CHANGED, ext, body))
        .catch((err: unknown) => this.logger.debug({ err: String(err), addr: e.brokerAddr }, 'notify failed'));
    }
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.server?.close(0);
    await this.client.close();
    await this.store?.close();
  }
}
