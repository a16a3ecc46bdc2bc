// A broker in controller mode (enableControllerMode=true): the HA side the controller client
// (ReplicasManager) drives, over the store's controller-mode replication (epoch file, handshake
// with truncation, SyncStateSet write gate). It takes the place of classic replication
// (Replication) in the broker: starts fenced (no writes, not registered with the NameServer),
// becomes master or slave when the controller says so, without restarting the process, and
// re-registers under the id the role gives (0 as master) with masterEpoch as stateVersion, so
// the NameServer prefers the newest master (apache/rocketmq#6316). docs/controller.md.
import { join } from 'node:path';
import type { Logger } from '@rocketmq-ts/common';
import { createRequest, createResponse, decodeKVTable, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingClient, type RequestHandler } from '@rocketmq-ts/remoting';
import {
  AutoSwitchClient,
  AutoSwitchService,
  EPOCH_FILE_NAME,
  EpochFile,
  FileMessageStore,
  type MessageStore,
} from '@rocketmq-ts/store';
import type { BrokerConfig } from '../broker-config.js';
import type { HaControl, SlaveAck } from '../controller/ha-control.js';
import { ReplicasManager, type RoleState } from '../controller/replicas-manager.js';
import { Replication } from './replication.js';

const isTrue = (v: unknown): boolean => v === true || String(v) === 'true';

/** What the controller-mode side changes in the running broker on a role change. */
export interface ControllerModeHooks {
  /** The broker's remoting address. */
  brokerAddr: string;
  /** The registration identity; its brokerId follows the role (0 as master). */
  identity: { brokerId: number };
  registrar: { start(): Promise<void>; registerAll(): Promise<void> };
  /** After each role change: the master-only services follow it (runtime/role-services.ts). */
  roleChanged?(role: 'master' | 'slave'): void;
}

export class ControllerModeReplication extends Replication implements HaControl {
  private readonly fileStore: FileMessageStore;
  private readonly epochs: EpochFile;
  private masterSide: AutoSwitchService | undefined;
  private slaveSide: AutoSwitchClient | undefined;
  private manager: ReplicasManager | undefined;
  private readonly remoting = new RemotingClient();
  private role: RoleState | undefined;
  private registered = false;
  /** Bumped on every role change: a background follow of an older role gives up. */
  private generation = 0;
  private leaseTimer: NodeJS.Timeout | undefined;
  private leaseLost = false;
  private readonly log: Logger;

  constructor(
    private readonly cfg: BrokerConfig,
    store: MessageStore,
    advertisedIp: string,
    logger: Logger,
  ) {
    super(cfg, store, advertisedIp, logger);
    if (!(store instanceof FileMessageStore)) throw new Error('enableControllerMode needs the file store');
    this.fileStore = store;
    this.epochs = new EpochFile(join(cfg.storePathRootDir, EPOCH_FILE_NAME));
    this.log = logger.child({ component: 'controller-mode' });
  }

  override get isSlave(): boolean {
    return this.role?.role !== 'master';
  }

  override haServerAddr(): string {
    const ip = this.cfg.brokerIP2 || this.cfg.brokerIP1 || '127.0.0.1';
    return `${ip}:${this.masterSide?.port ?? this.cfg.haListenPort}`;
  }

  /** Store started: load the epoch file, listen on the HA port, stay fenced. */
  override async start(): Promise<void> {
    const c = this.cfg;
    const store = this.fileStore;
    store.setBrokerRole('SLAVE');
    const problem = await this.epochs.load();
    if (problem) this.log.error({ problem }, 'epoch file damaged');
    // Entries past the recovered log (a tail lost in the crash) describe nothing.
    await this.epochs.truncateFromOffset(store.getMaxPhyOffset() + 1);
    this.masterSide = new AutoSwitchService(
      store,
      this.epochs,
      {
        haListenPort: c.haListenPort,
        host: c.listenHost,
        haSendHeartbeatInterval: c.haSendHeartbeatInterval,
        haHousekeepingInterval: c.haHousekeepingInterval,
        haTransferBatchSize: c.haTransferBatchSize,
        slaveTimeout: c.slaveTimeout,
        allAckInSyncStateSet: String(c.allAckInSyncStateSet) !== 'false',
        inSyncReplicas: c.inSyncReplicas,
        minInSyncReplicas: c.minInSyncReplicas,
      },
      this.log,
    );
    await this.masterSide.start();
    const gate = this.masterSide.gate;
    // A master past its lease answers nothing SEND_OK: another master may exist by now.
    store.setReplicationGate((r) => {
      if (this.leaseValid()) return gate(r);
      if (r.status === 'PUT_OK') r.status = 'FLUSH_SLAVE_TIMEOUT';
      return r;
    });
    // The lease is checked again at each append's admission: a master resumed after a pause (SIGSTOP,
    // a long GC) handles the requests buffered meanwhile before any timer runs, and must not
    // append them (they would take queue offsets the new master gives to acknowledged messages).
    store.setWriteFence(this.admitWrite);
    // Reads stop at the confirm offset (readUnCommitted=false, apache/rocketmq#6662): a record
    // not yet held by every SyncStateSet member may be truncated at the next failover, and a
    // consumer that read it would skip the acknowledged message taking its queue offset.
    // Until the controller confirms a role nothing is readable (#6508): a restarted former
    // master's tail may be cut when it learns it is a slave.
    store.setReadBound(() => (this.role ? this.confirmOffset() : -1));
    this.leaseTimer = setInterval(() => this.checkLease(), 100);
    this.leaseTimer.unref();
  }

  /**
   * The master's lease: it holds while the controller leader answered a request sent less than
   * controllerHeartBeatTimeoutMills − 2 × brokerHeartbeatInterval ago. The controller declares
   * the master dead only a full heartbeat timeout after the last heartbeat it got, which is
   * later; so the old master stops before a new one can start.
   */
  private leaseValid(): boolean {
    const c = this.cfg as unknown as Record<string, number>;
    const lease = Math.max(
      1000,
      (c.controllerHeartBeatTimeoutMills ?? 10_000) - 2 * (c.brokerHeartbeatInterval ?? 1000),
    );
    return Date.now() - (this.manager?.lastContactAt ?? 0) < lease;
  }

  /**
   * The store's write fence: a master appends only within its lease, and (RocketMQ 5.x) only
   * while its SyncStateSet has at least minInSyncReplicas members.
   */
  private readonly admitWrite = (): boolean | 'IN_SYNC_REPLICAS_NOT_ENOUGH' => {
    if (!this.leaseValid()) {
      this.checkLease();
      return false;
    }
    return this.masterSide?.inSyncReplicasEnough() === false ? 'IN_SYNC_REPLICAS_NOT_ENOUGH' : true;
  };

  private checkLease(): void {
    if (this.role?.role !== 'master' || !this.masterSide?.isActive) return;
    const valid = this.leaseValid();
    if (!valid && !this.leaseLost) {
      this.leaseLost = true;
      this.fileStore.setBrokerRole('SLAVE');
      this.log.warn(
        { masterEpoch: this.role.masterEpoch },
        'master lease expired (controller unreachable): writes refused',
      );
    } else if (valid && this.leaseLost) {
      this.leaseLost = false;
      this.fileStore.setBrokerRole('SYNC_MASTER');
      this.log.info({ masterEpoch: this.role.masterEpoch }, 'controller reachable again: writes accepted');
    }
  }

  /** After the broker is composed and serving: start talking to the controller. */
  attach(hooks: ControllerModeHooks): void {
    const c = this.cfg;
    const cfg = c as unknown as Record<string, number>;
    const manager = new ReplicasManager({
      clusterName: c.brokerClusterName,
      brokerName: c.brokerName,
      brokerAddr: hooks.brokerAddr,
      storeDir: c.storePathRootDir,
      controllerAddrs: c.controllerAddr
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean),
      ha: this,
      heartbeatIntervalMs: cfg.brokerHeartbeatInterval,
      heartbeatTimeoutMs: cfg.controllerHeartBeatTimeoutMills,
      syncBrokerMetadataPeriod: cfg.syncBrokerMetadataPeriod,
      checkSyncStateSetPeriod: cfg.checkSyncStateSetPeriod,
      haMaxTimeSlaveNotCatchup: cfg.haMaxTimeSlaveNotCatchup,
      electionPriority: cfg.brokerElectionPriority,
      asyncLearner: isTrue(c.asyncLearner),
      retryIntervalMs: 1000,
      logger: this.log,
    });
    this.manager = manager;
    if (this.masterSide) this.masterSide.onSlaveChange = () => void manager.checkSyncStateSet();
    manager.onRoleChange((s) => {
      this.role = s;
      hooks.identity.brokerId = s.role === 'master' ? 0 : s.brokerId;
      // Read at run time by the pull path (offset commits, slave redirects) and admin.
      c.brokerRole = s.role === 'master' ? 'SYNC_MASTER' : 'SLAVE';
      c.brokerId = hooks.identity.brokerId;
      this.log.info(
        { role: s.role, brokerId: s.brokerId, masterEpoch: s.masterEpoch, masterBrokerId: s.masterBrokerId },
        'role changed by the controller',
      );
      hooks.roleChanged?.(s.role === 'master' ? 'master' : 'slave');
      if (!this.registered) {
        this.registered = true;
        void hooks.registrar.start();
      } else void hooks.registrar.registerAll();
    });
    manager.start();
  }

  /** The master epoch, as the topic DataVersion's stateVersion (the NameServer keeps the newest). */
  stateVersion(): number {
    return this.role?.masterEpoch ?? 0;
  }

  // ---- HaControl ----

  lastEpoch(): number {
    return this.epochs.lastEpoch();
  }

  maxOffset(): number {
    return this.fileStore.getMaxPhyOffset();
  }

  confirmOffset(): number {
    if (this.masterSide?.isActive) return this.masterSide.confirmOffset();
    return this.slaveSide?.confirmOffset() ?? this.fileStore.getMaxPhyOffset();
  }

  answeredOffset(): number {
    return this.masterSide?.answeredEnd ?? 0;
  }

  async changeToMaster(epoch: number, syncStateSet: number[]): Promise<void> {
    if (epoch < this.epochs.lastEpoch())
      throw new Error(`epoch ${epoch} below the local epoch ${this.epochs.lastEpoch()}`);
    this.generation++;
    const store = this.fileStore;
    const selfId = this.manager?.state.brokerId ?? 0;
    if (!this.masterSide?.isActive) {
      await this.slaveSide?.stop();
      this.masterAddr = undefined;
      // A replicated frame may end inside a record: the new epoch starts at the last whole one.
      await store.drainReplica();
      const cut = store.replicaCompleteEnd();
      if (cut < store.getMaxPhyOffset()) {
        await store.truncateTail(cut);
        await this.epochs.truncateFromOffset(cut);
      }
    }
    if (epoch > this.epochs.lastEpoch()) await this.epochs.append(epoch, store.getMaxPhyOffset());
    this.masterSide?.activate(selfId, syncStateSet);
    this.leaseLost = false;
    store.setBrokerRole('SYNC_MASTER');
    this.log.info({ epoch, from: store.getMaxPhyOffset(), syncStateSet }, 'now master');
  }

  async changeToSlave(masterAddress: string, masterBrokerId: number, epoch: number): Promise<void> {
    if (epoch < this.epochs.lastEpoch())
      throw new Error(`epoch ${epoch} below the local epoch ${this.epochs.lastEpoch()}`);
    const gen = ++this.generation;
    // Writes stop first; writes in flight are answered FLUSH_SLAVE_TIMEOUT, never SEND_OK.
    this.fileStore.setBrokerRole('SLAVE');
    this.masterSide?.deactivate();
    this.masterAddr = masterAddress;
    this.slaveSide ??= new AutoSwitchClient(
      this.fileStore,
      this.epochs,
      {
        brokerId: this.manager?.state.brokerId ?? masterBrokerId,
        asyncLearner: isTrue(this.cfg.asyncLearner),
        haSendHeartbeatInterval: this.cfg.haSendHeartbeatInterval,
        haHousekeepingInterval: this.cfg.haHousekeepingInterval,
        haReconnectInterval: Math.min(this.cfg.haReconnectInterval, 1000),
      },
      this.log,
    );
    void this.follow(masterAddress, epoch, gen);
  }

  /** Asks the master for its HA address (GET_BROKER_RUNTIME_INFO `haServerAddr`) until it answers. */
  private async follow(masterAddress: string, epoch: number, gen: number): Promise<void> {
    while (gen === this.generation) {
      try {
        const res = await this.remoting.invoke(masterAddress, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO), 3000);
        const kv = res.code === ResponseCode.SUCCESS && res.body ? decodeKVTable(res.body) : undefined;
        const ha = kv?.ok ? kv.value.get('haServerAddr') : undefined;
        if (ha && gen === this.generation) {
          this.slaveSide?.follow(ha, epoch);
          return;
        }
      } catch {
        // The new master may not be serving yet.
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  slaveAcks(): SlaveAck[] {
    if (!this.masterSide?.isActive) return [];
    return this.masterSide.slaves().map((s) => ({
      brokerId: s.brokerId,
      ackOffset: s.ackOffset,
      lastCaughtUpTime: s.lastCaughtUpTime,
      asyncLearner: s.asyncLearner,
    }));
  }

  setSyncStateSet(ids: number[]): void {
    this.masterSide?.setSyncStateSet(ids);
  }

  // ---- Replication (broker-facing) ----

  override async stop(): Promise<void> {
    this.generation++;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    await this.manager?.shutdown();
    await this.slaveSide?.stop();
    this.fileStore.setReplicationGate(undefined);
    await this.masterSide?.stop();
    await this.remoting.close();
  }

  override masterAlive(): boolean {
    return this.role?.role === 'slave' && this.slaveSide?.currentState === 'TRANSFER';
  }

  /** The master comes from the controller, not from the NameServer's answer. */
  override onRegistered(): void {}

  override processors(): { code: number; handler: RequestHandler }[] {
    const notify: RequestHandler = (request) => {
      this.manager?.onNotify(request);
      return createResponse(request, ResponseCode.SUCCESS);
    };
    return [...super.processors(), { code: RequestCode.NOTIFY_BROKER_ROLE_CHANGED, handler: notify }];
  }

  override runtimeInfo(): Record<string, string> {
    const r = this.role;
    const out: Record<string, string> = {
      brokerRole: r?.role === 'master' ? 'SYNC_MASTER' : r?.role === 'slave' ? 'SLAVE' : 'FENCED',
      brokerId: String(r ? (r.role === 'master' ? 0 : r.brokerId) : -1),
      controllerBrokerId: String(r?.brokerId ?? -1),
      controllerMasterEpoch: String(r?.masterEpoch ?? 0),
      haServerAddr: this.haServerAddr(),
      epochLastEpoch: String(this.epochs.lastEpoch()),
      confirmOffset: String(this.confirmOffset()),
      slaveSyncTimestamp: String(this.lastMetadataSync()),
    };
    if (this.masterSide?.isActive) {
      out.syncStateSet = this.masterSide.syncStateSet().join(',');
      out.haConnectionNums = String(this.masterSide.slaves().length);
    }
    if (r?.role === 'slave') {
      out.masterAddr = this.masterAddr ?? '';
      out.masterHaAddress = this.slaveSide?.masterHaAddress ?? '';
      out.haClientState = this.slaveSide?.currentState ?? 'READY';
      if (this.slaveSide?.lastError) out.haLastError = this.slaveSide.lastError;
    }
    return out;
  }
}
