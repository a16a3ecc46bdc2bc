export { indexKeys } from './append/record-encoder.js';
export {
  createFileStore,
  FileMessageStore,
  type FileStoreDeps,
  type ReplicaAppendStatus,
  type ReplicationGate,
} from './file-store.js';
export { AutoSwitchClient, type AutoSwitchClientConfig, type AutoSwitchClientState } from './ha/autoswitch-client.js';
export {
  type AutoSwitchMasterLog,
  AutoSwitchService,
  type AutoSwitchServiceConfig,
  type SlaveProgress,
} from './ha/autoswitch-service.js';
export * as autoSwitchWire from './ha/autoswitch-wire.js';
export {
  consistentPoint,
  decodeEpochFile,
  EPOCH_FILE_NAME,
  type EpochEntry,
  EpochFile,
  encodeEpochFile,
} from './ha/epoch-file.js';
export {
  HAClient,
  type HAClientConfig,
  type HAClientInfo,
  type HAClientState,
  type HASlaveLog,
} from './ha/ha-client.js';
export {
  ACK_LAG_BOUNDS_MS,
  type HAConnectionInfo,
  type HAMasterLog,
  HAService,
  type HAServiceConfig,
} from './ha/ha-service.js';
export * as haWire from './ha/ha-wire.js';
export { createMemoryStore, MemoryMessageStore } from './memory-store.js';
export type * from './message-store.js';
export {
  type BrokerRole,
  defaultStoreConfig,
  type FlushDiskType,
  type MessageStoreConfig,
  resolveStoreConfig,
} from './store-config.js';
export {
  decodeTimerCheckpoint,
  EMPTY_TIMER_CHECKPOINT,
  encodeTimerCheckpoint,
  readTimerCheckpoint,
  TIMER_CHECKPOINT_SIZE,
  type TimerCheckpoint,
  timerCheckpointPath,
  writeTimerCheckpoint,
} from './timer/timer-checkpoint.js';
export {
  readTimerUnit,
  TIMER_LOG_UNIT_SIZE,
  TimerLog,
  TimerMagic,
  type TimerUnit,
  writeTimerUnit,
} from './timer/timer-log.js';
export { DEFAULT_TIMER_SLOTS_TOTAL, TIMER_SLOT_SIZE, type TimerSlot, TimerWheel } from './timer/timer-wheel.js';
