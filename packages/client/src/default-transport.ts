import { SerializeType } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import type { ResolvedClientConfig } from './client-config.js';
import type { ClientTransport } from './transport.js';

export function createDefaultTransport(config: ResolvedClientConfig): ClientTransport {
  return new RemotingClient({
    logger: config.logger,
    requestTimeoutMs: config.requestTimeoutMs,
    serializeType: SerializeType[config.serializeType],
  });
}
