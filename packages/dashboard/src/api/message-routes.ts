import { browseQueue, type MessageExt, MQBrokerError, MQClientError } from '@rocketmq-ts/client';
import {
  DLQ_GROUP_TOPIC_PREFIX,
  decodeTraceData,
  isDlqTopic,
  MessageConst,
  RMQ_SYS_TRACE_TOPIC,
  retryTopicOf,
  type TraceRecord,
} from '@rocketmq-ts/protocol';
import { badRequest, notFound } from '../server/http-io.js';
import type { Router } from '../server/router.js';
import type { ApiDeps } from './deps.js';
import { detailOf, summaryOf } from './message-json.js';
import { checkTopic } from './topic-routes.js';

// GET /api/messages (topic + time range), /api/messages/by-key, /api/messages/by-id,
// /api/messages/detail (with trace), POST /api/dlq/resend.

const MAX_RESULTS = 512;
/** Pulls one time-range search may make, over all queues. */
const MAX_PULLS = 256;
const PULL_BATCH = 32;

const SYSTEM_PROPERTIES: ReadonlySet<string> = new Set(Object.values(MessageConst));

const isLookupMiss = (e: unknown): boolean => e instanceof MQClientError || e instanceof MQBrokerError;

/** Trace records of a message, read from RMQ_SYS_TRACE_TOPIC by its id (how tracers index them). */
async function traceOf(d: ApiDeps, m: MessageExt): Promise<TraceRecord[]> {
  let found: MessageExt[];
  try {
    found = await d.admin.queryMessageByKey(RMQ_SYS_TRACE_TOPIC, m.msgId, 64);
  } catch {
    return []; // no trace topic in this cluster
  }
  const out: TraceRecord[] = [];
  for (const t of found) {
    const records = decodeTraceData(t.body.toString('utf8'));
    // A trace message this reader cannot decode is left out rather than failing the page.
    if (records.ok) for (const rec of records.value) if (rec.msgId === m.msgId) out.push(rec);
  }
  return out.sort((a, b) => a.timestamp - b.timestamp);
}

async function searchByTime(d: ApiDeps, topic: string, begin: number, end: number, max: number): Promise<MessageExt[]> {
  const out: MessageExt[] = [];
  let pulls = 0;
  for (const q of await d.admin.topicStats(topic)) {
    if (q.maxOffset <= q.minOffset) continue;
    let offset = Math.max(q.minOffset, await d.admin.searchOffset(q.mq, begin));
    while (offset < q.maxOffset && out.length < max && pulls < MAX_PULLS) {
      pulls++;
      const r = await browseQueue(d.admin, q.mq, offset, PULL_BATCH);
      if (r.messages.length === 0 || r.nextOffset <= offset) break;
      let past = false;
      for (const m of r.messages) {
        if (m.storeTimestamp > end) {
          past = true;
          break;
        }
        if (m.storeTimestamp >= begin && out.length < max) out.push(m);
      }
      if (past) break;
      offset = r.nextOffset;
    }
  }
  return out.sort((a, b) => a.storeTimestamp - b.storeTimestamp);
}

export function messageRoutes(r: Router, d: ApiDeps): void {
  r.add('GET', '/api/messages', async ({ query }) => {
    const topic = checkTopic(query.str('topic', 255));
    const now = Date.now();
    const end = query.optInt('end', 0, Number.MAX_SAFE_INTEGER, now);
    const begin = query.optInt('begin', 0, Number.MAX_SAFE_INTEGER, end - 3_600_000);
    if (begin > end) throw badRequest('begin is after end');
    const max = query.optInt('max', 1, MAX_RESULTS, 64);
    const found = await searchByTime(d, topic, begin, end, max);
    return { topic, begin, end, messages: found.map(summaryOf) };
  });

  r.add('GET', '/api/messages/by-key', async ({ query }) => {
    const topic = checkTopic(query.str('topic', 255));
    const key = query.str('key', 1024);
    const found = await d.admin.queryMessageByKey(topic, key, query.optInt('max', 1, MAX_RESULTS, 64));
    return { topic, key, messages: found.map(summaryOf) };
  });

  const lookup = async (id: string, topic: string | undefined): Promise<MessageExt> => {
    try {
      return await d.admin.viewMessage(id, topic);
    } catch (e) {
      if (isLookupMiss(e)) throw notFound(e instanceof Error ? e.message : String(e));
      throw e;
    }
  };

  r.add('GET', '/api/messages/by-id', async ({ query }) => {
    const id = query.str('id', 128);
    const topic = query.has('topic') ? checkTopic(query.str('topic', 255)) : undefined;
    return { messages: [summaryOf(await lookup(id, topic))] };
  });

  r.add('GET', '/api/messages/detail', async ({ query }) => {
    const id = query.str('id', 128);
    const topic = query.has('topic') ? checkTopic(query.str('topic', 255)) : undefined;
    const m = await lookup(id, topic);
    return { message: detailOf(m), trace: await traceOf(d, m) };
  });

  r.add('POST', '/api/dlq/resend', async ({ body }) => {
    const dlqTopic = checkTopic(body.str('topic', 255));
    if (!isDlqTopic(dlqTopic)) throw badRequest(`${dlqTopic} is not a DLQ topic (${DLQ_GROUP_TOPIC_PREFIX}<group>)`);
    const group = dlqTopic.slice(DLQ_GROUP_TOPIC_PREFIX.length);
    const ids = body.strList('msgIds', 64, 128);
    const producer = await d.producer();
    const results = [];
    for (const id of ids) {
      const m = await lookup(id, dlqTopic);
      const properties: Record<string, string> = {};
      for (const [k, v] of m.properties) if (!SYSTEM_PROPERTIES.has(k)) properties[k] = v;
      // Back through the group's retry topic, so only this group sees it again; the consumer
      // puts the original topic back from RETRY_TOPIC, as for any redelivery.
      const original =
        m.properties.get(MessageConst.PROPERTY_RETRY_TOPIC) ?? m.properties.get(MessageConst.PROPERTY_DLQ_ORIGIN_TOPIC);
      if (original) properties[MessageConst.PROPERTY_RETRY_TOPIC] = original;
      const sent = await producer.send({
        topic: retryTopicOf(group),
        body: m.body,
        tags: m.tags,
        keys: m.keys,
        flag: m.flag,
        properties,
      });
      results.push({ msgId: id, resentAs: sent.msgId, topic: retryTopicOf(group), originalTopic: original });
    }
    return { group, results };
  });
}
