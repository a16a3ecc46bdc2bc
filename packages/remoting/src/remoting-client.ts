import { connect, type Socket } from 'node:net';
import { type Logger, silentLogger } from '@rocketmq-ts/common';
import { DEFAULT_MAX_FRAME_LENGTH, type RemotingCommand, SerializeType } from '@rocketmq-ts/protocol';
import { DEFAULT_WRITE_HIGH_WATER_MARK, SocketConnection } from './connection.js';
import { RemotingClosedError, RemotingConnectError, RemotingTimeoutError } from './errors.js';
import { ProcessorTable } from './processor-table.js';
import type { Connection, RemotingClientOptions, RequestHandler } from './types.js';

/** Java's `connectTimeoutMillis` default. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;
/** Java's default send/invoke timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 3000;
/** Socket reads land in one buffer of this size per client (what Node allocates per read otherwise). */
const READ_BUFFER_SIZE = 64 * 1024;

/** Splits `host:port`; IPv6 hosts may be bracketed (`[::1]:9876`). */
export function parseAddress(addr: string): { host: string; port: number } | undefined {
  const i = addr.lastIndexOf(':');
  if (i <= 0) return undefined;
  let host = addr.slice(0, i);
  const port = Number(addr.slice(i + 1));
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (!Number.isInteger(port) || port <= 0 || port > 65535 || host.length === 0) return undefined;
  return { host, port };
}

/**
 * The client side of the remoting protocol: one lazily opened connection per address,
 * re-opened on next use after it closes. Server-pushed requests go to the processors
 * registered here; unknown ones are answered REQUEST_CODE_NOT_SUPPORTED.
 */
export class RemotingClient {
  private readonly conns = new Map<string, SocketConnection>();
  private readonly connecting = new Map<string, Promise<SocketConnection>>();
  private readonly connectingSockets = new Set<Socket>();
  private readonly table: ProcessorTable;
  private readonly logger: Logger;
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxFrameLength: number;
  private readonly writeHighWaterMark: number;
  private readonly serializeType: SerializeType;
  private closed = false;
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);

  constructor(options: RemotingClientOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.maxFrameLength = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
    this.writeHighWaterMark = options.writeHighWaterMark ?? DEFAULT_WRITE_HIGH_WATER_MARK;
    this.serializeType = options.serializeType ?? SerializeType.JSON;
    // Pushed requests are rare and small; they need no flow control of their own.
    this.table = new ProcessorTable(this.logger, Number.POSITIVE_INFINITY);
  }

  /** Handles requests the server pushes (NOTIFY_CONSUMER_IDS_CHANGED, GET_CONSUMER_RUNNING_INFO, ...). */
  registerProcessor(code: number, handler: RequestHandler): void {
    this.table.register(code, handler);
  }

  /**
   * Sends `request` (its opaque is overwritten) and resolves its response, whatever its
   * code. Rejects with RemotingConnectError, RemotingSendRequestError, RemotingTimeoutError
   * or RemotingClosedError. Connect time counts against `timeoutMs`.
   */
  invoke(addr: string, request: RemotingCommand, timeoutMs = this.requestTimeoutMs): Promise<RemotingCommand> {
    const conn = this.conns.get(addr);
    if (conn !== undefined && !conn.closed) return conn.request(request, timeoutMs);
    return this.invokeAfterConnect(addr, request, timeoutMs);
  }

  /** Sends `request` with the oneway flag; resolves once it is handed to the socket. */
  async invokeOneway(addr: string, request: RemotingCommand): Promise<void> {
    const conn = await this.getConnection(addr);
    conn.oneway(request);
  }

  getConnection(addr: string): Promise<Connection> {
    return this.connection(addr);
  }

  private connection(addr: string): Promise<SocketConnection> {
    if (this.closed) return Promise.reject(new RemotingClosedError(addr, 'remoting client is closed'));
    const conn = this.conns.get(addr);
    if (conn !== undefined && !conn.closed) return Promise.resolve(conn);
    let opening = this.connecting.get(addr);
    if (opening === undefined) {
      opening = this.open(addr);
      this.connecting.set(addr, opening);
      const forget = (): void => {
        this.connecting.delete(addr);
      };
      void opening.then(forget, forget);
    }
    return opening;
  }

  /** Drops the connection to `addr`, if any; its pending requests are rejected. */
  closeConnection(addr: string): void {
    const conn = this.conns.get(addr);
    if (conn === undefined) return;
    this.conns.delete(addr);
    conn.close();
  }

  /** Current connections, by address. */
  connections(): Iterable<Connection> {
    return this.conns.values();
  }

  /** Closes every connection and pending connect; resolves once all sockets are gone. */
  async close(): Promise<void> {
    this.closed = true;
    const sockets: Socket[] = [...this.connectingSockets];
    for (const socket of this.connectingSockets) socket.destroy();
    for (const conn of this.conns.values()) {
      sockets.push(conn.socket);
      conn.close();
    }
    this.conns.clear();
    await Promise.all(
      sockets.map((s) =>
        s.closed ? Promise.resolve() : new Promise<void>((resolve) => s.once('close', () => resolve())),
      ),
    );
  }

  private async invokeAfterConnect(
    addr: string,
    request: RemotingCommand,
    timeoutMs: number,
  ): Promise<RemotingCommand> {
    const start = Date.now();
    const conn = await this.connection(addr);
    const left = timeoutMs - (Date.now() - start);
    if (left <= 0) throw new RemotingTimeoutError(addr, timeoutMs, request.code);
    return conn.request(request, left);
  }

  private open(addr: string): Promise<SocketConnection> {
    const target = parseAddress(addr);
    if (target === undefined) return Promise.reject(new RemotingConnectError(addr, 'not a host:port address'));
    return new Promise<SocketConnection>((resolve, reject) => {
      let conn: SocketConnection | undefined;
      // Every connection of this client reads into one buffer: reads run one at a time on
      // this thread, and each chunk is copied out (frame by frame) before the next.
      const socket = connect({
        host: target.host,
        port: target.port,
        noDelay: true,
        onread: {
          buffer: this.readBuffer,
          callback: (n: number, buf: Uint8Array): boolean => {
            conn?.onSocketRead((buf as Buffer).subarray(0, n));
            return true;
          },
        },
      });
      this.connectingSockets.add(socket);
      const done = (err: Error | undefined): void => {
        clearTimeout(timer);
        this.connectingSockets.delete(socket);
        socket.off('connect', onConnect);
        socket.off('error', onError);
        socket.off('close', onClose);
        if (err !== undefined) {
          socket.destroy();
          reject(err);
          return;
        }
        conn = new SocketConnection(socket, {
          maxFrameLength: this.maxFrameLength,
          writeHighWaterMark: this.writeHighWaterMark,
          logger: this.logger,
          sink: this.table,
          serializeType: this.serializeType,
          reusedReadBuffer: true,
        });
        const opened = conn;
        this.conns.set(addr, opened);
        opened.onClose(() => {
          if (this.conns.get(addr) === opened) this.conns.delete(addr);
          this.logger.debug({ addr, connection: opened.id }, 'connection closed');
        });
        this.logger.debug({ addr, connection: opened.id, localAddress: opened.localAddress }, 'connected');
        resolve(opened);
      };
      const onConnect = (): void => {
        done(this.closed ? new RemotingClosedError(addr, 'remoting client is closed') : undefined);
      };
      const onError = (err: Error): void => done(new RemotingConnectError(addr, err.message, err));
      // Destroyed by close() while connecting.
      const onClose = (): void => done(new RemotingClosedError(addr, 'remoting client is closed'));
      const timer = setTimeout(
        () => done(new RemotingConnectError(addr, `timed out after ${this.connectTimeoutMs} ms`)),
        this.connectTimeoutMs,
      );
      socket.once('connect', onConnect);
      socket.once('error', onError);
      socket.once('close', onClose);
    });
  }
}
