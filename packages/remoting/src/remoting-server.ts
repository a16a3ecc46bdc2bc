import { createServer, type Server, type Socket } from 'node:net';
import { type Logger, silentLogger } from '@rocketmq-ts/common';
import { createResponse, DEFAULT_MAX_FRAME_LENGTH, type RemotingCommand, ResponseCode } from '@rocketmq-ts/protocol';
import { DEFAULT_WRITE_HIGH_WATER_MARK, SocketConnection } from './connection.js';
import { FlowBudget } from './flow-budget.js';
import { MemoryReclaimer } from './memory-reclaim.js';
import { DEFAULT_POOL, ProcessorTable, type RpcObserver } from './processor-table.js';
import type { Connection, PoolOptions, ProcessorOptions, RemotingServerOptions, RequestHandler } from './types.js';

/** `serverChannelMaxIdleTimeSeconds` in Java. */
export const DEFAULT_SERVER_IDLE_TIMEOUT_MS = 120_000;
/**
 * In-flight limit of the 'default' pool when none is given: the size of Java's default
 * processor queues (e.g. sendThreadPoolQueueCapacity), the point where a broker starts
 * answering SYSTEM_BUSY.
 */
export const DEFAULT_MAX_IN_FLIGHT = 10_000;

type ConnectionListener = (connection: Connection) => void;

/** One per process: every server's heavy closes share the rate limit. */
const reclaimer = new MemoryReclaimer();

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | undefined)?.then === 'function';
}

/**
 * Wraps a handler with the flow accounting of its connection: SYSTEM_BUSY while the process is
 * over a FlowBudget limit, else the request counts as pending on its connection until the
 * handler returns or its promise settles. Made once per processor; per request it adds one
 * then() on asynchronous handlers, with the connection's own callback (no closure).
 */
function accounted(handler: RequestHandler, budget: FlowBudget, costly: boolean): RequestHandler {
  return (request: RemotingCommand, connection: Connection) => {
    if (budget.overloaded) {
      budget.rejected++;
      return createResponse(
        request,
        ResponseCode.SYSTEM_BUSY,
        `[REJECTREQUEST] system busy: ${budget.pendingRequests} requests in hand, ${budget.pendingWriteBytes} response bytes unsent, try later`,
      );
    }
    const conn = connection as SocketConnection;
    conn.requestStarted(costly);
    const finished = costly ? conn.costlyRequestFinished : conn.requestFinished;
    let result: ReturnType<RequestHandler>;
    try {
      result = handler(request, connection);
    } catch (e) {
      finished();
      throw e;
    }
    if (isThenable(result)) result.then(finished, finished);
    else finished();
    return result;
  };
}

/**
 * The server side of the remoting protocol (NameServer and broker listeners).
 *
 * Idle connections are found by one periodic sweep instead of a timer per connection: with
 * thousands of clients a sweep every few seconds is far cheaper than re-arming timers on
 * every inbound chunk, and idle close needs no better precision.
 */
export class RemotingServer {
  private readonly server: Server;
  private readonly table: ProcessorTable;
  private readonly conns = new Set<SocketConnection>();
  private readonly connectListeners: ConnectionListener[] = [];
  private readonly disconnectListeners: ConnectionListener[] = [];
  private readonly logger: Logger;
  private readonly host: string;
  private readonly requestedPort: number;
  private readonly maxFrameLength: number;
  private readonly writeHighWaterMark: number;
  private readonly idleTimeoutMs: number;
  private readonly budget: FlowBudget;
  private boundPort = 0;
  private sweepTimer: NodeJS.Timeout | undefined;
  private closePromise: Promise<void> | undefined;
  private allClosedWaiter: (() => void) | undefined;

  constructor(options: RemotingServerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.host = options.host ?? '127.0.0.1';
    this.requestedPort = options.port;
    this.maxFrameLength = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
    this.writeHighWaterMark = options.writeHighWaterMark ?? DEFAULT_WRITE_HIGH_WATER_MARK;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_SERVER_IDLE_TIMEOUT_MS;
    this.budget = options.flowBudget ?? new FlowBudget(options.flowLimits);
    this.table = new ProcessorTable(this.logger, options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.server = createServer({ noDelay: true }, this.onSocket);
    this.server.on('error', (err) => this.logger.error({ err }, 'remoting server error'));
  }

  /** Times every answered request (metrics); undefined stops timing. */
  setRpcObserver(observer: RpcObserver | undefined): void {
    this.table.observer = observer;
  }

  registerProcessor(code: number, handler: RequestHandler, options?: ProcessorOptions): void {
    this.table.register(code, accounted(handler, this.budget, options?.costly ?? false), options?.pool ?? DEFAULT_POOL);
  }

  /** Handles every code without a registered processor (instead of REQUEST_CODE_NOT_SUPPORTED). */
  setDefaultProcessor(handler: RequestHandler, options?: ProcessorOptions): void {
    this.table.setDefault(accounted(handler, this.budget, options?.costly ?? false), options?.pool ?? DEFAULT_POOL);
  }

  /** Sets a pool's in-flight limit; may come before or after the processors that use it. */
  definePool(name: string, options: PoolOptions): void {
    this.table.definePool(name, options.maxInFlight);
  }

  /** Requests being handled right now, over all pools. */
  get inFlight(): number {
    return this.table.inFlight;
  }

  /** The process-wide flow counters and limits this server shares (see FlowBudget). */
  get flowBudget(): FlowBudget {
    return this.budget;
  }

  /** Binds and starts accepting; resolves the bound port (useful with port 0). */
  listen(): Promise<number> {
    if (this.closePromise !== undefined) return Promise.reject(new Error('remoting server is closed'));
    return new Promise<number>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen({ port: this.requestedPort, host: this.host }, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        this.boundPort = typeof address === 'object' && address !== null ? address.port : this.requestedPort;
        this.startIdleSweep();
        this.logger.info({ host: this.host, port: this.boundPort }, 'remoting server listening');
        resolve(this.boundPort);
      });
    });
  }

  /** The bound port once listening, else 0. */
  get port(): number {
    return this.boundPort;
  }

  onConnection(listener: ConnectionListener): void {
    this.connectListeners.push(listener);
  }

  onDisconnect(listener: ConnectionListener): void {
    this.disconnectListeners.push(listener);
  }

  connections(): Iterable<Connection> {
    return this.conns.values();
  }

  /**
   * Stops accepting, lets in-flight requests finish and flushes their responses (up to
   * `graceMs` in total), then drops whatever connections remain. New requests arriving
   * meanwhile get SYSTEM_BUSY so clients retry elsewhere. Idempotent.
   */
  close(graceMs = 5000): Promise<void> {
    this.closePromise ??= this.shutdown(graceMs);
    return this.closePromise;
  }

  private async shutdown(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    this.table.closing = true;
    clearInterval(this.sweepTimer);
    const listening = this.server.listening;
    const serverClosed = new Promise<void>((resolve) => {
      if (listening) this.server.close(() => resolve());
      else resolve();
    });
    await this.table.whenIdle(deadline - Date.now());
    // end() flushes each socket's queued responses before the FIN; peers then close.
    for (const conn of this.conns) conn.end();
    await this.whenAllClosed(deadline - Date.now());
    for (const conn of this.conns) conn.close();
    await serverClosed;
    this.logger.info({ port: this.boundPort }, 'remoting server closed');
  }

  private async whenAllClosed(timeoutMs: number): Promise<void> {
    if (this.conns.size === 0 || timeoutMs <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.allClosedWaiter = resolve;
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
    this.allClosedWaiter = undefined;
  }

  private readonly onSocket = (socket: Socket): void => {
    if (this.closePromise !== undefined) {
      socket.destroy();
      return;
    }
    const conn = new SocketConnection(socket, {
      maxFrameLength: this.maxFrameLength,
      writeHighWaterMark: this.writeHighWaterMark,
      logger: this.logger,
      sink: this.table,
      budget: this.budget,
    });
    this.conns.add(conn);
    conn.onClose(() => {
      this.conns.delete(conn);
      if (conn.heldMuchAtClose) reclaimer.request();
      this.logger.debug({ connection: conn.id, remoteAddress: conn.remoteAddress }, 'connection closed');
      this.notify(this.disconnectListeners, conn);
      if (this.conns.size === 0 && this.allClosedWaiter !== undefined) this.allClosedWaiter();
    });
    this.logger.debug({ connection: conn.id, remoteAddress: conn.remoteAddress }, 'connection accepted');
    this.notify(this.connectListeners, conn);
  };

  private notify(listeners: ConnectionListener[], conn: Connection): void {
    for (const listener of listeners) {
      try {
        listener(conn);
      } catch (err) {
        this.logger.error({ err }, 'connection listener threw');
      }
    }
  }

  private startIdleSweep(): void {
    // A quarter of the idle timeout bounds how late a close can be; capped so huge timeouts
    // still sweep, and so the process-wide unsent-byte count is reconciled every few seconds.
    const every = this.idleTimeoutMs > 0 ? Math.min(Math.max(Math.floor(this.idleTimeoutMs / 4), 10), 5000) : 5000;
    this.sweepTimer = setInterval(() => this.sweepIdle(), every);
    this.sweepTimer.unref();
  }

  private sweepIdle(): void {
    const cutoff = this.idleTimeoutMs > 0 ? Date.now() - this.idleTimeoutMs : Number.NEGATIVE_INFINITY;
    for (const conn of this.conns) {
      conn.reconcile();
      if (conn.lastReadAt < cutoff) {
        this.logger.info(
          { connection: conn.id, remoteAddress: conn.remoteAddress, idleTimeoutMs: this.idleTimeoutMs },
          'closing idle connection',
        );
        conn.close();
      }
    }
  }
}
