// Barrel for request/response bodies. Owners add one export line per file.
export * from './heartbeat.js';
export * from './message-queue.js';
export * from './fastjson.js';
