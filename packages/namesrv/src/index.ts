export { Housekeeping } from './housekeeping.js';
export { KVConfigManager, NAMESPACE_ORDER_TOPIC_CONFIG } from './kv-config.js';
export { defaultNamesrvConfig, type NamesrvConfig, type NamesrvConfigEnv } from './namesrv-config.js';
export { NamesrvController, type NamesrvControllerOptions } from './namesrv-controller.js';
export { RouteInfoManager } from './route-info.js';
export {
  type BrokerChannel,
  type BrokerIdentity,
  type BrokerLiveInfo,
  DEFAULT_BROKER_CHANNEL_EXPIRED_TIME,
  type RegisterBrokerInput,
  type RegisterBrokerResult,
  type RouteInfoOptions,
} from './route-info-types.js';
