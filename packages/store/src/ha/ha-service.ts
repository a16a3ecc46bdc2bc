// Master side of classic replication (RocketMQ DefaultHAService + HAConnection + the SYNC_MASTER
// wait of GroupTransferService): a TCP listener on haListenPort, one connection per slave,
// CommitLog bytes pushed from where the slave says it is. Wire format: ha-wire.ts. The
// acknowledgement rules (what counts as "a slave holds it") are in docs/replication.md.
import type * as net from 'node:net';
import { Fifo, type Logger } from '@rocketmq-ts/common';
import type { PutMessageResult } from '../message-store.js';
import { closeServer, listenHA, MasterConnection, type TransferSource } from './ha-connection.js';
import { encodeTransferHeader, ReportDecoder } from './ha-wire.js';

/** What the master needs of its store. */
export interface HAMasterLog extends TransferSource {
  /** Next write position (bytes allocated, possibly not yet written). */
  getMaxPhyOffset(): number;
  readonly commitLogSegmentSize: number;
  onReplicaProgress(listener: (written: number, flushed: number) => void): void;
}

export interface HAServiceConfig {
  /** 0: the OS picks (tests). */
  haListenPort: number;
  host: string;
  /** ms without a write after which an empty transfer header is sent. */
  haSendHeartbeatInterval: number;
  /** ms without a read after which the connection is closed. */
  haHousekeepingInterval: number;
  /** Largest transfer body. */
  haTransferBatchSize: number;
  /** SYNC_MASTER: ms an append waits for the slave's ack before FLUSH_SLAVE_TIMEOUT. */
  slaveTimeout: number;
  /** SYNC_MASTER: a slave further behind than this is not in sync (SLAVE_NOT_AVAILABLE). */
  haMaxGapNotInSync: number;
  /** Replicas (master included) that must hold an append before SYNC_MASTER answers; at least 2. */
  inSyncReplicas: number;
  /** Cap each connection at maxHaTransferByteInSecond bytes per second (RocketMQ's FlowMonitor); default off. */
  haFlowControlEnable?: boolean;
  maxHaTransferByteInSecond?: number;
}

interface AckWaiter {
  end: number;
  deadline: number;
  result: PutMessageResult;
  resolve: (r: PutMessageResult) => void;
}

export interface HAConnectionInfo {
  addr: string;
  /** Last offset the slave reported (-1 before its first report). */
  slaveAckOffset: number;
  /** Master max offset minus the slave's ack. */
  diff: number;
  inSync: boolean;
  transferFromWhere: number;
  transferredBytes: number;
  /** Transfer frames sent (heartbeats not counted), and the socket writes that carried them. */
  transferredFrames: number;
  socketWrites: number;
  /** Bytes sent in the last whole second (RocketMQ's transferredBytePerSecond). */
  transferredBytePerSecond: number;
  connectedSince: number;
  /** Bytes acknowledged by the slave, by how long after the master wrote them (ACK_LAG_BOUNDS_MS). */
  ackLagBytes: number[];
}

/**
 * Upper bounds (ms) of the ack-lag histogram buckets; one more bucket holds the rest. The lag of
 * a byte is the time from the master's CommitLog write (when an ASYNC_MASTER answers the send) to
 * the slave's report that it holds it.
 */
export const ACK_LAG_BOUNDS_MS = [
  0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 500, 1000, 2000, 5000,
];
/** Write marks kept per connection; past this the newest mark absorbs new writes (lag overestimated, never under). */
const MAX_LAG_MARKS = 65536;

interface WriteMark {
  pos: number;
  at: number;
}

const HOUSEKEEPING_TICK_MS = 1000;
const EXPIRY_TICK_MS = 20;

class HAConnection extends MasterConnection {
  slaveAckOffset = -1;
  transferredBytes = 0;
  /** Flow control: bytes sent in the current second, and in the last whole one. */
  private secondBytes = 0;
  private lastSecondBytes = 0;
  private throttled = false;
  private lastThrottleLog = 0;
  private readonly decoder = new ReportDecoder();
  /** Master writes not yet acknowledged by this slave: (end position, performance.now()). */
  private readonly marks = new Fifo<WriteMark>();
  private lastMark: WriteMark | undefined;
  private lagFrom = 0;
  readonly ackLagBytes: number[] = new Array(ACK_LAG_BOUNDS_MS.length + 1).fill(0);

  constructor(
    socket: net.Socket,
    private readonly service: HAService,
    private readonly log: HAMasterLog,
    private readonly config: HAServiceConfig,
    logger: Logger,
  ) {
    super(socket, log, logger);
  }

  protected onChunk(chunk: Buffer): void {
    const report = this.decoder.push(chunk);
    if (report === undefined) return;
    const max = this.log.getMaxPhyOffset();
    if (report < 0 || report > max) {
      // A report beyond our log: a bogus peer, or a slave ahead of its master (this master lost
      // data it had replicated, or is not this slave's master). Never ship bytes over it.
      this.logger.error(
        { slave: this.addr, slaveOffset: report, masterMaxOffset: max, first: this.next < 0 },
        'ha: slave reports an offset beyond the master CommitLog; refusing it (a slave ahead of its master needs manual repair)',
      );
      this.close('offset beyond master');
      return;
    }
    if (this.next < 0) {
      // An empty slave starts at the first byte of the master's last segment (RocketMQ's rule).
      const seg = this.log.commitLogSegmentSize;
      this.next = report === 0 ? max - (max % seg) : report;
      this.logger.info({ slave: this.addr, report, from: this.next }, 'ha: slave connected, transfer starts');
    }
    this.slaveAckOffset = report;
    this.measureLag(report);
    this.service.acked();
    this.pump();
  }

  /** The master wrote up to `pos`: remember when, to time the slave's ack of it. */
  markWritten(pos: number, at: number): void {
    if (this.next < 0 || this.closed) return;
    const last = this.lastMark;
    if ((last && pos <= last.pos) || pos <= this.slaveAckOffset) return;
    if (this.marks.size >= MAX_LAG_MARKS && last) {
      last.pos = pos;
      return;
    }
    if (!last) this.lagFrom = Math.max(this.slaveAckOffset, 0);
    const m = { pos, at };
    this.marks.push(m);
    this.lastMark = m;
  }

  private measureLag(ack: number): void {
    const ms = this.marks;
    if (ms.isEmpty) return;
    const now = performance.now();
    for (let m = ms.peek(); m !== undefined && m.pos <= ack; m = ms.peek()) {
      ms.shift();
      const bytes = m.pos - Math.max(this.lagFrom, 0);
      this.lagFrom = m.pos;
      if (bytes <= 0) continue;
      const lag = now - m.at;
      let i = 0;
      while (i < ACK_LAG_BOUNDS_MS.length && lag > ACK_LAG_BOUNDS_MS[i]!) i++;
      this.ackLagBytes[i]! += bytes;
    }
    if (ms.isEmpty) this.lastMark = undefined;
  }

  protected room(): number {
    return Math.min(this.config.haTransferBatchSize, this.budget());
  }

  protected header(from: number, size: number): Buffer {
    return encodeTransferHeader(from, size);
  }

  protected override sent(size: number): void {
    this.transferredBytes += size;
    this.secondBytes += size;
  }

  protected removed(): void {
    this.service.removed(this);
  }

  /** Bytes this connection may still send in the current second (flow control), else unlimited. */
  private budget(): number {
    if (this.config.haFlowControlEnable !== true) return Number.MAX_SAFE_INTEGER;
    const cap = this.config.maxHaTransferByteInSecond ?? 100 * 1024 * 1024;
    const left = cap - this.secondBytes;
    if (left <= 0 && !this.throttled) {
      this.throttled = true;
      const now = Date.now();
      if (now - this.lastThrottleLog > 1000) {
        this.lastThrottleLog = now;
        this.logger.warn(
          { slave: this.addr, maxBytesPerSecond: cap, lastSecondBytes: this.lastSecondBytes },
          'ha: flow control: transfer budget of this second used up',
        );
      }
    }
    return left;
  }

  /** Every second (RocketMQ's FlowMonitor.calculateSpeed): a new transfer budget. */
  newSecond(): void {
    this.lastSecondBytes = this.secondBytes;
    this.secondBytes = 0;
    if (this.throttled) {
      this.throttled = false;
      this.pump();
    }
  }

  info(masterMax: number, gap: number): HAConnectionInfo {
    const diff = this.slaveAckOffset < 0 ? masterMax : masterMax - this.slaveAckOffset;
    return {
      addr: this.addr,
      slaveAckOffset: this.slaveAckOffset,
      diff,
      inSync: this.slaveAckOffset >= 0 && diff < gap,
      transferFromWhere: this.next,
      transferredBytes: this.transferredBytes,
      transferredFrames: this.frames,
      socketWrites: this.socketWrites,
      transferredBytePerSecond: this.lastSecondBytes,
      connectedSince: this.since,
      ackLagBytes: [...this.ackLagBytes],
    };
  }
}

export class HAService {
  private server: net.Server | undefined;
  private readonly connections = new Set<HAConnection>();
  private readonly waiters = new Fifo<AckWaiter>();
  private housekeeping: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  /** Highest offset held by enough slaves (inSyncReplicas − 1 of them). */
  private replicated = 0;
  /** Max over every slave's ack (RocketMQ's push2SlaveMaxOffset). */
  push2SlaveMaxOffset = 0;
  private boundPort = 0;
  private readonly logger: Logger;

  constructor(
    private readonly log: HAMasterLog,
    private readonly config: HAServiceConfig,
    logger: Logger,
  ) {
    this.logger = logger.child({ component: 'ha-master' });
    log.onReplicaProgress((written) => {
      const now = performance.now();
      for (const c of this.connections) {
        c.markWritten(written, now);
        c.wake();
      }
    });
  }

  get port(): number {
    return this.boundPort;
  }

  /** Slaves whose ack must reach an append before SYNC_MASTER answers. */
  private get needSlaves(): number {
    return Math.max(1, this.config.inSyncReplicas - 1);
  }

  async start(): Promise<number> {
    const server = await listenHA(this.config.haListenPort, this.config.host, (socket) => {
      this.connections.add(new HAConnection(socket, this, this.log, this.config, this.logger));
    });
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    this.housekeeping = setInterval(() => {
      const now = Date.now();
      for (const c of this.connections) {
        c.newSecond();
        c.housekeep(now, this.config.haHousekeepingInterval, this.config.haSendHeartbeatInterval);
      }
    }, HOUSEKEEPING_TICK_MS);
    this.housekeeping.unref();
    this.expiry = setInterval(() => this.expire(false), EXPIRY_TICK_MS);
    this.expiry.unref();
    this.logger.info({ port: this.boundPort }, 'ha service listening');
    return this.boundPort;
  }

  async stop(): Promise<void> {
    if (this.housekeeping) clearInterval(this.housekeeping);
    if (this.expiry) clearInterval(this.expiry);
    for (const c of [...this.connections]) c.close('shutdown');
    this.expire(true);
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  /**
   * SYNC_MASTER gate for the store: an append is answered once enough slaves acknowledged its
   * end, SLAVE_NOT_AVAILABLE at once when no slave is in sync, FLUSH_SLAVE_TIMEOUT after
   * slaveTimeout. A disk failure (FLUSH_DISK_TIMEOUT) wins over both.
   */
  readonly gate = (r: PutMessageResult): PutMessageResult | Promise<PutMessageResult> => {
    const a = r.append;
    if (!a || (r.status !== 'PUT_OK' && r.status !== 'FLUSH_DISK_TIMEOUT')) return r;
    const end = a.wroteOffset + a.wroteBytes;
    if (this.replicated >= end) return r;
    if (!this.slaveOk(end)) {
      if (r.status === 'PUT_OK') r.status = 'SLAVE_NOT_AVAILABLE';
      return r;
    }
    return new Promise<PutMessageResult>((resolve) => {
      this.waiters.push({ end, deadline: Date.now() + this.config.slaveTimeout, result: r, resolve });
    });
  };

  /** Enough slaves connected and within haMaxGapNotInSync of `end` (RocketMQ's isSlaveOK). */
  private slaveOk(end: number): boolean {
    let ok = 0;
    for (const c of this.connections) {
      if (c.slaveAckOffset >= 0 && end - c.slaveAckOffset < this.config.haMaxGapNotInSync) ok++;
    }
    return ok >= this.needSlaves;
  }

  /** A connection's ack moved: recompute what enough slaves hold and answer the waiters covered. */
  acked(): void {
    const acks: number[] = [];
    for (const c of this.connections) if (c.slaveAckOffset >= 0) acks.push(c.slaveAckOffset);
    acks.sort((x, y) => y - x);
    if (acks[0] !== undefined && acks[0] > this.push2SlaveMaxOffset) this.push2SlaveMaxOffset = acks[0];
    const held = acks[this.needSlaves - 1];
    if (held === undefined || held <= this.replicated) return;
    this.replicated = held;
    const ws = this.waiters;
    for (let w = ws.peek(); w !== undefined && w.end <= held; w = ws.peek()) {
      ws.shift();
      w.resolve(w.result);
    }
  }

  removed(c: HAConnection): void {
    this.connections.delete(c);
    // `replicated` stays: what a slave acknowledged it holds, even if it left.
  }

  private expire(all: boolean): void {
    const now = Date.now();
    const ws = this.waiters;
    for (let w = ws.peek(); w !== undefined && (all || w.deadline <= now); w = ws.peek()) {
      ws.shift();
      if (w.result.status === 'PUT_OK') w.result.status = 'FLUSH_SLAVE_TIMEOUT';
      w.resolve(w.result);
    }
  }

  /** For haStatus / brokerStatus. */
  status(): { masterCommitLogMaxOffset: number; inSyncSlaveNums: number; connections: HAConnectionInfo[] } {
    const max = this.log.getMaxPhyOffset();
    const connections = [...this.connections].map((c) => c.info(max, this.config.haMaxGapNotInSync));
    return {
      masterCommitLogMaxOffset: max,
      inSyncSlaveNums: connections.filter((c) => c.inSync).length,
      connections,
    };
  }
}
