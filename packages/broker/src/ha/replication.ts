// The broker's side of master–slave replication: runs the store's HA service on a master
// (SYNC_MASTER: answers sends after a slave's ack) or its HA client on a slave (master address
// from haMasterAddress or the NameServer registration answer), and reports HA state for
// brokerStatus / haStatus. The byte protocol and the waits live in @rocketmq-ts/store (ha/);
// docs/replication.md describes the behaviour.
import type { Logger } from '@rocketmq-ts/common';
import { createResponse, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import { ACK_LAG_BOUNDS_MS, FileMessageStore, HAClient, HAService, type MessageStore } from '@rocketmq-ts/store';
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
  /** Slave: when the last metadata sync pass ended (runtime info; set by the lifecycle). */
  lastMetadataSync: () => number = () => 0;
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
        haFlowControlEnable: c.haFlowControlEnable,
        maxHaTransferByteInSecond: c.maxHaTransferByteInSecond,
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

  /** Slave: the NameServer names a live master and the HA connection to it is up. */
  masterAlive(): boolean {
    return this.masterAddr !== undefined && this.client?.info().state === 'TRANSFER';
  }

  /** REGISTER_BROKER answered: a slave follows the live master it names. */
  onRegistered(answer: { haServerAddr: string | undefined; masterAddr: string | undefined }): void {
    if (!this.isSlave) return;
    // No master in the answer: it is gone (the NameServer dropped it) until it registers again.
    this.masterAddr = answer.masterAddr || undefined;
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

  /**
   * GET_BROKER_HA_STATUS (907), `mqadmin haStatus`: RocketMQ's HARuntimeInfo JSON (master: its
   * slaves' acks and lag; slave: its client's state).
   */
  processors(): { code: number; handler: RequestHandler }[] {
    const handler: RequestHandler = (request) => {
      const s = this.status();
      const body = {
        master: s.master !== undefined,
        masterCommitLogMaxOffset: s.master?.masterCommitLogMaxOffset ?? 0,
        inSyncSlaveNums: s.master?.inSyncSlaveNums ?? 0,
        haConnectionInfo: (s.master?.connections ?? []).map((c) => ({
          addr: c.addr,
          slaveAckOffset: c.slaveAckOffset,
          diff: c.diff,
          inSync: c.inSync,
          transferredBytePerSecond: c.transferredBytePerSecond,
          transferFromWhere: c.transferFromWhere,
          // rocketmq-ts: bytes acknowledged by the slave per ack-lag bucket (ackLagBoundsMs, then the rest).
          ackLagBytes: c.ackLagBytes,
        })),
        ackLagBoundsMs: s.master ? ACK_LAG_BOUNDS_MS : undefined,
        haClientRuntimeInfo: s.slave
          ? {
              masterAddr: s.slave.masterHaAddress ?? '',
              transferredBytePerSecond: 0,
              maxOffset: s.slave.maxOffset,
              lastReadTimestamp: s.slave.lastReadTimestamp,
              lastWriteTimestamp: s.slave.lastWriteTimestamp,
              masterFlushOffset: 0,
              isActivated: s.slave.state === 'TRANSFER',
            }
          : undefined,
      };
      const res = createResponse(request, ResponseCode.SUCCESS);
      res.body = Buffer.from(JSON.stringify(body), 'utf8');
      return res;
    };
    return [{ code: RequestCode.GET_BROKER_HA_STATUS, handler }];
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
      out.slaveSyncTimestamp = String(this.lastMetadataSync());
      if (s.slave.lastError) out.haLastError = s.slave.lastError;
    }
    return out;
  }
}
