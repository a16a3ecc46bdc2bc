export * from './body/index.js';
export * from './bounded-inflate.js';
export * from './codes.js';
export * from './command-codec.js';
export * from './decode-limits.js';
export * from './frame-splitter.js';
export * from './header-schema.js';
// Areas below are filled by their owners; each file is self-contained.
export * from './headers/index.js';
export * from './message/index.js';
export * from './pop/index.js';
export * from './protocol-error.js';
export * from './remoting-command.js';
export * from './route/index.js';
export * from './rules/index.js';
export * from './trace/trace-data.js';
