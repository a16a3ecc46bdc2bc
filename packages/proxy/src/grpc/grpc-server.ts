import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@rocketmq-ts/common';
import type { CallContext } from '../service/proxy-deps.js';
import { rpcs } from './codec.js';
import { Code, status } from './codes.js';

// The gRPC listener: MessagingService's methods bound to handlers through the codecs of
// codec.ts. Unary RPCs always answer gRPC OK with the outcome in their Status (RocketMQ's
// convention); a request that cannot be decoded, or an RPC this server does not serve, is
// answered by grpc-js itself (INTERNAL / UNIMPLEMENTED).

export type UnaryHandler = (request: unknown, ctx: CallContext) => Promise<unknown>;
export type ServerStreamHandler = (
  request: unknown,
  ctx: CallContext,
  stream: { write(r: unknown): boolean; end(): void; readonly cancelled: boolean },
) => Promise<void>;
export type BidiHandler = (ctx: CallContext, stream: grpc.ServerDuplexStream<unknown, unknown>) => void;

export interface Handlers {
  unary: Record<string, UnaryHandler>;
  serverStream: Record<string, ServerStreamHandler>;
  bidi: Record<string, BidiHandler>;
}

const first = (md: grpc.Metadata, key: string): string => {
  const v = md.get(key)[0];
  return typeof v === 'string' ? v : v === undefined ? '' : v.toString('utf8');
};

/** `ipv4:1.2.3.4:5` / `[::1]:5` / `1.2.3.4:5` → `ip:port`. */
const peerOf = (peer: string): string => peer.replace(/^ipv[46]:/, '').replace(/^\[(.*)\]:(\d+)$/, '$1:$2');

export function contextOf(
  call: Pick<grpc.ServerUnaryCall<unknown, unknown>, 'metadata' | 'getDeadline' | 'getPeer'>,
): CallContext {
  const md = call.metadata;
  const d = call.getDeadline();
  const deadline = d instanceof Date ? d.getTime() : Number.isFinite(d) ? Number(d) : Number.POSITIVE_INFINITY;
  return {
    clientId: first(md, 'x-mq-client-id'),
    language: first(md, 'x-mq-language'),
    peer: peerOf(call.getPeer()),
    deadline,
  };
}

const serialize = (c: (typeof rpcs)[string]['response']) => (value: unknown) => c.encode(value);
const deserialize = (c: (typeof rpcs)[string]['request']) => (bytes: Buffer) => {
  const r = c.decode(bytes);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

export function serviceDefinition(): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, rpc] of Object.entries(rpcs)) {
    def[name] = {
      path: rpc.path,
      requestStream: rpc.requestStream,
      responseStream: rpc.responseStream,
      requestSerialize: serialize(rpc.request),
      requestDeserialize: deserialize(rpc.request),
      responseSerialize: serialize(rpc.response),
      responseDeserialize: deserialize(rpc.response),
      originalName: name,
    };
  }
  return def as grpc.ServiceDefinition;
}

/**
 * Told of every unary RPC once answered: its name, the `apache.rocketmq.v2.Code` of its Status
 * and how long it took (the hook point for proxy metrics).
 */
export type RpcObserver = (rpc: string, code: number, millis: number) => void;

const codeOf = (res: unknown): number => (res as { status?: { code?: number } } | undefined)?.status?.code ?? 0;

export function buildImplementation(
  h: Handlers,
  logger: Logger,
  observe?: RpcObserver,
): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, fn] of Object.entries(h.unary)) {
    impl[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const t0 = observe ? performance.now() : 0;
      const answer = (res: unknown) => {
        callback(null, res);
        observe?.(name, codeOf(res), performance.now() - t0);
      };
      const ctx = contextOf(call);
      if (ctx.clientId === '') {
        answer({ status: status(Code.CLIENT_ID_REQUIRED, 'x-mq-client-id is required') });
        return;
      }
      fn(call.request, ctx).then(answer, (err: unknown) => {
        logger.warn({ err, rpc: name }, 'rpc failed');
        answer({ status: status(Code.INTERNAL_SERVER_ERROR, err instanceof Error ? err.message : String(err)) });
      });
    };
  }
  for (const [name, fn] of Object.entries(h.serverStream)) {
    impl[name] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
      const ctx = contextOf(call);
      let gone = false;
      call.on('cancelled', () => {
        gone = true;
      });
      call.on('error', () => {
        gone = true;
      });
      const stream = {
        write: (r: unknown) => (gone ? false : call.write(r)),
        end: () => {
          if (!gone) call.end();
        },
        get cancelled() {
          return gone || call.cancelled;
        },
      };
      if (ctx.clientId === '') {
        stream.write({ status: status(Code.CLIENT_ID_REQUIRED, 'x-mq-client-id is required') });
        stream.end();
        return;
      }
      fn(call.request, ctx, stream).catch((err: unknown) => {
        logger.warn({ err, rpc: name }, 'stream rpc failed');
        stream.write({ status: status(Code.INTERNAL_SERVER_ERROR, err instanceof Error ? err.message : String(err)) });
        stream.end();
      });
    };
  }
  for (const [name, fn] of Object.entries(h.bidi)) {
    impl[name] = (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      const ctx = contextOf(call);
      if (ctx.clientId === '') {
        call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: 'x-mq-client-id is required' });
        return;
      }
      fn(ctx, call);
    };
  }
  return impl;
}

export interface GrpcListener {
  readonly port: number;
  shutdown(): Promise<void>;
}

export async function listenGrpc(
  host: string,
  port: number,
  impl: grpc.UntypedServiceImplementation,
  maxReceiveBytes: number,
): Promise<GrpcListener> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxReceiveBytes,
    'grpc.max_send_message_length': -1,
    'grpc.keepalive_permit_without_calls': 1,
    // Channelz keeps per-call counters and call trackers: measurable CPU on every RPC, unused here.
    'grpc.enable_channelz': 0,
  });
  server.addService(serviceDefinition(), impl);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${host.includes(':') ? `[${host}]` : host}:${port}`,
      grpc.ServerCredentials.createInsecure(),
      (e, p) => (e ? reject(e) : resolve(p)),
    ),
  );
  return {
    port: bound,
    shutdown: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 3000);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
