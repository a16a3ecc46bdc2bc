import { connect, type Socket } from 'node:net';
import type { Logger } from '@rocketmq-ts/common';
import { decodeCommand, FrameSplitter, type RemotingCommand } from '@rocketmq-ts/protocol';
import { eventually } from '@rocketmq-ts/testkit';
import { RemotingServer } from '../src/remoting-server.js';
import type { RemotingServerOptions } from '../src/types.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object | string;
  msg: string | undefined;
}

/** A Logger that records every line, so tests can assert on what was logged. */
export function captureLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const log =
    (level: LogLine['level']) =>
    (obj: object | string, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  const logger: Logger & { lines: LogLine[] } = {
    lines,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  return logger;
}

export async function startServer(
  options: Partial<RemotingServerOptions> = {},
  setup?: (server: RemotingServer) => void,
): Promise<{ server: RemotingServer; addr: string; port: number }> {
  const server = new RemotingServer({ port: 0, host: '127.0.0.1', ...options });
  setup?.(server);
  const port = await server.listen();
  return { server, addr: `127.0.0.1:${port}`, port };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A bare socket speaking frames by hand: what a misbehaving or foreign client looks like. */
export class RawClient {
  readonly received: RemotingCommand[] = [];
  closed = false;
  readonly socket: Socket;
  /** `ip:port` as the server sees this client; kept since a closed socket forgets it. */
  readonly localAddress: string;
  private readonly splitter = new FrameSplitter();

  private constructor(socket: Socket) {
    this.socket = socket;
    this.localAddress = `${socket.localAddress}:${socket.localPort}`;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.splitter.push(chunk).frames) {
        const r = decodeCommand(frame);
        if (r.ok) this.received.push(r.value);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  async waitForClose(message = 'raw client closed by server'): Promise<void> {
    await eventually(() => this.closed, { message });
  }

  destroy(): void {
    this.socket.destroy();
  }
}
