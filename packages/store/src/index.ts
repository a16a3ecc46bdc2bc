export { indexKeys } from './append/record-encoder.js';
export { createFileStore, FileMessageStore, type FileStoreDeps } from './file-store.js';
export { createMemoryStore, MemoryMessageStore } from './memory-store.js';
export type * from './message-store.js';
export { defaultStoreConfig, type FlushDiskType, type MessageStoreConfig, resolveStoreConfig } from './store-config.js';
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
