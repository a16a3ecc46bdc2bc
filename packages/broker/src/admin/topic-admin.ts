import { err, ok, type Result } from '@rocketmq-ts/common';
import {
  alterAttributes,
  CLEANUP_POLICY_ATTRIBUTE,
  CreateTopicRequestHeader,
  isSystemTopic,
  Perm,
  parseAttributeModification,
  QUEUE_TYPE_ATTRIBUTE,
  RequestCode,
  ResponseCode,
  TOPIC_ATTRIBUTES,
  TOPIC_MESSAGE_TYPE_ATTRIBUTE,
  TopicRequestHeader,
  topicNameProblem,
} from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import type { FeatureDeps, FeatureProcessor, TopicView } from '../runtime/ports.js';
import { type DataVersionView, fastjsonBody, mqJson, topicConfigJson, ZERO_VERSION } from './admin-json.js';
import { booleanConfig } from './config-values.js';
import { decodeHeader, failure, success } from './respond.js';

// Topic administration: GET_ALL_TOPIC_CONFIG (21), UPDATE_AND_CREATE_TOPIC (17),
// DELETE_TOPIC_IN_BROKER (215), GET_TOPIC_STATS_INFO (202), GET_TOPIC_CONFIG (351),
// QUERY_TOPIC_CONSUME_BY_WHO (300).

const MAX_QUEUE_NUMS = 1024;

/**
 * Attribute values RocketMQ accepts but whose store behaviour rocketmq-ts does not have
 * (BatchConsumeQueue, compaction): refused rather than stored and ignored (docs/topic-attributes.md).
 */
const UNSUPPORTED_VALUES: ReadonlyMap<string, string> = new Map([
  [QUEUE_TYPE_ATTRIBUTE.name, 'BatchCQ'],
  [CLEANUP_POLICY_ATTRIBUTE.name, 'COMPACTION'],
]);

/**
 * The attributes a topic gets from UPDATE_AND_CREATE_TOPIC's `attributes` field, in Java's
 * order of checks: the `+k=v,-k` syntax, MIXED unless enableMixedMessageType, then the
 * modification applied to the current attributes (AttributeUtil). The code and remark Java
 * answers when refused: INVALID_PARAMETER for MIXED, SYSTEM_ERROR for the rest.
 */
export function resolveTopicAttributes(
  field: string | undefined,
  existing: Readonly<Record<string, string>> | undefined,
  enableMixedMessageType: boolean,
): Result<Record<string, string>, { code: number; remark: string }> {
  const parsed = parseAttributeModification(field);
  if (!parsed.ok) return err({ code: ResponseCode.SYSTEM_ERROR, remark: parsed.error });
  const typeKey = `+${TOPIC_MESSAGE_TYPE_ATTRIBUTE.name}`;
  if (!enableMixedMessageType && parsed.value.get(typeKey) === 'MIXED') {
    return err({ code: ResponseCode.INVALID_PARAMETER, remark: 'MIXED message type is not supported.' });
  }
  const altered = alterAttributes(existing === undefined, TOPIC_ATTRIBUTES, existing ?? {}, parsed.value);
  if (!altered.ok) return err({ code: ResponseCode.SYSTEM_ERROR, remark: altered.error });
  for (const [key, value] of UNSUPPORTED_VALUES) {
    if (altered.value[key] === value && existing?.[key] !== value) {
      return err({ code: ResponseCode.SYSTEM_ERROR, remark: `${key}=${value} is not supported by this broker` });
    }
  }
  return ok(altered.value);
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
  deps: Pick<FeatureDeps, 'identity' | 'store' | 'topics' | 'offsets' | 'clients' | 'logger' | 'config'>,
): FeatureProcessor[] {
  const { topics, store, offsets, identity } = deps;
  const enableMixedMessageType = booleanConfig(deps.config, 'enableMixedMessageType', false);
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
    const attributes = resolveTopicAttributes(h.header.attributes, existing?.attributes, enableMixedMessageType);
    if (!attributes.ok) return failure(request, attributes.error.code, attributes.error.remark);
    const config: TopicView = {
      topicName: h.header.topic,
      readQueueNums: h.header.readQueueNums,
      writeQueueNums: h.header.writeQueueNums,
      perm: h.header.perm,
      topicFilterType: h.header.topicFilterType === 'MULTI_TAG' ? 'MULTI_TAG' : 'SINGLE_TAG',
      topicSysFlag: h.header.topicSysFlag ?? 0,
      order: h.header.order,
      attributes: attributes.value,
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
