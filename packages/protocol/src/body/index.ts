// Barrel for request/response bodies. Owners add one export line per file.

export * from './check-client.js';
export * from './controller.js';
export * from './fastjson.js';
export * from './heartbeat.js';
export * from './json-fields.js';
export * from './message-queue.js';
