import type { Logger } from '@rocketmq-ts/common';
import type { CallContext } from '../service/proxy-deps.js';
import { Code, status } from './codes.js';

// What the proxy's RPC handlers see of a gRPC server, whichever implements it (the lean
// node:http2 server of http2-server.ts or @grpc/grpc-js in grpc-js-server.ts): handlers by
// method name, a context per call, a sink for server streams and a duplex call for Telemetry.

export type UnaryHandler = (request: unknown, ctx: CallContext) => Promise<unknown>;

/** Where a server-streaming call's responses go; `cancelled` turns true when the client goes away. */
export interface ServerStreamSink {
  write(r: unknown): boolean;
  end(): void;
  readonly cancelled: boolean;
}
export type ServerStreamHandler = (request: unknown, ctx: CallContext, stream: ServerStreamSink) => Promise<void>;

/** A bidirectional call (Telemetry) as its handler sees it. */
export interface BidiCall {
  onMessage(fn: (m: unknown) => void): void;
  /** The client half-closed its side. */
  onEnd(fn: () => void): void;
  /** The call is over without an end from the client (cancelled, reset, deadline, error). */
  onClose(fn: () => void): void;
  write(m: unknown): void;
  /** Ends the call with gRPC OK. */
  end(): void;
  /** Ends the call with a gRPC error status. */
  fail(code: GrpcStatus, details: string): void;
  readonly cancelled: boolean;
}
export type BidiHandler = (ctx: CallContext, call: BidiCall) => void;

export interface Handlers {
  unary: Record<string, UnaryHandler>;
  serverStream: Record<string, ServerStreamHandler>;
  bidi: Record<string, BidiHandler>;
}

/**
 * Told of every unary RPC once answered: its name, the `apache.rocketmq.v2.Code` of its Status
 * and how long it took (the hook point for proxy metrics).
 */
export type RpcObserver = (rpc: string, code: number, millis: number) => void;

export interface GrpcListener {
  readonly port: number;
  shutdown(): Promise<void>;
}

export interface ListenOptions {
  host: string;
  port: number;
  /** Largest message accepted, after decompression. */
  maxReceiveBytes: number;
  logger: Logger;
  observe?: RpcObserver | undefined;
}

/** gRPC status codes (the transport's, not apache.rocketmq.v2.Code). */
export enum GrpcStatus {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  RESOURCE_EXHAUSTED = 8,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
}

const codeOf = (res: unknown): number => (res as { status?: { code?: number } } | undefined)?.status?.code ?? 0;
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * A unary handler wrapped with what both servers do around it: RocketMQ's CLIENT_ID_REQUIRED
 * check, a failed handler answered as INTERNAL_SERVER_ERROR inside the Status (business errors
 * never become gRPC errors), and the observer. The returned promise never rejects.
 */
export function wrapUnary(
  name: string,
  fn: UnaryHandler,
  logger: Logger,
  observe: RpcObserver | undefined,
): (request: unknown, ctx: CallContext) => Promise<unknown> {
  return async (request, ctx) => {
    const t0 = observe ? performance.now() : 0;
    let res: unknown;
    if (ctx.clientId === '') res = { status: status(Code.CLIENT_ID_REQUIRED, 'x-mq-client-id is required') };
    else {
      try {
        res = await fn(request, ctx);
      } catch (e) {
        logger.warn({ err: e, rpc: name }, 'rpc failed');
        res = { status: status(Code.INTERNAL_SERVER_ERROR, messageOf(e)) };
      }
    }
    observe?.(name, codeOf(res), performance.now() - t0);
    return res;
  };
}

/** A server-streaming handler with the same client-id check and failure answer as wrapUnary. */
export function runServerStream(
  name: string,
  fn: ServerStreamHandler,
  request: unknown,
  ctx: CallContext,
  stream: ServerStreamSink,
  logger: Logger,
): void {
  if (ctx.clientId === '') {
    stream.write({ status: status(Code.CLIENT_ID_REQUIRED, 'x-mq-client-id is required') });
    stream.end();
    return;
  }
  fn(request, ctx, stream).catch((e: unknown) => {
    logger.warn({ err: e, rpc: name }, 'stream rpc failed');
    if (stream.cancelled) return;
    stream.write({ status: status(Code.INTERNAL_SERVER_ERROR, messageOf(e)) });
    stream.end();
  });
}

/** `ipv4:1.2.3.4:5` / `[::1]:5` / `1.2.3.4:5` → `ip:port`. */
export const peerOf = (peer: string): string => peer.replace(/^ipv[46]:/, '').replace(/^\[(.*)\]:(\d+)$/, '$1:$2');
