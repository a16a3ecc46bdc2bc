import { compileSql92, ExpressionType } from '@rocketmq-ts/filter';
import { type SubscriptionData, tagsHashCode } from '@rocketmq-ts/protocol';
import { illegalArgument } from '../errors.js';

export const SUB_ALL = '*';

/**
 * What a consumer subscribes with, as Java's MessageSelector: `bySql` for an SQL92
 * expression over message properties (the broker needs enablePropertyFilter=true), `byTag`
 * for a tag expression (the same as passing the string).
 */
export class MessageSelector {
  private constructor(
    readonly expressionType: 'TAG' | 'SQL92',
    readonly expression: string,
  ) {}

  static bySql(sql: string): MessageSelector {
    return new MessageSelector(ExpressionType.SQL92, sql);
  }

  static byTag(tag: string): MessageSelector {
    return new MessageSelector(ExpressionType.TAG, tag);
  }
}

/**
 * A tag expression (`*`, `TagA`, `TagA || TagB`) or a selector → the SubscriptionData sent
 * in heartbeats and pulls. An SQL92 expression is compiled here so a mistake fails at
 * subscribe() with the parser's message instead of in every pull.
 */
export function buildSubscription(topic: string, expression: string | MessageSelector = SUB_ALL): SubscriptionData {
  if (expression instanceof MessageSelector && expression.expressionType === 'SQL92') {
    const compiled = compileSql92(expression.expression);
    if (!compiled.ok) throw illegalArgument(compiled.error.message);
    return {
      topic,
      subString: expression.expression,
      tagsSet: [],
      codeSet: [],
      subVersion: Date.now(),
      expressionType: ExpressionType.SQL92,
    };
  }
  const text = expression instanceof MessageSelector ? expression.expression : expression;
  const expr = text.trim();
  const sub: SubscriptionData = {
    topic,
    subString: expr === '' ? SUB_ALL : expr,
    tagsSet: [],
    codeSet: [],
    subVersion: Date.now(),
    expressionType: 'TAG',
  };
  if (sub.subString === SUB_ALL) return sub;
  for (const raw of expr.split('||')) {
    const tag = raw.trim();
    if (tag === '') continue;
    if (tag === SUB_ALL) throw illegalArgument(`'*' cannot be combined with tags: ${text}`);
    if (!sub.tagsSet.includes(tag)) {
      sub.tagsSet.push(tag);
      sub.codeSet.push(tagsHashCode(tag));
    }
  }
  if (sub.tagsSet.length === 0) sub.subString = SUB_ALL;
  return sub;
}

/** Client-side re-check of a message's tag (the broker matched only the hash). */
export function tagFilter(sub: SubscriptionData): ((tags: string | undefined) => boolean) | undefined {
  if (sub.subString === SUB_ALL || sub.tagsSet.length === 0) return undefined;
  const set = new Set(sub.tagsSet);
  return (tags) => tags !== undefined && set.has(tags);
}
