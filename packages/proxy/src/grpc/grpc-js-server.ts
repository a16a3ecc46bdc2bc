import * as grpc from '@grpc/grpc-js';
import type { CallContext } from '../service/proxy-deps.js';
import { rpcs } from './codec.js';
import {
  type BidiCall,
  type GrpcListener,
  type Handlers,
  type ListenOptions,
  peerOf,
  runServerStream,
  wrapUnary,
} from './server-api.js';

// The gRPC listener on @grpc/grpc-js (`grpcServerImplementation: "grpc-js"`): MessagingService's
// methods bound to the handlers through the codecs of codec.ts. A request that cannot be
// decoded, or an RPC this server does not serve, is answered by grpc-js itself (INTERNAL /
// UNIMPLEMENTED). The default listener is the leaner http2-server.ts.

const first = (md: grpc.Metadata, key: string): string => {
  const v = md.get(key)[0];
  return typeof v === 'string' ? v : v === undefined ? '' : v.toString('utf8');
};

function contextOf(
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

function serviceDefinition(): grpc.ServiceDefinition {
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

function bidiCallOf(call: grpc.ServerDuplexStream<unknown, unknown>): BidiCall {
  return {
    onMessage: (fn) => call.on('data', fn),
    onEnd: (fn) => call.on('end', fn),
    onClose: (fn) => {
      call.on('cancelled', fn);
      call.on('error', fn);
    },
    write: (m) => call.write(m),
    end: () => call.end(),
    fail: (code, details) => call.emit('error', { code, details }),
    get cancelled() {
      return call.cancelled;
    },
  };
}

function buildImplementation(h: Handlers, o: ListenOptions): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, fn] of Object.entries(h.unary)) {
    const run = wrapUnary(name, fn, o.logger, o.observe);
    impl[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      void run(call.request, contextOf(call)).then((res) => callback(null, res));
    };
  }
  for (const [name, fn] of Object.entries(h.serverStream)) {
    impl[name] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
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
      runServerStream(name, fn, call.request, contextOf(call), stream, o.logger);
    };
  }
  for (const [name, fn] of Object.entries(h.bidi)) {
    impl[name] = (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      const ctx = contextOf(call);
      if (ctx.clientId === '') {
        call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: 'x-mq-client-id is required' });
        return;
      }
      fn(ctx, bidiCallOf(call));
    };
  }
  return impl;
}

export async function listenGrpcJs(h: Handlers, o: ListenOptions): Promise<GrpcListener> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': o.maxReceiveBytes,
    'grpc.max_send_message_length': -1,
    'grpc.keepalive_permit_without_calls': 1,
    // Channelz keeps per-call counters and call trackers: measurable CPU on every RPC, unused here.
    'grpc.enable_channelz': 0,
  });
  server.addService(serviceDefinition(), buildImplementation(h, o));
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`,
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
