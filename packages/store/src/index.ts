export { indexKeys } from './append/record-encoder.js';
export { createFileStore, FileMessageStore, type FileStoreDeps } from './file-store.js';
export { createMemoryStore, MemoryMessageStore } from './memory-store.js';
export type * from './message-store.js';
export { defaultStoreConfig, type FlushDiskType, type MessageStoreConfig, resolveStoreConfig } from './store-config.js';
