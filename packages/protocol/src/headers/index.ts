// Barrel for request/response header schemas. Owners add one export line per file.
export * from './client.js';
export * from './controller.js';
export * from './namesrv.js';
export * from './offset.js';
export * from './pop.js';
export * from './pull.js';
export * from './recall.js';
export * from './send.js';
export * from './topic.js';
