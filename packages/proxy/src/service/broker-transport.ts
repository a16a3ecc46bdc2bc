import { type Logger, RocketMQError } from '@rocketmq-ts/common';
import { createResponse, isOneway, type RemotingCommand, ResponseCode } from '@rocketmq-ts/protocol';
import type { Connection, RemotingClient, RequestHandler } from '@rocketmq-ts/remoting';

// How the proxy's RPC logic reaches brokers and NameServers: RemotingCommands to an address.
// Cluster mode is a RemotingClient (sockets to every broker of the route); Local mode hands a
// command for the in-process broker straight to that broker's processor (no socket, no
// encoding), and everything else (the NameServer) to a RemotingClient. One implementation of
// every RPC therefore serves both modes.

export interface BrokerTransport {
  invoke(addr: string, cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand>;
  oneway(addr: string, cmd: RemotingCommand): Promise<void>;
  /** Handles requests brokers push to the proxy (CHECK_TRANSACTION_STATE). */
  onBrokerRequest(code: number, handler: RequestHandler): void;
  close(): Promise<void>;
}

export class RemotingTransport implements BrokerTransport {
  constructor(private readonly client: RemotingClient) {}
  invoke(addr: string, cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    return this.client.invoke(addr, cmd, timeoutMs);
  }
  oneway(addr: string, cmd: RemotingCommand): Promise<void> {
    return this.client.invokeOneway(addr, cmd);
  }
  onBrokerRequest(code: number, handler: RequestHandler): void {
    this.client.registerProcessor(code, handler);
  }
  close(): Promise<void> {
    return this.client.close();
  }
}

export interface InProcessProcessor {
  code: number;
  handler: RequestHandler;
}

/**
 * The proxy seen by an in-process broker: one connection-shaped object through which the
 * broker answers and pushes requests (a transaction check is a oneway push to the producer's
 * channel, which is this connection for every gRPC producer of the proxy).
 */
class InProcessConnection implements Connection {
  readonly id: number;
  readonly remoteAddress: string;
  readonly localAddress: string;
  closed = false;
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    id: number,
    address: string,
    private readonly pushed: Map<number, RequestHandler>,
    private readonly logger: Logger,
  ) {
    this.id = id;
    this.remoteAddress = address;
    this.localAddress = address;
  }

  send(): void {
    // Responses come back as handler results; nothing is written anywhere.
  }

  async request(cmd: RemotingCommand): Promise<RemotingCommand> {
    const handler = this.pushed.get(cmd.code);
    if (handler === undefined) return createResponse(cmd, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, 'not supported');
    return (await handler(cmd, this)) ?? createResponse(cmd, ResponseCode.SUCCESS);
  }

  oneway(cmd: RemotingCommand): void {
    const handler = this.pushed.get(cmd.code);
    if (handler === undefined) return;
    void Promise.resolve()
      .then(() => handler(cmd, this))
      .catch((err: unknown) => this.logger.warn({ err, code: cmd.code }, 'pushed request failed'));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l();
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }
}

/**
 * Local mode: commands for `brokerAddr` run the broker's processors in this process; others go
 * to `fallback` (the NameServer, or another broker of the cluster).
 */
export class InProcessTransport implements BrokerTransport {
  private readonly handlers = new Map<number, RequestHandler>();
  private readonly pushed = new Map<number, RequestHandler>();
  private readonly connection: InProcessConnection;

  constructor(
    private readonly brokerAddr: () => string,
    processors: Iterable<InProcessProcessor>,
    private readonly fallback: BrokerTransport,
    logger: Logger,
  ) {
    for (const p of processors) this.handlers.set(p.code, p.handler);
    // The broker stamps this address into records as their born host (the client's own is in
    // __BORNHOST): the proxy lives on the broker's host.
    const addr = brokerAddr();
    this.connection = new InProcessConnection(-1, `${addr.slice(0, addr.lastIndexOf(':'))}:0`, this.pushed, logger);
  }

  invoke(addr: string, cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    if (addr !== this.brokerAddr()) return this.fallback.invoke(addr, cmd, timeoutMs);
    return this.run(cmd).then((r) => r ?? createResponse(cmd, ResponseCode.SYSTEM_ERROR, 'no response'));
  }

  async oneway(addr: string, cmd: RemotingCommand): Promise<void> {
    if (addr !== this.brokerAddr()) return this.fallback.oneway(addr, cmd);
    cmd.flag |= 2; // oneway: the processor may skip its answer
    void this.run(cmd).catch(() => undefined);
  }

  onBrokerRequest(code: number, handler: RequestHandler): void {
    this.pushed.set(code, handler);
    this.fallback.onBrokerRequest(code, handler);
  }

  async close(): Promise<void> {
    this.connection.close();
    await this.fallback.close();
  }

  /** Runs one processor as the broker's processor table would: a throw becomes its answer. */
  private async run(cmd: RemotingCommand): Promise<RemotingCommand | undefined> {
    const handler = this.handlers.get(cmd.code);
    if (handler === undefined) {
      return createResponse(cmd, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, ` request type ${cmd.code} not supported`);
    }
    try {
      const r = await handler(cmd, this.connection);
      if (isOneway(cmd) || r === undefined) return undefined;
      // A body handed over as parts (what a socket would write with writev) becomes one buffer.
      if (r.body === undefined && r.bodyParts !== undefined) {
        r.body = r.bodyParts.length === 1 ? r.bodyParts[0] : Buffer.concat(r.bodyParts);
        r.bodyParts = undefined;
      }
      return r;
    } catch (e) {
      const code = e instanceof RocketMQError && e.code >= 0 ? e.code : ResponseCode.SYSTEM_ERROR;
      return createResponse(cmd, code, e instanceof Error ? e.message : String(e));
    }
  }
}
