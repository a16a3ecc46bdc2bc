import type { Broker } from '@rocketmq-ts/broker';
import { type Clock, type Logger, silentLogger, systemClock } from '@rocketmq-ts/common';
import { SerializeType } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { listenGrpcJs } from './grpc/grpc-js-server.js';
import { listenHttp2 } from './grpc/http2-server.js';
import { GrpcRpcMetrics, observeAll } from './grpc/rpc-metrics.js';
import { type BidiCall, type GrpcListener, GrpcStatus, type Handlers, type RpcObserver } from './grpc/server-api.js';
import type { ReceiveMessageResponse, TelemetryCommand } from './grpc/types.js';
import { defaultProxyConfig, namesrvList, type ProxyConfig } from './proxy-config.js';
import { type BrokerTransport, InProcessTransport, RemotingTransport } from './service/broker-transport.js';
import { ClientService } from './service/client-service.js';
import { ClientSessions, type TelemetryChannel } from './service/client-sessions.js';
import { ConsumerService } from './service/consumer-service.js';
import { Metadata } from './service/metadata.js';
import { ProducerService } from './service/producer-service.js';
import type { CallContext, ProxyDeps } from './service/proxy-deps.js';
import { RouteCache } from './service/route-cache.js';
import { RouteService } from './service/route-service.js';

// The proxy's composition root: the services over one BrokerTransport, bound to a gRPC
// listener. Cluster mode: a RemotingClient to the NameServers and brokers. Local mode: the
// same, except that commands for the broker of this process run its processors directly.

export interface ProxyOptions {
  config?: Partial<ProxyConfig>;
  logger?: Logger;
  clock?: Clock;
  /** Told of every unary RPC answered (name, Status code, ms): where proxy metrics attach. */
  observeRpc?: RpcObserver;
}

export interface GrpcProxy {
  readonly port: number;
  readonly mode: ProxyConfig['proxyMode'];
  shutdown(): Promise<void>;
}

/** Drops sessions of clients gone this long (Java expires a channel after 120 s). */
const SESSION_IDLE_MS = 120_000;

export async function startProxy(transport: BrokerTransport, options: ProxyOptions = {}): Promise<GrpcProxy> {
  const config = { ...defaultProxyConfig(), ...options.config };
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const routes = new RouteCache(transport, () => namesrvList(config), clock, 5000, config.brokerRequestTimeoutMillis);
  let listener: GrpcListener | undefined;
  const deps: ProxyDeps = {
    config,
    transport,
    routes,
    metadata: new Metadata(transport, routes, config.rocketMQClusterName, clock),
    sessions: new ClientSessions(
      {
        maxBodySize: config.maxMessageSize,
        validateMessageType: config.enableTopicMessageTypeCheck,
        receiveBatchSize: config.grpcClientConsumerLongPollingBatchSize,
        longPollingTimeoutMs: config.grpcClientConsumerMaxLongPollingTimeoutMillis,
      },
      clock,
    ),
    clock,
    logger,
    grpcPort: () => listener?.port ?? config.grpcServerPort,
  };
  const route = new RouteService(deps);
  const producer = new ProducerService(deps);
  const consumer = new ConsumerService(deps);
  const client = new ClientService(deps);
  const handlers: Handlers = {
    unary: {
      QueryRoute: (r, ctx) => {
        client.routeQueried(ctx);
        return route.queryRoute(r as never);
      },
      Heartbeat: (r, ctx) => client.heartbeat(r as never, ctx),
      SendMessage: (r, ctx) => producer.send(r as never, ctx),
      QueryAssignment: (r) => route.queryAssignment(r as never),
      AckMessage: (r) => consumer.ack(r as never),
      ForwardMessageToDeadLetterQueue: (r) => consumer.forwardToDeadLetterQueue(r as never),
      EndTransaction: (r) => producer.endTransaction(r as never),
      NotifyClientTermination: (r, ctx) => client.notifyClientTermination(r as never, ctx),
      ChangeInvisibleDuration: (r) => consumer.changeInvisibleDuration(r as never),
      RecallMessage: (r) => producer.recall(r as never),
    },
    serverStream: {
      ReceiveMessage: (r, ctx, stream) =>
        consumer.receive(
          r as never,
          ctx,
          stream as { write(x: ReceiveMessageResponse): boolean; end(): void; cancelled: boolean },
        ),
    },
    bidi: {
      Telemetry: (ctx, call) => serveTelemetry(call, ctx, client, deps),
    },
  };
  const listen = config.grpcServerImplementation === 'grpc-js' ? listenGrpcJs : listenHttp2;
  listener = await listen(handlers, {
    host: config.grpcServerHost,
    port: config.grpcServerPort,
    maxReceiveBytes: config.grpcMaxInboundMessageSize,
    logger,
    observe: options.observeRpc,
  });
  const timers = [
    setInterval(() => void client.heartbeatBrokers(), config.heartbeatIntervalMillis),
    setInterval(() => deps.sessions.expire(SESSION_IDLE_MS), 10_000),
  ];
  for (const t of timers) t.unref();
  logger.info({ port: listener.port, mode: config.proxyMode }, 'gRPC proxy started');
  let stopped: Promise<void> | undefined;
  const bound = listener;
  return {
    port: bound.port,
    mode: config.proxyMode,
    shutdown() {
      stopped ??= (async () => {
        for (const t of timers) clearInterval(t);
        await bound.shutdown();
        await transport.close();
      })();
      return stopped;
    },
  };
}

function serveTelemetry(call: BidiCall, ctx: CallContext, client: ClientService, deps: ProxyDeps): void {
  let closed = false;
  const channel: TelemetryChannel = {
    write: (cmd: TelemetryCommand) => {
      if (!closed) call.write(cmd);
    },
    get closed() {
      return closed || call.cancelled;
    },
  };
  const close = () => {
    if (closed) return;
    closed = true;
    deps.sessions.dropChannel(ctx.clientId, channel);
  };
  call.onMessage((cmd) => {
    client.telemetry(cmd as TelemetryCommand, ctx, channel).catch((err: unknown) => {
      if (closed) return;
      closed = true;
      deps.sessions.dropChannel(ctx.clientId, channel);
      call.fail(GrpcStatus.INVALID_ARGUMENT, err instanceof Error ? err.message : String(err));
    });
  });
  call.onEnd(() => {
    close();
    call.end();
  });
  call.onClose(close);
}

/** Remoting to brokers and NameServers, with binary (ROCKETMQ) headers: cheaper to encode than JSON. */
function remotingClient(logger: Logger): RemotingClient {
  return new RemotingClient({
    logger: logger.child({ component: 'proxy-remoting' }),
    serializeType: SerializeType.ROCKETMQ,
  });
}

/** Cluster mode: every broker and NameServer over remoting. */
export function startClusterProxy(options: ProxyOptions = {}): Promise<GrpcProxy> {
  const logger = options.logger ?? silentLogger;
  const client = remotingClient(logger);
  return startProxy(new RemotingTransport(client), { ...options, config: { ...options.config, proxyMode: 'CLUSTER' } });
}

/**
 * Local mode: the broker of this process is called in-process; NameServers (and other brokers)
 * over remoting. The unary RPCs are exported with the broker's metrics (rocketmq_rpc_latency,
 * protocol_type="grpc") when the broker has them.
 */
export async function startLocalProxy(broker: Broker, options: ProxyOptions = {}): Promise<GrpcProxy> {
  const logger = options.logger ?? silentLogger;
  const remote = new RemotingTransport(remotingClient(logger));
  const transport = new InProcessTransport(
    () => broker.brokerAddr,
    broker.components.processors,
    remote,
    logger.child({ component: 'proxy-local' }),
  );
  const c = broker.components.identity;
  const brokerMetrics = broker.components.metrics;
  const rpcMetrics = brokerMetrics ? new GrpcRpcMetrics() : undefined;
  const proxy = await startProxy(transport, {
    ...options,
    observeRpc: observeAll(rpcMetrics?.observe, options.observeRpc),
    config: { rocketMQClusterName: c.clusterName, ...options.config, proxyMode: 'LOCAL' },
  });
  const detach = brokerMetrics && rpcMetrics ? rpcMetrics.attach(brokerMetrics) : undefined;
  return {
    port: proxy.port,
    mode: proxy.mode,
    shutdown: async () => {
      detach?.();
      await proxy.shutdown();
    },
  };
}
