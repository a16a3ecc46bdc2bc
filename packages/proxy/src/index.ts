// Public surface of @rocketmq-ts/proxy.
export { codec, rpcs } from './grpc/codec.js';
export { Code, codeOfResponse } from './grpc/codes.js';
export { encodeFrame, FrameDecoder, type FrameError } from './grpc/frame-codec.js';
export { listenGrpcJs } from './grpc/grpc-js-server.js';
export { defaultHttp2Limits, type Http2Limits, listenHttp2 } from './grpc/http2-server.js';
export { GrpcRpcMetrics } from './grpc/rpc-metrics.js';
export type {
  BidiCall,
  GrpcListener,
  Handlers,
  ListenOptions,
  RpcObserver,
  ServerStreamSink,
} from './grpc/server-api.js';
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
