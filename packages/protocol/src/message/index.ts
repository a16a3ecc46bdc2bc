// Barrel for src/message: stored-record, batch-body and properties codecs, ids, constants.
export * from './batch-body.js';
export * from './crc32.js';
export * from './message-const.js';
export * from './message-id.js';
export * from './properties-codec.js';
export * from './recall-handle.js';
export * from './socket-address.js';
export * from './stored-record.js';
export * from './tag-hash.js';
