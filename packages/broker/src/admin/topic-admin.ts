import {
  CreateTopicRequestHeader,
  isSystemTopic,
  Perm,
  RequestCode,
  ResponseCode,
  TopicRequestHeader,
  topicNameProblem,
} from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import type { FeatureDeps, FeatureProcessor, TopicView } from '../runtime/ports.js';
import { type DataVersionView, fastjsonBody, mqJson, topicConfigJson, ZERO_VERSION } from './admin-json.js';
import { decodeHeader, failure, success } from './respond.js';

// Topic administration: GET_ALL_TOPIC_CONFIG (21), UPDATE_AND_CREATE_TOPIC (17),
// DELETE_TOPIC_IN_BROKER (215), GET_TOPIC_STATS_INFO (202), GET_TOPIC_CONFIG (351),
// QUERY_TOPIC_CONSUME_BY_WHO (300).

const MAX_QUEUE_NUMS = 1024;

/** `+a=1,+b=2` (CreateTopicRequestHeader.attributes) → map; `-key` entries drop a key. */
export function parseAttributes(text: string | undefined, base: Record<string, string> = {}): Record<string, string> {
  const out = { ...base };
  if (!text) return out;
  for (const item of text.split(',')) {
    const s = item.trim();
    if (s.startsWith('+')) {
      const eq = s.indexOf('=');
      if (eq > 1) out[s.slice(1, eq)] = s.slice(eq + 1);
    } else if (s.startsWith('-')) {
      delete out[s.slice(1)];
    }
  }
  return out;
}

/** Pure validation of an UPDATE_AND_CREATE_TOPIC request; the remark when invalid. */
export function createTopicProblem(h: {
  topic: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: string;
}): string | undefined {
  const name = topicNameProblem(h.topic);
  if (name) return name;
  if (isSystemTopic(h.topic)) return `The topic[${h.topic}] is conflict with system topic.`;
  for (const [field, n] of [
    ['readQueueNums', h.readQueueNums],
    ['writeQueueNums', h.writeQueueNums],
  ] as const) {
    if (n <= 0 || n > MAX_QUEUE_NUMS) return `${field} ${n} is out of range (1..${MAX_QUEUE_NUMS})`;
  }
  if (h.perm < 0 || h.perm > (Perm.PRIORITY | Perm.READ | Perm.WRITE | Perm.INHERIT))
    return `perm ${h.perm} is invalid`;
  if (h.topicFilterType !== 'SINGLE_TAG' && h.topicFilterType !== 'MULTI_TAG') {
    return `topicFilterType ${h.topicFilterType} is invalid`;
  }
  return undefined;
}

export function topicAdminProcessors(
  deps: Pick<FeatureDeps, 'identity' | 'store' | 'topics' | 'offsets' | 'clients' | 'logger'>,
): FeatureProcessor[] {
  const { topics, store, offsets, identity } = deps;
  const dataVersion = (): DataVersionView => topics.getDataVersion?.() ?? ZERO_VERSION;

  const getAll: RequestHandler = (request) => {
    const table = new Map<string, unknown>();
    for (const t of topics.all()) table.set(t.topicName, topicConfigJson(t));
    return success(
      request,
      fastjsonBody({
        dataVersion: dataVersion(),
        mappingDataVersion: ZERO_VERSION,
        topicConfigTable: table,
        topicQueueMappingDetailMap: {},
        topicQueueMappingInfoMap: {},
      }),
    );
  };

  const create: RequestHandler = async (request) => {
    const h = decodeHeader(request, CreateTopicRequestHeader);
    if (!h.ok) return h.response;
    const problem = createTopicProblem(h.header);
    if (problem) return failure(request, ResponseCode.INVALID_PARAMETER, problem);
    const existing = topics.get(h.header.topic);
    const config: TopicView = {
      topicName: h.header.topic,
      readQueueNums: h.header.readQueueNums,
      writeQueueNums: h.header.writeQueueNums,
      perm: h.header.perm,
      topicFilterType: h.header.topicFilterType === 'MULTI_TAG' ? 'MULTI_TAG' : 'SINGLE_TAG',
      topicSysFlag: h.header.topicSysFlag ?? 0,
      order: h.header.order,
      attributes: parseAttributes(h.header.attributes, existing?.attributes),
    };
    await topics.createOrUpdate(config);
    deps.logger.info({ topic: config.topicName }, 'topic created or updated by admin request');
    return success(request);
  };

  const del: RequestHandler = async (request) => {
    const h = decodeHeader(request, TopicRequestHeader);
    if (!h.ok) return h.response;
    const topic = h.header.topic;
    const problem =
      topicNameProblem(topic) ??
      (isSystemTopic(topic) ? `The topic[${topic}] is conflict with system topic.` : undefined);
    if (problem) return failure(request, ResponseCode.INVALID_PARAMETER, problem);
    await topics.delete(topic);
    offsets.removeTopic(topic);
    await store.deleteTopics([topic]);
    return success(request);
  };

  const stats: RequestHandler = async (request) => {
    const h = decodeHeader(request, TopicRequestHeader);
    if (!h.ok) return h.response;
    const t = topics.get(h.header.topic);
    if (!t) return failure(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.header.topic}] not exist`);
    const table = new Map<unknown, unknown>();
    for (let q = 0; q < t.writeQueueNums; q++) {
      const min = Math.max(0, store.getMinOffsetInQueue(t.topicName, q));
      const max = Math.max(0, store.getMaxOffsetInQueue(t.topicName, q));
      const last = max > 0 ? await store.getMessageStoreTimestamp(t.topicName, q, max - 1) : 0;
      table.set(mqJson(t.topicName, identity.brokerName, q), {
        lastUpdateTimestamp: Math.max(0, last),
        maxOffset: max,
        minOffset: min,
      });
    }
    return success(request, fastjsonBody({ offsetTable: table }));
  };

  const getOne: RequestHandler = (request) => {
    const h = decodeHeader(request, TopicRequestHeader);
    if (!h.ok) return h.response;
    const t = topics.get(h.header.topic);
    if (!t) return failure(request, ResponseCode.TOPIC_NOT_EXIST, `No topic in this broker. topic: ${h.header.topic}`);
    return success(request, fastjsonBody(topicConfigJson(t)));
  };

  const consumedBy: RequestHandler = (request) => {
    const h = decodeHeader(request, TopicRequestHeader);
    if (!h.ok) return h.response;
    const groups = new Set<string>(offsets.groupsOf(h.header.topic));
    for (const g of deps.clients.consumerGroups()) {
      if (g.subscriptions.has(h.header.topic)) groups.add(g.groupName);
    }
    return success(request, fastjsonBody({ groupSet: [...groups].sort() }));
  };

  return [
    { code: RequestCode.GET_ALL_TOPIC_CONFIG, handler: getAll },
    { code: RequestCode.UPDATE_AND_CREATE_TOPIC, handler: create },
    { code: RequestCode.DELETE_TOPIC_IN_BROKER, handler: del },
    { code: RequestCode.GET_TOPIC_STATS_INFO, handler: stats },
    { code: RequestCode.GET_TOPIC_CONFIG, handler: getOne },
    { code: RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, handler: consumedBy },
  ];
}
