// The proxy's settings, under the keys of RocketMQ's rmq-proxy.json (ProxyConfig), with its
// defaults. Only the keys this proxy uses are read; unknown keys in a file are reported.

export type ProxyMode = 'LOCAL' | 'CLUSTER';

export interface ProxyConfig {
  proxyMode: ProxyMode;
  /** `;`-separated NameServer addresses. */
  namesrvAddr: string;
  rocketMQClusterName: string;
  grpcServerPort: number;
  /** Bind address of the gRPC listener. */
  grpcServerHost: string;
  /**
   * The gRPC server: `http2` (default), the proxy's own gRPC over node:http2; `grpc-js`,
   * @grpc/grpc-js's server (several times the CPU per call). Not a RocketMQ key.
   */
  grpcServerImplementation: 'http2' | 'grpc-js';
  /** Largest gRPC message accepted (a SendMessageRequest with its bodies). */
  grpcMaxInboundMessageSize: number;
  /** Largest message body (MESSAGE_BODY_TOO_LARGE past it); also told to producers in Settings. */
  maxMessageSize: number;
  enableTopicMessageTypeCheck: boolean;
  useEndpointPortFromRequest: boolean;
  grpcClientConsumerMinLongPollingTimeoutMillis: number;
  grpcClientConsumerMaxLongPollingTimeoutMillis: number;
  grpcClientConsumerLongPollingBatchSize: number;
  minInvisibleTimeMillsForRecv: number;
  maxInvisibleTimeMills: number;
  defaultInvisibleTimeMills: number;
  transactionDataExpireMillis: number;
  /** Timeout of a request to a broker or NameServer (a POP adds its polling time). */
  brokerRequestTimeoutMillis: number;
  /** Producer groups are heartbeated to brokers this often (transaction checks find the proxy). */
  heartbeatIntervalMillis: number;
}

export const defaultProxyConfig = (): ProxyConfig => ({
  proxyMode: 'CLUSTER',
  namesrvAddr: '127.0.0.1:9876',
  rocketMQClusterName: 'DefaultCluster',
  grpcServerPort: 8081,
  grpcServerHost: '0.0.0.0',
  grpcServerImplementation: 'http2',
  grpcMaxInboundMessageSize: 130 * 1024 * 1024,
  maxMessageSize: 4 * 1024 * 1024,
  enableTopicMessageTypeCheck: true,
  useEndpointPortFromRequest: false,
  grpcClientConsumerMinLongPollingTimeoutMillis: 5000,
  grpcClientConsumerMaxLongPollingTimeoutMillis: 20_000,
  grpcClientConsumerLongPollingBatchSize: 32,
  minInvisibleTimeMillsForRecv: 10_000,
  maxInvisibleTimeMills: 12 * 3600 * 1000,
  defaultInvisibleTimeMills: 60_000,
  transactionDataExpireMillis: 30_000,
  brokerRequestTimeoutMillis: 3000,
  heartbeatIntervalMillis: 20_000,
});

/**
 * Overlays a parsed rmq-proxy.json on the defaults. Values of the wrong type are errors; keys
 * the proxy does not know are returned (the deploy guide's `nameSrvAddr` is read as namesrvAddr).
 */
export function resolveProxyConfig(
  json: Record<string, unknown>,
  overrides: Partial<ProxyConfig> = {},
): { config: ProxyConfig; unknown: string[] } {
  const config = defaultProxyConfig();
  const unknown: string[] = [];
  const target = config as unknown as Record<string, unknown>;
  for (const [rawKey, v] of Object.entries(json)) {
    const key = rawKey === 'nameSrvAddr' ? 'namesrvAddr' : rawKey;
    if (!(key in target)) {
      unknown.push(rawKey);
      continue;
    }
    const want = typeof target[key];
    if (want === 'number' && typeof v === 'string' && /^\d+$/.test(v)) target[key] = Number(v);
    else if (want === 'boolean' && (v === 'true' || v === 'false')) target[key] = v === 'true';
    else if (typeof v !== want) throw new Error(`rmq-proxy.json: ${rawKey} must be a ${want}`);
    else target[key] = v;
  }
  Object.assign(config, overrides);
  const mode = String(config.proxyMode).toUpperCase();
  if (mode !== 'LOCAL' && mode !== 'CLUSTER')
    throw new Error(`proxyMode must be LOCAL or CLUSTER: ${config.proxyMode}`);
  config.proxyMode = mode;
  if (config.grpcServerImplementation !== 'http2' && config.grpcServerImplementation !== 'grpc-js')
    throw new Error(`grpcServerImplementation must be http2 or grpc-js: ${String(config.grpcServerImplementation)}`);
  return { config, unknown };
}

export const namesrvList = (c: Pick<ProxyConfig, 'namesrvAddr'>): string[] =>
  c.namesrvAddr
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
