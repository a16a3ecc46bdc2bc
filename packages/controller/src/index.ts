export { type ControllerConfig, configBlackList, defaultControllerConfig, parsePeers } from './controller-config.js';
export { ControllerManager, type ControllerManagerOptions } from './controller-manager.js';
export { type BrokerLiveInfo, compareCandidates, type ElectInput, elect } from './elect-policy.js';
export { type ControllerEvent, EventType, parseEvent } from './events.js';
export {
  BrokerHeartbeatManager,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  type HeartbeatEntry,
  type HeartbeatInput,
} from './heartbeat.js';
export { controllerProcessors, FORWARDED_FIELD } from './processors.js';
export {
  type BrokerSet,
  type ControllerResult,
  FIRST_BROKER_CONTROLLER_ID,
  type Liveness,
  ReplicasInfo,
} from './replicas-info.js';
export type { ControllerStore, Decision, TransactOutcome } from './storage/controller-store.js';
export { EtcdStore, type EtcdStoreOptions } from './storage/etcd-store.js';
export {
  decodeRecords,
  EVENT_LOG_FILE,
  encodeRecord,
  LocalLogStore,
  type LocalLogStoreOptions,
} from './storage/local-log-store.js';
