import { networkInterfaces } from 'node:os';
import { type Logger, silentLogger } from '@rocketmq-ts/common';
import { illegalArgument } from './errors.js';

/** Options every producer, consumer and admin client accepts. */
export interface ClientOptions {
  /** NameServer addresses, `host:port`, several separated by `;`. Defaults to env NAMESRV_ADDR. */
  namesrvAddr?: string;
  /**
   * Clients with the same clientId (`clientIP@instanceName`) share one connection set,
   * route cache and heartbeat. Default: a fresh name per client (pid#counter), as Java does.
   */
  instanceName?: string;
  /** IP put into the clientId and message ids. Default: first non-internal IPv4. */
  clientIP?: string;
  /** Route refresh period (ms), default 30 s. */
  pollNameServerIntervalMs?: number;
  /** Heartbeat period (ms), default 30 s. */
  heartbeatBrokerIntervalMs?: number;
  /** Offset persist period (ms), default 5 s. */
  persistConsumerOffsetIntervalMs?: number;
  /** Default timeout of a request (ms), default 3 s. */
  requestTimeoutMs?: number;
  /**
   * Header encoding of requests: 'ROCKETMQ' (binary, the default: no JSON on either end) or
   * 'JSON'. Servers answer in the request's encoding (Java brokers answer JSON); both are read.
   * Env ROCKETMQ_SERIALIZE_TYPE overrides the default, as in the Java client.
   */
  serializeType?: 'JSON' | 'ROCKETMQ';
  logger?: Logger;
}

export interface ResolvedClientConfig {
  namesrvAddrs: string[];
  instanceName: string;
  clientIP: string;
  clientId: string;
  pollNameServerIntervalMs: number;
  heartbeatBrokerIntervalMs: number;
  persistConsumerOffsetIntervalMs: number;
  requestTimeoutMs: number;
  serializeType: 'JSON' | 'ROCKETMQ';
  logger: Logger;
}

let instanceCounter = 0;

function localIPv4(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function parseNamesrvAddr(addr: string | undefined): string[] {
  return (addr ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function resolveClientConfig(o: ClientOptions): ResolvedClientConfig {
  const namesrvAddrs = parseNamesrvAddr(o.namesrvAddr ?? process.env.NAMESRV_ADDR);
  if (namesrvAddrs.length === 0) throw illegalArgument('no NameServer address: set namesrvAddr or NAMESRV_ADDR');
  const instanceName = o.instanceName ?? `${process.pid}#${++instanceCounter}`;
  const clientIP = o.clientIP ?? localIPv4();
  return {
    namesrvAddrs,
    instanceName,
    clientIP,
    clientId: `${clientIP}@${instanceName}`,
    pollNameServerIntervalMs: o.pollNameServerIntervalMs ?? 30_000,
    heartbeatBrokerIntervalMs: o.heartbeatBrokerIntervalMs ?? 30_000,
    persistConsumerOffsetIntervalMs: o.persistConsumerOffsetIntervalMs ?? 5_000,
    requestTimeoutMs: o.requestTimeoutMs ?? 3_000,
    serializeType: o.serializeType ?? (process.env.ROCKETMQ_SERIALIZE_TYPE === 'JSON' ? 'JSON' : 'ROCKETMQ'),
    logger: o.logger ?? silentLogger,
  };
}
