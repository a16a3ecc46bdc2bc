import { tagsHashCode } from '@rocketmq-ts/protocol';
import type { TagsCodeFilter } from '@rocketmq-ts/store';

// Tag subscriptions (`*`, or tags joined by `||`) reduced to the ConsumeQueue hash filter.
// The broker filters on hashes only; clients re-check the tag string (hashes can collide).

export const SUB_ALL = '*';

export interface ParsedSubscription {
  subString: string;
  expressionType: string;
  /** Undefined = every message matches. */
  codes: Set<number> | undefined;
}

/** Parses a tag expression as Java's FilterAPI.buildSubscriptionData does. */
export function parseTagExpression(subString: string | undefined, expressionType = 'TAG'): ParsedSubscription {
  const s = subString?.trim() ?? '';
  if (s === '' || s === SUB_ALL) return { subString: SUB_ALL, expressionType, codes: undefined };
  const codes = new Set<number>();
  for (const tag of s.split('||')) {
    const t = tag.trim();
    if (t !== '') codes.add(tagsHashCode(t));
  }
  return { subString: s, expressionType, codes: codes.size > 0 ? codes : undefined };
}

/** A subscription as a heartbeat carried it (codeSet precomputed by the client). */
export function fromHeartbeat(sub: {
  subString: string;
  expressionType: string;
  codeSet: number[];
}): ParsedSubscription {
  const s = sub.subString.trim();
  if (s === '' || s === SUB_ALL) return { subString: SUB_ALL, expressionType: sub.expressionType, codes: undefined };
  if (sub.codeSet.length > 0) return { subString: s, expressionType: sub.expressionType, codes: new Set(sub.codeSet) };
  return parseTagExpression(s, sub.expressionType);
}

export const isTagType = (expressionType: string | undefined): boolean =>
  expressionType === undefined || expressionType === '' || expressionType === 'TAG';

export function tagsFilter(sub: ParsedSubscription): TagsCodeFilter | undefined {
  const codes = sub.codes;
  if (!isTagType(sub.expressionType) || codes === undefined) return undefined;
  return (tagsCode) => codes.has(tagsCode);
}
