// Slave side of classic replication (RocketMQ DefaultHAClient): connects to the master's HA
// address, reports how far its CommitLog goes, appends every transfer frame at exactly that
// offset and reports again. Any gap or overlap drops the connection (offset equality is the
// only consistency check classic HA has); it reconnects after haReconnectInterval.
import type { Logger } from '@rocketmq-ts/common';
import { ReplicaLink } from './ha-connection.js';
import { encodeReport, TransferDecoder } from './ha-wire.js';
import type { ReplicaAppendStatus } from './replica-log.js';

/** What the slave needs of its store. */
export interface HASlaveLog {
  getMaxPhyOffset(): number;
  /** Offset the slave acknowledges: written (ASYNC_FLUSH) or flushed (SYNC_FLUSH). */
  replicaAckOffset(): number;
  appendReplicated(offset: number, data: Buffer): ReplicaAppendStatus;
  onReplicaProgress(listener: (written: number, flushed: number) => void): void;
}

export interface HAClientConfig {
  haSendHeartbeatInterval: number;
  haHousekeepingInterval: number;
  /** ms between connection attempts (RocketMQ waits 5 s). */
  haReconnectInterval: number;
}

export type HAClientState = 'READY' | 'TRANSFER' | 'SHUTDOWN';

export interface HAClientInfo {
  masterHaAddress: string | undefined;
  state: HAClientState;
  maxOffset: number;
  reportedOffset: number;
  lastReadTimestamp: number;
  lastWriteTimestamp: number;
  transferredBytes: number;
  lastError: string | undefined;
}

export class HAClient extends ReplicaLink<'TRANSFER'> {
  private masterAddr: string | undefined;
  private decoder = new TransferDecoder();
  private transferred = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Frames received on the current connection (a close before any hints at a refused report). */
  private framesOnConnection = 0;

  constructor(
    private readonly log: HASlaveLog,
    config: HAClientConfig,
    logger: Logger,
  ) {
    super('READY', config, logger.child({ component: 'ha-slave' }));
    log.onReplicaProgress(() => this.reportIfGrown());
  }

  /** The master's HA address (`ip:port`); a change drops the current connection. */
  setMasterAddress(addr: string | undefined): void {
    if (addr === this.masterAddr) return;
    this.logger.info({ old: this.masterAddr, new: addr }, 'ha: master address changed');
    this.masterAddr = addr;
    this.drop();
    this.retryAt = 0;
    this.tick();
  }

  get masterAddress(): string | undefined {
    return this.masterAddr;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), 200);
    this.timer.unref();
    this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.drop();
    this.state = 'SHUTDOWN';
  }

  info(): HAClientInfo {
    return {
      masterHaAddress: this.masterAddr,
      state: this.state,
      maxOffset: this.log.getMaxPhyOffset(),
      reportedOffset: this.reported,
      lastReadTimestamp: this.lastRead,
      lastWriteTimestamp: this.lastWrite,
      transferredBytes: this.transferred,
      lastError: this.lastError,
    };
  }

  protected get peer(): string | undefined {
    return this.masterAddr;
  }

  protected encodeAck(offset: number): Buffer {
    return encodeReport(offset);
  }

  protected override mayConnect(): boolean {
    return this.timer !== undefined;
  }

  protected onOpen(): void {
    this.decoder = new TransferDecoder();
    this.framesOnConnection = 0;
    this.state = 'TRANSFER';
    this.logger.info({ master: this.masterAddr, offset: this.log.getMaxPhyOffset() }, 'ha: connected to master');
    this.reportIfGrown();
  }

  protected override onClosed(): void {
    if (this.state === 'TRANSFER' && this.framesOnConnection === 0 && this.reported > 0) {
      // The master closes at once when our offset is beyond its log (see ha-service.ts).
      this.lastError = `master closed the connection after offset ${this.reported} was reported: is this slave ahead of its master?`;
      this.logger.error({ master: this.masterAddr, offset: this.reported }, `ha: ${this.lastError}`);
    }
  }

  protected onData(chunk: Buffer): void {
    const r = this.decoder.push(chunk);
    if (!r.ok) {
      this.fail(r.error, 'error');
      return;
    }
    for (const f of r.frames) {
      this.framesOnConnection++;
      const max = this.log.getMaxPhyOffset();
      if (max !== 0 && max !== f.offset) {
        this.fail(`master pushed offset ${f.offset}, slave max offset is ${max}`, 'error');
        return;
      }
      if (f.body.length === 0) continue;
      const s = this.log.appendReplicated(f.offset, f.body);
      if (s !== 'OK') {
        this.fail(`append at ${f.offset} refused: ${s}`, 'error');
        return;
      }
      this.transferred += f.body.length;
    }
  }

  /**
   * Reports the acknowledged offset when it grew. The first report of a connection waits until
   * every appended byte is acknowledged: it also tells the master where to resume.
   */
  private reportIfGrown(): void {
    if (this.state !== 'TRANSFER' || !this.socket) return;
    const ack = this.log.replicaAckOffset();
    if (this.reported < 0 && ack < this.log.getMaxPhyOffset()) return;
    if (ack > this.reported) this.send(ack);
  }
}
