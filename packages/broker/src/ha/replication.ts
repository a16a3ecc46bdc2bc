// The broker's side of master–slave replication: runs the store's HA service on a master
// (SYNC_MASTER: answers sends after a slave's ack) or its HA client on a slave (master address
// from haMasterAddress or the NameServer registration answer), and reports HA state for
// brokerStatus / haStatus. The byte protocol and the waits live in @rocketmq-ts/store (ha/);
// docs/replication.md describes the behaviour.
import type { Logger } from '@rocketmq-ts/common';
import { FileMessageStore, HAClient, HAService, type MessageStore } from '@rocketmq-ts/store';
import type { BrokerConfig } from '../broker-config.js';

export interface ReplicationStatus {
  brokerRole: string;
  brokerId: number;
  haServerAddr: string;
  master?: ReturnType<HAService['status']> & { push2SlaveMaxOffset: number };
  slave?: ReturnType<HAClient['info']> & { masterAddr: string | undefined };
}

export class Replication {
  private service: HAService | undefined;
  private client: HAClient | undefined;
  private haPort = 0;
  /** The master's remoting address (metadata sync), learnt from the NameServer. */
  masterAddr: string | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly config: BrokerConfig,
    private readonly store: MessageStore,
    /** Advertised IP of this broker (brokerIP1 or the chosen one). */
    private readonly advertisedIp: string,
    logger: Logger,
  ) {
    this.logger = logger.child({ component: 'replication' });
  }

  get isSlave(): boolean {
    return this.config.brokerRole === 'SLAVE';
  }

  /** `brokerIP2:haPort`, sent as haServerAddr in REGISTER_BROKER. */
  haServerAddr(): string {
    const ip = this.config.brokerIP2 || this.advertisedIp;
    return `${ip}:${this.haPort || this.config.haListenPort}`;
  }

  /** Starts after the store: a master listens on haListenPort, a slave starts following. */
  async start(): Promise<void> {
    const c = this.config;
    const store = this.store;
    if (!(store instanceof FileMessageStore)) {
      if (c.brokerRole !== 'ASYNC_MASTER') throw new Error(`brokerRole ${c.brokerRole} needs the file store`);
      return;
    }
    if (this.isSlave) {
      this.client = new HAClient(
        store,
        {
          haSendHeartbeatInterval: c.haSendHeartbeatInterval,
          haHousekeepingInterval: c.haHousekeepingInterval,
          haReconnectInterval: c.haReconnectInterval,
        },
        this.logger,
      );
      this.client.start();
      // RocketMQ takes a configured address only if it looks like one (length ≥ 6), and keeps it.
      if (c.haMasterAddress.length >= 6) this.client.setMasterAddress(c.haMasterAddress);
      return;
    }
    this.service = new HAService(
      store,
      {
        haListenPort: c.haListenPort,
        host: c.listenHost,
        haSendHeartbeatInterval: c.haSendHeartbeatInterval,
        haHousekeepingInterval: c.haHousekeepingInterval,
        haTransferBatchSize: c.haTransferBatchSize,
        slaveTimeout: c.slaveTimeout,
        haMaxGapNotInSync: c.haMaxGapNotInSync,
        inSyncReplicas: c.inSyncReplicas,
      },
      this.logger,
    );
    this.haPort = await this.service.start();
    if (c.brokerRole === 'SYNC_MASTER') store.setReplicationGate(this.service.gate);
  }

  async stop(): Promise<void> {
    this.client?.stop();
    if (this.store instanceof FileMessageStore) this.store.setReplicationGate(undefined);
    await this.service?.stop();
  }

  /** REGISTER_BROKER answered: a slave follows the live master it names. */
  onRegistered(answer: { haServerAddr: string | undefined; masterAddr: string | undefined }): void {
    if (!this.isSlave) return;
    if (answer.masterAddr) this.masterAddr = answer.masterAddr;
    if (this.config.haMasterAddress.length < 6 && answer.haServerAddr)
      this.client?.setMasterAddress(answer.haServerAddr);
  }

  status(): ReplicationStatus {
    const out: ReplicationStatus = {
      brokerRole: this.config.brokerRole,
      brokerId: this.config.brokerId,
      haServerAddr: this.haServerAddr(),
    };
    if (this.service) out.master = { ...this.service.status(), push2SlaveMaxOffset: this.service.push2SlaveMaxOffset };
    if (this.client) out.slave = { ...this.client.info(), masterAddr: this.masterAddr };
    return out;
  }

  /** Fields added to GET_BROKER_RUNTIME_INFO (brokerStatus), RocketMQ's names where they exist. */
  runtimeInfo(): Record<string, string> {
    const s = this.status();
    const out: Record<string, string> = { brokerRole: s.brokerRole, haServerAddr: s.haServerAddr };
    if (s.master) {
      const acks = s.master.connections.map((c) => c.slaveAckOffset);
      out.haConnectionNums = String(s.master.connections.length);
      out.inSyncSlaveNums = String(s.master.inSyncSlaveNums);
      out.haPush2SlaveMaxOffset = String(s.master.push2SlaveMaxOffset);
      if (acks.length > 0) out.slaveFallBehindMuch = String(s.master.masterCommitLogMaxOffset - Math.max(...acks));
    }
    if (s.slave) {
      out.masterAddr = s.slave.masterAddr ?? '';
      out.masterHaAddress = s.slave.masterHaAddress ?? '';
      out.haClientState = s.slave.state;
      out.haSlaveReportedOffset = String(s.slave.reportedOffset);
      if (s.slave.lastError) out.haLastError = s.slave.lastError;
    }
    return out;
  }
}
