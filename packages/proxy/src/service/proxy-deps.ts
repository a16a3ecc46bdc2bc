import type { Clock, Logger } from '@rocketmq-ts/common';
import type { ProxyConfig } from '../proxy-config.js';
import type { BrokerTransport } from './broker-transport.js';
import type { ClientSessions } from './client-sessions.js';
import type { Metadata } from './metadata.js';
import type { RouteCache } from './route-cache.js';

/** What every RPC implementation gets (the proxy's composition root builds it once). */
export interface ProxyDeps {
  config: ProxyConfig;
  transport: BrokerTransport;
  routes: RouteCache;
  metadata: Metadata;
  sessions: ClientSessions;
  clock: Clock;
  logger: Logger;
  /** The port the gRPC listener is bound to (advertised in routes). */
  grpcPort(): number;
}

/** One RPC's caller, from its metadata and connection. */
export interface CallContext {
  clientId: string;
  /** Peer `ip:port`. */
  peer: string;
  /** `x-mq-language` as sent (Node sends HTTP; any value is accepted). */
  language: string;
  /** Absolute deadline in ms, Infinity when the client set none. */
  deadline: number;
}
