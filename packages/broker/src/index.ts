// Public surface of @rocketmq-ts/broker.
export {
  type BrokerConfig,
  defaultBrokerConfig,
  isMasterRole,
  type LoadedBrokerConfig,
  loadBrokerConfigFile,
  namesrvAddrList,
  resolveBrokerConfig,
} from './broker-config.js';
export { ClientGroupRegistry } from './client/client-registry.js';
export { type HaControl, RecordingHaControl, type SlaveAck } from './controller/ha-control.js';
export {
  type BrokerControllerRole,
  ReplicasManager,
  type ReplicasManagerOptions,
  type RoleState,
} from './controller/replicas-manager.js';
export { proposeSyncStateSet } from './controller/sync-state-set.js';
export { BrokerCollector, type GroupLag } from './metrics/broker-collector.js';
export { BrokerMetrics, type MetricsTotals, RPC_LATENCY_BOUNDS } from './metrics/broker-metrics.js';
export type { HistogramPoint, Labels, MetricFamily, NumberPoint } from './metrics/metric-family.js';
export { type MetricsExporterType, MetricsService, parseExporterType } from './metrics/metrics-service.js';
export { OTLP_METRICS_EXPORT_PATH } from './metrics/otlp-exporter.js';
export { PROM_CONTENT_TYPE, renderPromText } from './metrics/prom-text.js';
export { ConsumerOffsetManager } from './offset/consumer-offset-manager.js';
export { chooseAdvertisedIp } from './outbound/advertised-address.js';
export { type BrokerComponents, composeBroker, Pools } from './runtime/composition.js';
export { Broker, type BrokerOptions, startBroker, storeConfigOf } from './runtime/lifecycle.js';
export type * from './runtime/ports.js';
export { SubscriptionGroupManager } from './subscription/subscription-group-manager.js';
export { TopicConfigManager, topicView } from './topic/topic-config-manager.js';
