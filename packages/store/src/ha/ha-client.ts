// Slave side of classic replication (RocketMQ DefaultHAClient): connects to the master's HA
// address, reports how far its CommitLog goes, appends every transfer frame at exactly that
// offset and reports again. Any gap or overlap drops the connection (offset equality is the
// only consistency check classic HA has); it reconnects after haReconnectInterval.
import * as net from 'node:net';
import type { Logger } from '@rocketmq-ts/common';
import type { ReplicaAppendStatus } from '../file-store.js';
import { encodeReport, TransferDecoder } from './ha-wire.js';

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

export class HAClient {
  private masterAddr: string | undefined;
  private socket: net.Socket | undefined;
  private decoder = new TransferDecoder();
  private state: HAClientState = 'READY';
  private reported = -1;
  private lastRead = 0;
  private lastWrite = 0;
  private transferred = 0;
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryAt = 0;
  /** Frames received on the current connection (a close before any hints at a refused report). */
  private framesOnConnection = 0;
  private readonly logger: Logger;

  constructor(
    private readonly log: HASlaveLog,
    private readonly config: HAClientConfig,
    logger: Logger,
  ) {
    this.logger = logger.child({ component: 'ha-slave' });
    log.onReplicaProgress(() => this.reportIfGrown());
  }

  /** The master's HA address (`ip:port`); a change drops the current connection. */
  setMasterAddress(addr: string | undefined): void {
    if (addr === this.masterAddr) return;
    this.logger.info({ old: this.masterAddr, new: addr }, 'ha: master address changed');
    this.masterAddr = addr;
    this.drop('master address changed');
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
    this.drop('shutdown');
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

  private tick(): void {
    if (!this.timer || this.state === 'SHUTDOWN') return;
    const now = Date.now();
    if (!this.socket) {
      if (this.masterAddr && now >= this.retryAt) this.connect(this.masterAddr);
      return;
    }
    if (this.state !== 'TRANSFER') return;
    if (now - this.lastRead > this.config.haHousekeepingInterval) {
      this.fail('master silent too long');
      return;
    }
    if (now - this.lastWrite > this.config.haSendHeartbeatInterval && this.reported >= 0) this.send(this.reported);
  }

  private connect(addr: string): void {
    const i = addr.lastIndexOf(':');
    const host = addr.slice(0, i);
    const port = Number(addr.slice(i + 1));
    this.retryAt = Date.now() + this.config.haReconnectInterval;
    const socket = net.connect({ host, port });
    this.socket = socket;
    this.decoder = new TransferDecoder();
    this.framesOnConnection = 0;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      if (this.socket !== socket) return;
      this.state = 'TRANSFER';
      this.lastRead = Date.now();
      this.logger.info({ master: addr, offset: this.log.getMaxPhyOffset() }, 'ha: connected to master');
      this.reported = -1;
      this.reportIfGrown();
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket === socket) this.onData(chunk);
    });
    socket.on('error', (err) => {
      if (this.socket === socket) this.lastError = err.message;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      if (this.state === 'TRANSFER' && this.framesOnConnection === 0 && this.reported > 0) {
        // The master closes at once when our offset is beyond its log (see ha-service.ts).
        this.lastError = `master closed the connection after offset ${this.reported} was reported: is this slave ahead of its master?`;
        this.logger.error({ master: addr, offset: this.reported }, `ha: ${this.lastError}`);
      }
      this.socket = undefined;
      this.state = 'READY';
    });
  }

  private onData(chunk: Buffer): void {
    this.lastRead = Date.now();
    const r = this.decoder.push(chunk);
    if (!r.ok) {
      this.fail(r.error);
      return;
    }
    for (const f of r.frames) {
      this.framesOnConnection++;
      const max = this.log.getMaxPhyOffset();
      if (max !== 0 && max !== f.offset) {
        this.fail(`master pushed offset ${f.offset}, slave max offset is ${max}`);
        return;
      }
      if (f.body.length === 0) continue;
      const s = this.log.appendReplicated(f.offset, f.body);
      if (s !== 'OK') {
        this.fail(`append at ${f.offset} refused: ${s}`);
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

  private send(offset: number): void {
    this.reported = offset;
    this.lastWrite = Date.now();
    this.socket?.write(encodeReport(offset));
  }

  private fail(why: string): void {
    this.lastError = why;
    this.logger.error({ master: this.masterAddr, why }, 'ha: dropping the connection to the master');
    this.drop(why);
  }

  private drop(_why: string): void {
    const s = this.socket;
    this.socket = undefined;
    if (this.state !== 'SHUTDOWN') this.state = 'READY';
    s?.destroy();
  }
}
