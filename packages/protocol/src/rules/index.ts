export * from './delay-levels.js';
export * from './names.js';
export * from './system-topics.js';
export * from './topic-attributes.js';
export * from './transaction-type.js';
