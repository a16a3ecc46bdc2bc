import type { Socket } from 'node:net';
import type { Logger } from '@rocketmq-ts/common';
import {
  decodeCommand,
  encodeCommandHeader,
  FLAG_ONEWAY,
  FLAG_RESPONSE,
  FrameSplitter,
  type ProtocolError,
  type RemotingCommand,
  SerializeType,
} from '@rocketmq-ts/protocol';
import { RemotingClosedError, RemotingSendRequestError, RemotingTimeoutError } from './errors.js';
import type { FlowBudget } from './flow-budget.js';
import { FrameCopier } from './frame-copier.js';
import type { Connection } from './types.js';

/** Headers up to this size, and bodies up to SMALL_BODY, are joined with their neighbours of the same tick before writing. */
const SMALL_HEADER = 4096;
const SMALL_BODY = 256;
/** Joined small buffers are written once they reach this size. */
const SMALL_BATCH = 64 * 1024;

/** Java's default for both server and client output buffers before flow control kicks in. */
export const DEFAULT_WRITE_HIGH_WATER_MARK = 4 * 1024 * 1024;

/** Receives the requests (not responses) that arrive on a connection. */
export interface RequestSink {
  onRequest(request: RemotingCommand, connection: SocketConnection): void;
}

export interface ConnectionOptions {
  maxFrameLength: number;
  writeHighWaterMark: number;
  logger: Logger;
  sink: RequestSink;
  /** Header type of commands that carry none (requests we originate). Default JSON. */
  serializeType?: SerializeType | undefined;
  /**
   * Server connections: the process-wide counters this connection adds to, and the limits
   * that pause reading (pending requests) or close it (unsent bytes). None on clients.
   */
  budget?: FlowBudget | undefined;
  /**
   * The socket reads into one reused buffer (net `onread`) and hands the bytes to
   * onSocketRead() instead of emitting 'data': frames are then copied out of each chunk.
   */
  reusedReadBuffer?: boolean | undefined;
}

let nextConnectionId = 1;
let nextOpaque = 1;

/**
 * Request ids are drawn from one process-wide counter rather than per connection, so a
 * logged opaque identifies a single request. Wraps within int32 (the wire type).
 */
function nextRequestId(): number {
  const id = nextOpaque;
  nextOpaque = nextOpaque >= 0x7fffffff ? 1 : nextOpaque + 1;
  return id;
}

/** `ip:port`, with the IPv4-mapped IPv6 prefix removed so addresses match what users typed. */
export function formatAddress(ip: string | undefined, port: number | undefined): string {
  if (ip === undefined) return 'unknown';
  const host = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return `${host}:${port ?? 0}`;
}

class PendingRequest {
  readonly promise: Promise<RemotingCommand>;
  resolve!: (cmd: RemotingCommand) => void;
  reject!: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
  constructor(
    readonly code: number,
    readonly timeoutMs: number,
  ) {
    this.promise = new Promise<RemotingCommand>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

// Module-level callbacks taking their context as arguments: no closure per request.
function expireRequest(conn: SocketConnection, opaque: number): void {
  conn.expire(opaque);
}
function flushCorked(conn: SocketConnection): void {
  conn.flush();
}
function endTurn(conn: SocketConnection): void {
  conn.endTurn();
}

const NO_LIMIT = Number.MAX_SAFE_INTEGER;
/**
 * Frames one connection may have handled before the others get a turn: the rest of its chunk
 * waits for a setImmediate, so that a flood of pipelined requests on a few connections
 * delays another client's request by a few of their frames each, not by whole 64 KiB reads
 * of them (docs/flow-control.md). While other connections wait for their turn too, the
 * turn is shorter: the wait of a newcomer grows with their number times this.
 */
const FRAMES_PER_TURN = 64;
const FRAMES_PER_SHARED_TURN = 8;
/** Connections of this process waiting for the end of their turn. */
let yieldingConnections = 0;
/**
 * Under process-wide byte pressure, a connection whose output has been stuck above the
 * high-water mark this long is taken for a peer that stopped reading, and closed. A reader
 * drains a burst well within it.
 */
const SLOW_CONSUMER_GRACE_MS = 1000;

/**
 * One framed RemotingCommand stream over a socket, used by both server and client.
 *
 * Outbound: writes made within one tick are corked together and leave in one writev.
 * Reading stops (frames already split off wait in a backlog) while unsent output exceeds the
 * high-water mark, until the socket drains, and while the requests being handled for this
 * connection reach the budget's per-connection limit, until half of them are answered: a
 * peer that pipelines requests and never reads the answers cannot make us take on work or
 * buffer without bound. Unsent output beyond the budget's hard limit closes the connection.
 */
export class SocketConnection implements Connection {
  readonly id = nextConnectionId++;
  readonly remoteAddress: string;
  readonly localAddress: string;
  /** Date.now() of the last inbound bytes; the idle sweep reads it. */
  lastReadAt = Date.now();

  private readonly splitter: Pick<FrameSplitter, 'pushInto'>;
  /** Frames cut from the current chunk; emptied after each (only processFrames reads it). */
  private readonly frames: Buffer[] = [];
  private readonly pending = new Map<number, PendingRequest>();
  private readonly closeListeners: (() => void)[] = [];
  private readonly logger: Logger;
  private readonly sink: RequestSink;
  private readonly highWaterMark: number;
  private readonly serializeType: SerializeType;
  private backlog: Buffer[] = [];
  private readonly small: Buffer[] = [];
  private smallBytes = 0;
  private corked = false;
  /** Reading stopped until 'drain': unsent output passed the high-water mark. */
  private outputBlocked = false;
  /** Date.now() when outputBlocked was last set. */
  private blockedAt = 0;
  /** Reading stopped until half the pending requests are answered (see requestFinished). */
  private pendingFull = false;
  /** Reading stopped until half the costly requests are done. */
  private costlyFull = false;
  /** Whether socket.pause() is in effect (follows outputBlocked || pendingBlocked). */
  private socketPaused = false;
  /** Reading waits for the setImmediate that ends this connection's turn (FRAMES_PER_TURN). */
  private yielding = false;
  /** Set while processFrames runs, so a request finishing synchronously does not re-enter it. */
  private processing = false;
  private tornDown = false;
  private readonly budget: FlowBudget | undefined;
  private readonly maxPendingRequests: number;
  private readonly resumePendingAt: number;
  private readonly maxCostlyRequests: number;
  private readonly resumeCostlyAt: number;
  private readonly maxPendingWriteBytes: number;
  /** Unsent bytes last added to budget.pendingWriteBytes. */
  private accountedWriteBytes = 0;
  /** Requests of this connection being handled now (server side; see requestStarted). */
  pendingRequests = 0;
  /** Of those, costly ones not parked by their handler. */
  costlyRequests = 0;
  /** Set at teardown: the connection held unsent output above the high-water mark, or reads in progress. */
  heldMuchAtClose = false;

  constructor(
    readonly socket: Socket,
    options: ConnectionOptions,
  ) {
    this.remoteAddress = formatAddress(socket.remoteAddress, socket.remotePort);
    this.localAddress = formatAddress(socket.localAddress, socket.localPort);
    this.splitter = options.reusedReadBuffer
      ? new FrameCopier(options.maxFrameLength)
      : new FrameSplitter(options.maxFrameLength);
    this.logger = options.logger;
    this.sink = options.sink;
    this.highWaterMark = options.writeHighWaterMark;
    this.serializeType = options.serializeType ?? SerializeType.JSON;
    const budget = options.budget;
    this.budget = budget;
    this.maxPendingRequests = budget?.limits.maxPendingRequestsPerConnection ?? NO_LIMIT;
    this.resumePendingAt = Math.floor(this.maxPendingRequests / 2);
    this.maxCostlyRequests = budget?.limits.maxCostlyRequestsPerConnection ?? NO_LIMIT;
    this.resumeCostlyAt = Math.floor(this.maxCostlyRequests / 2);
    this.maxPendingWriteBytes = budget?.limits.maxPendingWriteBytesPerConnection ?? NO_LIMIT;
    socket.setNoDelay(true);
    if (!options.reusedReadBuffer) socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onError);
    socket.on('close', this.onSocketClose);
  }

  get closed(): boolean {
    return this.tornDown;
  }

  /** True while reading is stopped: the peer is not taking our output, or has too many requests in hand. */
  get readPaused(): boolean {
    return this.outputBlocked || this.pendingBlocked;
  }

  /** Bytes written to this connection and not yet handed to the kernel. */
  get unsentBytes(): number {
    return this.socket.writableLength + this.smallBytes;
  }

  /** @internal The server starts handling a request of this connection. */
  requestStarted(costly: boolean): void {
    this.pendingRequests++;
    if (this.budget !== undefined) this.budget.pendingRequests++;
    // Checked by processFrames before the next frame; the socket pauses after the chunk.
    if (this.pendingRequests >= this.maxPendingRequests) this.pendingFull = true;
    if (costly) this.requestResumed();
  }

  private get pendingBlocked(): boolean {
    return this.pendingFull || this.costlyFull;
  }

  /** @internal The server is done with a request of this connection (answered or not). Bound: a then() callback. */
  readonly requestFinished = (): void => {
    this.pendingRequests--;
    if (this.budget !== undefined) this.budget.pendingRequests--;
    if (this.pendingBlocked) this.maybeUnblock();
  };

  /** @internal requestFinished for a costly request. */
  readonly costlyRequestFinished = (): void => {
    this.costlyRequests--;
    this.requestFinished();
  };

  requestSuspended(): void {
    this.costlyRequests--;
    if (this.pendingBlocked) this.maybeUnblock();
  }

  requestResumed(): void {
    if (++this.costlyRequests >= this.maxCostlyRequests) this.costlyFull = true;
  }

  /** Each bound resumes at half its limit, independently of the other. */
  private maybeUnblock(): void {
    if (this.pendingFull && this.pendingRequests <= this.resumePendingAt) this.pendingFull = false;
    if (this.costlyFull && this.costlyRequests <= this.resumeCostlyAt) this.costlyFull = false;
    if (!this.pendingBlocked && !this.processing) this.syncReading();
  }

  /** Requests sent on this connection still awaiting a response. */
  get pendingCount(): number {
    return this.pending.size;
  }

  send(cmd: RemotingCommand): void {
    const socket = this.socket;
    if (this.tornDown || socket.writableEnded || socket.destroyed) return;
    // A response carries its request's header type (ProcessorTable copies it).
    const head = encodeCommandHeader(cmd, cmd.serializeType ?? this.serializeType);
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(flushCorked, this);
    }
    this.queue(head, SMALL_HEADER);
    // Bodies go as their own buffer(s) unless tiny: no copy of pull-message bodies.
    const parts = cmd.bodyParts;
    if (parts !== undefined) {
      for (let i = 0; i < parts.length; i++) this.queue(parts[i]!, SMALL_BODY);
    } else if (cmd.body !== undefined) {
      this.queue(cmd.body, SMALL_BODY);
    }
    const unsent = socket.writableLength + this.smallBytes;
    if (unsent > this.highWaterMark) this.overHighWaterMark(unsent);
  }

  /** Unsent output passed the high-water mark: stop reading, or close a peer that stopped reading. */
  private overHighWaterMark(unsent: number): void {
    this.account(unsent);
    const budget = this.budget;
    // Over half the process-wide byte limit, connections that are not reading go first, so
    // that readers are not answered SYSTEM_BUSY on their account.
    if (
      unsent > this.maxPendingWriteBytes ||
      (budget !== undefined &&
        this.outputBlocked &&
        budget.pendingWriteBytes * 2 > budget.limits.maxPendingWriteBytes &&
        Date.now() - this.blockedAt >= SLOW_CONSUMER_GRACE_MS)
    ) {
      if (budget !== undefined) budget.slowConsumersClosed++;
      this.logger.warn(
        { connection: this.id, remoteAddress: this.remoteAddress, unsentBytes: unsent },
        `closing connection from ${this.remoteAddress}: ${unsent} response bytes unsent, the peer is not reading`,
      );
      this.close();
      return;
    }
    if (this.outputBlocked) return;
    this.writeSmall();
    // writableNeedDrain guarantees a 'drain' will come to resume us.
    if (this.socket.writableNeedDrain) {
      this.outputBlocked = true;
      this.blockedAt = Date.now();
      this.syncReading();
    }
  }

  /** Brings budget.pendingWriteBytes up to date with this connection's unsent bytes. */
  private account(unsent: number): void {
    if (this.budget === undefined) return;
    this.budget.pendingWriteBytes += unsent - this.accountedWriteBytes;
    this.accountedWriteBytes = unsent;
  }

  /** @internal Re-reads the unsent bytes (the server's periodic sweep: writes finished since). */
  reconcile(): void {
    if (!this.tornDown) this.account(this.socket.writableLength + this.smallBytes);
  }

  private get mustWait(): boolean {
    return this.outputBlocked || this.pendingBlocked || this.yielding;
  }

  /** @internal setImmediate callback: the other connections had their turn. */
  endTurn(): void {
    this.yielding = false;
    yieldingConnections--;
    this.syncReading();
  }

  /**
   * Makes the socket's read state follow mustWait: pauses it, or handles the backlog and
   * resumes it.
   */
  private syncReading(): void {
    if (this.tornDown) return;
    if (!this.mustWait && this.backlog.length > 0) {
      const backlog = this.backlog;
      this.backlog = [];
      this.processFrames(backlog);
      if (this.tornDown) return;
    }
    if (this.mustWait) {
      if (!this.socketPaused) {
        this.socketPaused = true;
        this.socket.pause();
      }
    } else if (this.socketPaused) {
      this.socketPaused = false;
      this.socket.resume();
    }
  }

  /**
   * Small buffers of one tick (headers, send responses) are joined and handed to the socket
   * as one write: each socket.write costs far more than copying a few hundred bytes, and a
   * tick's responses then leave as a few large iovecs. Large buffers are written as they are.
   */
  private queue(buf: Buffer, joinUpTo: number): void {
    const n = buf.length;
    if (n === 0) return;
    if (n <= joinUpTo) {
      this.small.push(buf);
      this.smallBytes += n;
      if (this.smallBytes >= SMALL_BATCH) this.writeSmall();
      return;
    }
    this.writeSmall();
    this.socket.write(buf);
  }

  private writeSmall(): void {
    const small = this.small;
    if (small.length === 0) return;
    const out = small.length === 1 ? small[0]! : Buffer.concat(small, this.smallBytes);
    small.length = 0;
    this.smallBytes = 0;
    this.socket.write(out);
  }

  /** Sets a fresh opaque on `cmd` (and clears its oneway bit), sends it, awaits the response. */
  request(cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    if (this.tornDown || !this.socket.writable) {
      return Promise.reject(new RemotingSendRequestError(this.remoteAddress, 'connection is closed'));
    }
    const opaque = nextRequestId();
    cmd.opaque = opaque;
    cmd.flag &= ~(FLAG_RESPONSE | FLAG_ONEWAY);
    const pending = new PendingRequest(cmd.code, timeoutMs);
    pending.timer = setTimeout(expireRequest, timeoutMs, this, opaque);
    pending.timer.unref();
    this.pending.set(opaque, pending);
    this.send(cmd);
    return pending.promise;
  }

  /** Sets a fresh opaque and the oneway bit on `cmd`, and sends it. */
  oneway(cmd: RemotingCommand): void {
    cmd.opaque = nextRequestId();
    cmd.flag = (cmd.flag | FLAG_ONEWAY) & ~FLAG_RESPONSE;
    this.send(cmd);
  }

  /** Drops the connection at once; unsent output is discarded, pending requests rejected. */
  close(): void {
    this.socket.destroy();
    this.teardown();
  }

  /** Flushes what is queued, then half-closes; the peer's close completes the teardown. */
  end(): void {
    if (this.socket.destroyed) return;
    if (!this.socket.writableEnded) this.writeSmall();
    this.socket.end();
  }

  onClose(listener: () => void): void {
    if (this.tornDown) process.nextTick(listener);
    else this.closeListeners.push(listener);
  }

  /** @internal Timer callback: the request with this opaque got no response in time. */
  expire(opaque: number): void {
    const pending = this.pending.get(opaque);
    if (pending === undefined) return;
    this.pending.delete(opaque);
    pending.reject(new RemotingTimeoutError(this.remoteAddress, pending.timeoutMs, pending.code));
  }

  /** @internal nextTick callback: sends what was corked during this tick. */
  flush(): void {
    this.corked = false;
    if (!this.socket.destroyed && !this.socket.writableEnded) this.writeSmall();
    this.socket.uncork();
    // What the writev left unsent (usually nothing): the process-wide count stays current.
    if (this.budget !== undefined && !this.tornDown) this.account(this.socket.writableLength);
  }

  /** The socket's `onread` callback: `chunk` is reused once this returns. */
  onSocketRead(chunk: Buffer): void {
    this.onData(chunk);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.lastReadAt = Date.now();
    const frames = this.frames;
    const error = this.splitter.pushInto(chunk, frames);
    try {
      if (this.backlog.length > 0) {
        // Only reachable if a chunk was already in flight when we paused; keep frame order.
        for (const f of frames) this.backlog.push(f);
      } else {
        this.processFrames(frames);
      }
    } finally {
      frames.length = 0;
    }
    if (error !== undefined) this.protocolFailure(error);
    else if (this.mustWait !== this.socketPaused || this.backlog.length > 0) this.syncReading();
  };

  /** Handles `frames` in order; those left when reading pauses move to the backlog. */
  private processFrames(frames: Buffer[]): void {
    const outer = this.processing;
    this.processing = true;
    try {
      const turn = yieldingConnections > 0 ? FRAMES_PER_SHARED_TURN : FRAMES_PER_TURN;
      for (let i = 0; i < frames.length; i++) {
        if (this.tornDown) return;
        if (i === turn && !this.yielding) {
          this.yielding = true;
          yieldingConnections++;
          setImmediate(endTurn, this);
        }
        if (this.mustWait) {
          const rest = frames.slice(i);
          for (const f of this.backlog) rest.push(f);
          this.backlog = rest;
          return;
        }
        this.handleFrame(frames[i]!);
      }
    } finally {
      this.processing = outer;
    }
  }

  private handleFrame(frame: Buffer): void {
    const decoded = decodeCommand(frame);
    if (!decoded.ok) {
      this.protocolFailure(decoded.error);
      return;
    }
    const cmd = decoded.value;
    if ((cmd.flag & FLAG_RESPONSE) === 0) {
      this.sink.onRequest(cmd, this);
      return;
    }
    const pending = this.pending.get(cmd.opaque);
    if (pending === undefined) {
      // A response after its request timed out; Java drops these too.
      this.logger.debug({ connection: this.id, opaque: cmd.opaque, code: cmd.code }, 'response matches no request');
      return;
    }
    this.pending.delete(cmd.opaque);
    clearTimeout(pending.timer);
    pending.resolve(cmd);
  }

  private readonly onDrain = (): void => {
    if (this.tornDown) return;
    this.account(this.socket.writableLength + this.smallBytes);
    if (!this.outputBlocked) return;
    this.outputBlocked = false;
    this.syncReading();
  };

  private protocolFailure(error: ProtocolError): void {
    if (this.tornDown) return;
    this.logger.warn(
      { connection: this.id, remoteAddress: this.remoteAddress, kind: error.kind },
      `closing connection from ${this.remoteAddress}: ${error.message}`,
    );
    this.close();
  }

  private readonly onError = (err: Error): void => {
    // 'close' always follows; resets and EPIPEs are routine for a network server.
    this.logger.debug({ connection: this.id, remoteAddress: this.remoteAddress, err: err.message }, 'socket error');
  };

  private readonly onSocketClose = (): void => {
    this.teardown();
  };

  private teardown(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    this.heldMuchAtClose = this.accountedWriteBytes > this.highWaterMark || this.costlyRequests > 0;
    this.backlog = [];
    this.small.length = 0;
    this.smallBytes = 0;
    // Destroyed: unsent output is gone. Requests still being handled finish on their own
    // (held pulls are released by the owner's disconnect listener) and lower the count then.
    this.account(0);
    if (this.pending.size > 0) {
      const pending = [...this.pending.values()];
      this.pending.clear();
      for (const p of pending) {
        clearTimeout(p.timer);
        p.reject(new RemotingClosedError(this.remoteAddress));
      }
    }
    for (const listener of this.closeListeners.splice(0)) {
      try {
        listener();
      } catch (err) {
        this.logger.error({ err }, 'connection close listener threw');
      }
    }
  }
}
