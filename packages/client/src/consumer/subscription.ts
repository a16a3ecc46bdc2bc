import { type SubscriptionData, tagsHashCode } from '@rocketmq-ts/protocol';
import { illegalArgument } from '../errors.js';

export const SUB_ALL = '*';

/** Tag expression (`*`, `TagA`, `TagA || TagB`) → the SubscriptionData sent in heartbeats. */
export function buildSubscription(topic: string, expression = SUB_ALL): SubscriptionData {
  const expr = expression.trim();
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
    if (tag === SUB_ALL) throw illegalArgument(`'*' cannot be combined with tags: ${expression}`);
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
