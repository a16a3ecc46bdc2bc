// Public surface of @rocketmq-ts/proxy.
export { codec, rpcs } from './grpc/codec.js';
export { Code, codeOfResponse } from './grpc/codes.js';
export { encodeFrame, FrameDecoder, type FrameError } from './grpc/frame-codec.js';
export type { RpcObserver } from './grpc/server-api.js';
export type * from './grpc/types.js';
export { type GrpcProxy, type ProxyOptions, startClusterProxy, startLocalProxy, startProxy } from './proxy.js';
export {
  defaultProxyConfig,
  namesrvList,
  type ProxyConfig,
  type ProxyMode,
  resolveProxyConfig,
} from './proxy-config.js';
export { type BrokerTransport, InProcessTransport, RemotingTransport } from './service/broker-transport.js';
