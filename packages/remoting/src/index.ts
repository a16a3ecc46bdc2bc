export { DEFAULT_WRITE_HIGH_WATER_MARK, formatAddress, SocketConnection } from './connection.js';
export {
  RemotingClosedError,
  RemotingConnectError,
  RemotingErrorCode,
  RemotingSendRequestError,
  RemotingTimeoutError,
} from './errors.js';
export {
  DEFAULT_MAX_COSTLY_REQUESTS_PER_CONNECTION,
  DEFAULT_MAX_PENDING_REQUESTS,
  DEFAULT_MAX_PENDING_REQUESTS_PER_CONNECTION,
  DEFAULT_MAX_PENDING_WRITE_BYTES,
  DEFAULT_MAX_PENDING_WRITE_BYTES_PER_CONNECTION,
  defaultFlowLimits,
  FlowBudget,
  type FlowLimits,
} from './flow-budget.js';
export { DEFAULT_POOL, type RpcObserver } from './processor-table.js';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  parseAddress,
  RemotingClient,
} from './remoting-client.js';
export { DEFAULT_MAX_IN_FLIGHT, DEFAULT_SERVER_IDLE_TIMEOUT_MS, RemotingServer } from './remoting-server.js';
export type {
  Connection,
  PoolOptions,
  ProcessorOptions,
  RemotingClientOptions,
  RemotingServerOptions,
  RequestHandler,
} from './types.js';
