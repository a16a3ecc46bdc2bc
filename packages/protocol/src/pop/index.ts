export * from './batch-ack.js';
export * from './extra-info.js';
export * from './offset-info.js';
export * from './pop-names.js';
