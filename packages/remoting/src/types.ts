import type { RemotingCommand } from '@rocketmq-ts/protocol';
import type { FlowBudget, FlowLimits } from './flow-budget.js';

// The contract of the remoting layer. Servers (namesrv, broker) and clients (SDK, tools)
// code against these types; remoting-server.ts and remoting-client.ts implement them.

/** One TCP connection, seen from either end. */
export interface Connection {
  readonly id: number;
  /** Peer address as `ip:port`, IPv4-mapped IPv6 (`::ffff:`) stripped. */
  readonly remoteAddress: string;
  /** Our address as `ip:port`, as above. */
  readonly localAddress: string;
  readonly closed: boolean;
  /** Writes a command as is (a response, or a server-push request). Dropped if closed. */
  send(cmd: RemotingCommand): void;
  /** Sends a request over this connection and awaits its response (server → client pushes). */
  request(cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand>;
  /** Sends a request with the oneway flag set; no response is awaited. */
  oneway(cmd: RemotingCommand): void;
  close(): void;
  /** Called once when the connection is gone, whichever side closed it. */
  onClose(listener: () => void): void;
  /**
   * A handler parks one of this connection's requests (a long-polling pull waiting for
   * messages): it stops counting against the connection's costly-request bound until
   * requestResumed(). Server connections only; each call pairs with one requestResumed().
   */
  requestSuspended?(): void;
  requestResumed?(): void;
}

/**
 * Handles one request. Return the response (its opaque and response flag are set by the
 * layer), or `undefined` to send nothing. A promise may stay pending as long as the handler
 * needs (long polling); a thrown error or rejected promise becomes SYSTEM_ERROR (1) with the
 * message as remark. Oneway requests never get a response, whatever the handler returns.
 */
export type RequestHandler = (
  request: RemotingCommand,
  connection: Connection,
) => RemotingCommand | undefined | Promise<RemotingCommand | undefined>;

export interface ProcessorOptions {
  /**
   * Name of the executor pool whose in-flight limit applies (like Java's per-processor thread
   * pools): requests beyond `maxInFlight` of the pool get SYSTEM_BUSY (2) at once.
   * Defaults to 'default'.
   */
  pool?: string;
  /**
   * Each request may hold a large buffer until its answer is written (pulls reading the
   * store): a connection gets at most FlowLimits.maxCostlyRequestsPerConnection of them
   * handled at once, the rest wait unread in its socket (like Java's bounded executors).
   */
  costly?: boolean;
}

export interface PoolOptions {
  maxInFlight: number;
}

export interface RemotingServerOptions {
  /** 0 = any free port. */
  port: number;
  /** Default 127.0.0.1 in tests; servers started by users pass 0.0.0.0. */
  host?: string;
  maxFrameLength?: number;
  /** Close connections silent for this long (`serverChannelMaxIdleTimeSeconds`, 120 s). 0 disables. */
  idleTimeoutMs?: number;
  /** Stop reading a socket while its unsent output exceeds this (bytes). */
  writeHighWaterMark?: number;
  /** In-flight limit of the 'default' pool. */
  maxInFlight?: number;
  /** Per-connection and process-wide bounds (see FlowBudget); defaults where absent. */
  flowLimits?: Partial<FlowLimits>;
  /** A budget shared with the process's other servers (e.g. a broker's fast port); overrides flowLimits. */
  flowBudget?: FlowBudget;
  logger?: import('@rocketmq-ts/common').Logger;
}

export interface RemotingClientOptions {
  connectTimeoutMs?: number;
  /** Default timeout of `invoke` when none is passed. */
  requestTimeoutMs?: number;
  maxFrameLength?: number;
  /** Stop reading a socket while its unsent output exceeds this (bytes); default 4 MiB. */
  writeHighWaterMark?: number;
  /**
   * Header type of the requests this client sends: 0 JSON (default, what every server
   * parses), 1 ROCKETMQ binary (cheaper to encode and decode; our broker and Java's answer a
   * binary request in binary). Responses are decoded by their own type byte either way.
   */
  serializeType?: import('@rocketmq-ts/protocol').SerializeType;
  logger?: import('@rocketmq-ts/common').Logger;
}
