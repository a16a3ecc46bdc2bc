// Socket plumbing shared by both replication protocols (classic ha-service/ha-client and
// controller-mode autoswitch-service/autoswitch-client): the master's listener and per-slave
// connection (transfer pump, heartbeat, housekeeping, close), and the slave's link to its master
// (connect, ack, heartbeat, drop). The protocols differ only in their frames and handshakes,
// which the subclasses supply; the wire formats are in ha-wire.ts and autoswitch-wire.ts.
import * as net from 'node:net';
import type { Logger } from '@rocketmq-ts/common';

/** Listens on `port` (0: the OS picks) and hands every accepted socket to `onSocket`. */
export async function listenHA(port: number, host: string, onSocket: (s: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(onSocket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export function closeServer(server: net.Server | undefined): Promise<void> {
  return server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
}

/** Where a transfer reads CommitLog bytes from (the master's store). */
export interface TransferSource {
  readReplicaData(offset: number, max: number): Promise<Buffer | undefined> | undefined;
  /** The same bytes if they are still in memory (a view, no copy); undefined sends it to readReplicaData. */
  readReplicaCached?(offset: number, max: number): Buffer | undefined;
}

/** Bytes of frames put in one socket write (frames are still at most haTransferBatchSize each). */
const MAX_CORKED_BYTES = 1024 * 1024;

/**
 * Master side: one slave's connection. Bytes are pushed from `next` (set once the slave said
 * where it is), one frame per read, while the socket takes them; a heartbeat (an empty frame)
 * goes out after haSendHeartbeatInterval without a write; silence beyond haHousekeepingInterval
 * closes it.
 */
export abstract class MasterConnection {
  readonly addr: string;
  /** Next byte to send (-1 until the slave's first report). */
  next = -1;
  lastRead = Date.now();
  lastWrite = Date.now();
  readonly since = Date.now();
  /** Transfer frames sent (heartbeats not counted), and the socket writes that carried them. */
  frames = 0;
  socketWrites = 0;
  private woken = false;
  private readonly wakeNow = (): void => {
    this.woken = false;
    this.pump();
  };
  protected reading = false;
  closed = false;

  constructor(
    protected readonly socket: net.Socket,
    protected readonly source: TransferSource,
    protected readonly logger: Logger,
  ) {
    this.addr = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.lastRead = Date.now();
      this.onChunk(chunk);
    });
    socket.on('drain', () => this.pump());
    socket.on('error', (err) => this.logger.debug({ err, slave: this.addr }, 'ha connection error'));
    socket.on('close', () => this.close('closed by peer'));
  }

  /** Bytes from the slave. */
  protected abstract onChunk(chunk: Buffer): void;
  /** The largest body the next frame from `next` may carry (≤ 0: none now). */
  protected abstract room(): number;
  /** The frame header for `size` bytes from `from` (size 0: a heartbeat). */
  protected abstract header(from: number, size: number): Buffer;
  /** The connection is closed: the service forgets it. */
  protected abstract removed(): void;
  /** Nothing written is left to send (the slave is at the master's tip). */
  protected atTip(): void {}
  /** `size` bytes went out. */
  protected sent(_size: number): void {}

  /**
   * The master wrote more: pump once when this event-loop turn's I/O callbacks are done, so the
   * writes that complete in one turn go out in one socket write rather than one each.
   */
  wake(): void {
    if (this.woken || this.closed) return;
    this.woken = true;
    setImmediate(this.wakeNow);
  }

  /**
   * Sends what is written past `next` until nothing is left or the socket is full. Bytes still in
   * memory go out at once, several frames in one socket write; older bytes are read first.
   */
  pump(): void {
    if (this.closed || this.reading || this.next < 0 || this.socket.writableNeedDrain) return;
    const src = this.source;
    let corked = 0;
    while (corked < MAX_CORKED_BYTES) {
      const max = this.room();
      if (max <= 0) break;
      const data = src.readReplicaCached?.(this.next, max);
      if (!data || data.length === 0) break;
      if (corked === 0) this.socket.cork();
      corked += data.length;
      this.emit(data);
    }
    if (corked > 0) {
      this.socketWrites++;
      this.socket.uncork();
      if (this.socket.writableNeedDrain) return;
    }
    const max = this.room();
    if (max <= 0) return;
    const read = src.readReplicaData(this.next, max);
    if (!read) {
      this.atTip();
      return;
    }
    this.reading = true;
    read.then(
      (data) => {
        this.reading = false;
        if (this.closed || !data || data.length === 0) return;
        this.socketWrites++;
        this.socket.cork();
        this.emit(data);
        this.socket.uncork();
        this.pump();
      },
      (err: unknown) => {
        this.reading = false;
        this.logger.error({ err, slave: this.addr, offset: this.next }, 'ha: reading the commitlog failed');
        this.close('read failed');
      },
    );
  }

  /** Writes one transfer frame of `data` (the bytes from `next`). */
  private emit(data: Buffer): void {
    const from = this.next;
    this.next += data.length;
    this.lastWrite = Date.now();
    this.frames++;
    this.sent(data.length);
    this.socket.write(this.header(from, data.length));
    this.socket.write(data);
  }

  /** Closes a silent slave; sends a heartbeat when nothing was written for a while. */
  housekeep(now: number, housekeepingInterval: number, heartbeatInterval: number): void {
    if (now - this.lastRead > housekeepingInterval) {
      this.logger.warn({ slave: this.addr, idleMs: now - this.lastRead }, 'ha: slave silent too long; closing');
      this.close('housekeeping');
      return;
    }
    if (this.next >= 0 && !this.reading && now - this.lastWrite > heartbeatInterval) {
      this.lastWrite = now;
      this.socket.write(this.header(this.next, 0));
    }
  }

  close(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.logger.info({ slave: this.addr, why }, 'ha: connection closed');
    this.removed();
  }
}

export interface LinkTimings {
  haSendHeartbeatInterval: number;
  haHousekeepingInterval: number;
  /** ms between connection attempts. */
  haReconnectInterval: number;
}

/**
 * Slave side: the link to the master. Connects to `ip:port` at most every haReconnectInterval,
 * acknowledges offsets, repeats the last ack as a heartbeat, and drops the connection when the
 * master is silent beyond haHousekeepingInterval or a frame is refused.
 */
export abstract class ReplicaLink<S extends string> {
  protected socket: net.Socket | undefined;
  /** Last acknowledged offset on this connection (-1: none yet). */
  protected reported = -1;
  protected lastRead = 0;
  protected lastWrite = 0;
  protected retryAt = 0;
  /** Acks written (heartbeats included). */
  acksSent = 0;
  lastError: string | undefined;

  protected constructor(
    protected state: S | 'READY' | 'TRANSFER' | 'SHUTDOWN',
    protected readonly timings: LinkTimings,
    protected readonly logger: Logger,
  ) {}

  /** The master's HA address (`ip:port`), if known. */
  protected abstract get peer(): string | undefined;
  /** Whether a connection may be opened now. */
  protected mayConnect(): boolean {
    return true;
  }
  /** The ack frame for `offset`. */
  protected abstract encodeAck(offset: number): Buffer;
  /** Connected: start the protocol (report, or handshake). */
  protected abstract onOpen(socket: net.Socket): void;
  protected abstract onData(chunk: Buffer): void;
  /** The connection closed (before the state returns to READY). */
  protected onClosed(): void {}

  /** Opens a connection to `addr`; its events reach the subclass only while it is the current one. */
  protected connect(addr: string): void {
    const i = addr.lastIndexOf(':');
    this.retryAt = Date.now() + this.timings.haReconnectInterval;
    const socket = net.connect({ host: addr.slice(0, i), port: Number(addr.slice(i + 1)) });
    this.socket = socket;
    this.reported = -1;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      if (this.socket !== socket) return;
      this.lastRead = Date.now();
      this.onOpen(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      this.lastRead = Date.now();
      this.onData(chunk);
    });
    socket.on('error', (err) => {
      if (this.socket === socket) this.lastError = err.message;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.onClosed();
      this.socket = undefined;
      if (this.state !== 'SHUTDOWN') this.state = 'READY';
    });
  }

  /** Timer tick: connects when due; while connected, housekeeping and heartbeat. */
  protected tick(): void {
    if (this.state === 'SHUTDOWN') return;
    const now = Date.now();
    if (!this.socket) {
      const addr = this.peer;
      if (addr && now >= this.retryAt && this.mayConnect()) this.connect(addr);
      return;
    }
    if (this.state === 'READY') return;
    if (now - this.lastRead > this.timings.haHousekeepingInterval) {
      this.fail('master silent too long');
      return;
    }
    if (this.state === 'TRANSFER' && now - this.lastWrite > this.timings.haSendHeartbeatInterval && this.reported >= 0)
      this.send(this.reported);
  }

  protected send(offset: number): void {
    this.acksSent++;
    this.reported = offset;
    this.lastWrite = Date.now();
    this.socket?.write(this.encodeAck(offset));
  }

  protected fail(why: string, level: 'warn' | 'error' = 'warn'): void {
    this.lastError = why;
    this.logger[level]({ master: this.peer, why }, 'ha: dropping the connection to the master');
    this.drop();
  }

  protected drop(): void {
    const s = this.socket;
    this.socket = undefined;
    if (this.state !== 'SHUTDOWN') this.state = 'READY';
    s?.destroy();
  }
}
