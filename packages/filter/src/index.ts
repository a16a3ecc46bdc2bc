// RocketMQ's filter module: SQL92 message selectors (the grammar of
// filter/.../SelectorParser.jj) compiled once and evaluated per message.
export { EncodedProperties } from './encoded-properties.js';
export type { FilterError } from './lexer.js';
export { KEYWORDS } from './lexer.js';
export type { PropertySource } from './nodes.js';
export { compileSql92, DEFAULT_SQL92_LIMITS, type Sql92Filter, type Sql92Limits } from './sql92.js';

/** ExpressionType's names, as clients send them in heartbeats and pull headers. */
export const ExpressionType = { TAG: 'TAG', SQL92: 'SQL92' } as const;

/** ExpressionType.isTagType: absent, empty and TAG are tag expressions. */
export const isTagType = (type: string | undefined): boolean => type === undefined || type === '' || type === 'TAG';
