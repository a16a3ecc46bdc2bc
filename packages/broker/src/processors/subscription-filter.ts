import { err, ok, type Result } from '@rocketmq-ts/common';
import { compileSql92, EncodedProperties, ExpressionType, isTagType, type Sql92Filter } from '@rocketmq-ts/filter';
import { MessageConst, ResponseCode, readRecordProperties, tagsHashCode } from '@rocketmq-ts/protocol';
import type { GetMessageResult, MessageStore, TagsCodeFilter } from '@rocketmq-ts/store';

// The broker's one filter path, shared by pull and Pop: a subscription (expression type and
// text) becomes a MessageFilter once, and getFilteredMessages reads a queue through it.
// TAG subscriptions filter on the ConsumeQueue's tag hashes (clients re-check the tag
// string, as hashes can collide); SQL92 ones evaluate each record's properties.

export { isTagType };
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

export function tagsFilter(sub: ParsedSubscription): TagsCodeFilter | undefined {
  const codes = sub.codes;
  if (!isTagType(sub.expressionType) || codes === undefined) return undefined;
  return (tagsCode) => codes.has(tagsCode);
}

/** How one subscription filters a queue. Both parts undefined = every message. */
export interface MessageFilter {
  /** On the ConsumeQueue's tag hash, before the record is read (TAG subscriptions). */
  readonly tags: TagsCodeFilter | undefined;
  /** On the stored record (SQL92): whether it matches. */
  readonly record: ((record: Buffer) => boolean) | undefined;
}

export const MATCH_ALL: MessageFilter = { tags: undefined, record: undefined };

/** Why a subscription is refused: RocketMQ's code and a remark for the client. */
export interface FilterRefusal {
  code: number;
  remark: string;
}

/** Parsed SQL92 expressions by text (compile once; Java keeps a parse cache too). */
const MAX_CACHED = 1024;
const compiled = new Map<string, Result<Sql92Filter, string>>();

/** The SQL92 expression compiled (cached by text), or the parser's message. */
export function compileExpression(expression: string): Result<Sql92Filter, string> {
  let c = compiled.get(expression);
  if (c === undefined) {
    const r = compileSql92(expression);
    c = r.ok ? r : err(r.error.message);
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(expression, c);
  }
  return c;
}

function sqlRecordFilter(f: Sql92Filter): (record: Buffer) => boolean {
  const view = new EncodedProperties();
  return (record) => f.matches(view.reset(readRecordProperties(record)));
}

const tagFilters = new Map<string, MessageFilter>();

/**
 * The filter of a subscription (`expressionType` absent = TAG), or RocketMQ's refusal:
 * SUBSCRIPTION_PARSE_FAILED for an expression that does not compile, SYSTEM_ERROR for a
 * non-TAG type while enablePropertyFilter is off (PullMessageProcessor's order: the
 * expression is parsed first). Cached by text: call it per request.
 */
export function subscriptionFilter(
  expressionType: string | undefined,
  expression: string | undefined,
  enablePropertyFilter: boolean,
): Result<MessageFilter, FilterRefusal> {
  if (isTagType(expressionType)) {
    const text = expression ?? '';
    let f = tagFilters.get(text);
    if (f === undefined) {
      const tags = tagsFilter(parseTagExpression(text));
      f = tags === undefined ? MATCH_ALL : { tags, record: undefined };
      if (tagFilters.size >= MAX_CACHED) tagFilters.clear();
      tagFilters.set(text, f);
    }
    return ok(f);
  }
  const parsed = compileNonTag(expressionType!, expression);
  if (!parsed.ok) return err({ code: ResponseCode.SUBSCRIPTION_PARSE_FAILED, remark: parsed.error });
  if (!enablePropertyFilter) return err(propertyFilterOff(expressionType!));
  return ok({ tags: undefined, record: sqlRecordFilter(parsed.value) });
}

function compileNonTag(expressionType: string, expression: string | undefined): Result<Sql92Filter, string> {
  if (expressionType !== ExpressionType.SQL92) {
    return err(`parse the consumer's subscription failed: expression type ${expressionType} is not supported`);
  }
  const c = compileExpression(expression ?? '');
  return c.ok ? c : err(`parse the consumer's subscription failed: ${c.error}`);
}

export const propertyFilterOff = (expressionType: string): FilterRefusal => ({
  code: ResponseCode.SYSTEM_ERROR,
  remark: `The broker does not support consumer to filter message by ${expressionType}`,
});

/**
 * filterSupportRetry: a `%RETRY%` queue read with an SQL92 subscription filters each retry
 * message by the group's subscription to the message's original topic (RETRY_TOPIC), as
 * Java's ExpressionForRetryMessageFilter; a topic without a (compilable) SQL92 subscription
 * lets the message through. `subscriptionOf` gives the group's current subscription.
 */
export function retryFilter(
  subscriptionOf: (topic: string) => { expressionType: string; subString: string } | undefined,
): MessageFilter {
  const view = new EncodedProperties();
  return {
    tags: undefined,
    record(record) {
      view.reset(readRecordProperties(record));
      const topic = view.get(MessageConst.PROPERTY_RETRY_TOPIC);
      const sub = topic === undefined ? undefined : subscriptionOf(topic);
      if (sub === undefined || sub.expressionType !== ExpressionType.SQL92) return true;
      const f = compileExpression(sub.subString);
      return !f.ok || f.value.matches(view);
    },
  };
}

/** Entries scanned per pull at most when SQL92 drops records (the store's tag-filter budget too). */
export const MAX_FILTER_SCAN = 16_000;

/**
 * Reads up to `maxCount` matching messages from a queue: the tag filter in the store, the
 * record filter on each record read. When the record filter drops everything read, reading
 * goes on from where the store stopped, up to MAX_FILTER_SCAN entries, so a selective
 * subscription is not answered "nothing" after every 32 entries. No match → NO_MATCHED_MESSAGE
 * with nextBeginOffset past what was scanned, as Java.
 */
export async function getFilteredMessages(
  store: Pick<MessageStore, 'getMessage'>,
  topic: string,
  queueId: number,
  offset: number,
  maxCount: number,
  maxBytes: number,
  filter: MessageFilter,
): Promise<GetMessageResult> {
  const first = await store.getMessage(topic, queueId, offset, maxCount, maxBytes, filter.tags);
  const keep = filter.record;
  if (keep === undefined || first.status !== 'FOUND') return first;
  let result = first;
  for (;;) {
    const records = result.records.filter(keep);
    if (
      records.length > 0 ||
      result.nextBeginOffset >= result.maxOffset ||
      result.nextBeginOffset - offset >= MAX_FILTER_SCAN
    ) {
      let totalSize = 0;
      for (const r of records) totalSize += r.length;
      return {
        ...result,
        status: records.length > 0 ? 'FOUND' : 'NO_MATCHED_MESSAGE',
        records,
        totalSize,
      };
    }
    const next = await store.getMessage(topic, queueId, result.nextBeginOffset, maxCount, maxBytes, filter.tags);
    if (next.status !== 'FOUND')
      return {
        ...next,
        status: 'NO_MATCHED_MESSAGE',
        nextBeginOffset: Math.max(next.nextBeginOffset, result.nextBeginOffset),
      };
    result = next;
  }
}
