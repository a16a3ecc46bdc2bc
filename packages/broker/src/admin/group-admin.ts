import {
  ConsumerGroupRequestHeader,
  createRequest,
  DeleteSubscriptionGroupRequestHeader,
  GetConsumerRunningInfoRequestHeader,
  GetConsumeStatsRequestHeader,
  GetSubscriptionGroupConfigRequestHeader,
  groupNameProblem,
  RequestCode,
  ResetOffsetRequestHeader,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import type { FeatureDeps, FeatureProcessor } from '../runtime/ports.js';
import {
  fastjsonBody,
  groupAttributesProblem,
  groupConfigJson,
  mqJson,
  parseGroupConfig,
  ZERO_VERSION,
} from './admin-json.js';
import { decodeHeader, failure, success } from './respond.js';
import type { TpsSampler } from './tps-sampler.js';

// Consumer-group administration: UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200),
// GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201), DELETE_SUBSCRIPTIONGROUP (207),
// GET_CONSUMER_CONNECTION_LIST (203), GET_CONSUME_STATS (208),
// INVOKE_BROKER_TO_RESET_OFFSET (222), GET_CONSUMER_RUNNING_INFO (307, forwarded to the client),
// GET_SUBSCRIPTIONGROUP_CONFIG (352), GET_ALL_CONSUMER_OFFSET (43).

type Deps = Pick<
  FeatureDeps,
  'identity' | 'store' | 'topics' | 'groups' | 'offsets' | 'clients' | 'clock' | 'logger' | 'stats' | 'pop'
>;

/** Time a forwarded GET_CONSUMER_RUNNING_INFO may take (Java: 5 s). */
const CLIENT_REQUEST_TIMEOUT_MS = 5000;
const groupGetSeries = (group: string): string => `group-get:${group}`;

/** Pure reset decision for one queue (Java Broker2Client.resetOffset). */
export function resetTarget(consumerOffset: number, timestampOffset: number, isForce: boolean): number {
  return isForce || timestampOffset < consumerOffset ? timestampOffset : consumerOffset;
}

export function groupAdminProcessors(deps: Deps, sampler: TpsSampler): FeatureProcessor[] {
  const { groups, offsets, clients, store, topics, identity } = deps;

  const upsert: RequestHandler = async (request) => {
    const parsed = parseGroupConfig(request.body);
    if (!parsed.ok) return failure(request, ResponseCode.INVALID_PARAMETER, parsed.error);
    const config = parsed.value;
    const problem = groupNameProblem(config.groupName);
    if (problem) return failure(request, ResponseCode.INVALID_PARAMETER, problem);
    const attributes = groupAttributesProblem(request.body, groups.get(config.groupName) === undefined);
    if (attributes) return failure(request, ResponseCode.SYSTEM_ERROR, attributes);
    await groups.update(config);
    return success(request);
  };

  const getAll: RequestHandler = (request) => {
    const table = new Map<string, unknown>();
    for (const g of groups.all()) table.set(g.groupName, groupConfigJson(g));
    const dataVersion = groups.getDataVersion?.() ?? ZERO_VERSION;
    return success(request, fastjsonBody({ dataVersion, forbiddenTable: {}, subscriptionGroupTable: table }));
  };

  const getOne: RequestHandler = (request) => {
    const h = decodeHeader(request, GetSubscriptionGroupConfigRequestHeader);
    if (!h.ok) return h.response;
    const g = groups.get(h.header.group);
    if (!g) return failure(request, ResponseCode.SYSTEM_ERROR, 'No group in this broker');
    return success(request, fastjsonBody(groupConfigJson(g)));
  };

  /** ConsumerOffsetSerializeWrapper: `topic@group` → queueId (bare key) → offset. */
  const allOffsets: RequestHandler = (request) => {
    const topicNames = new Set<string>([...topics.all()].map((t) => t.topicName));
    for (const t of store.queues().keys()) topicNames.add(t);
    const table = new Map<string, Map<number, number>>();
    for (const topic of [...topicNames].sort()) {
      for (const group of offsets.groupsOf(topic)) {
        const q = offsets.queueOffsets(group, topic);
        if (q.size > 0) table.set(`${topic}@${group}`, new Map([...q].sort((a, b) => a[0] - b[0])));
      }
    }
    return success(request, fastjsonBody({ dataVersion: ZERO_VERSION, offsetTable: table }));
  };

  const del: RequestHandler = async (request) => {
    const h = decodeHeader(request, DeleteSubscriptionGroupRequestHeader);
    if (!h.ok) return h.response;
    await groups.delete(h.header.groupName);
    if (h.header.cleanOffset) offsets.removeGroup(h.header.groupName);
    return success(request);
  };

  const connections: RequestHandler = (request) => {
    const h = decodeHeader(request, ConsumerGroupRequestHeader);
    if (!h.ok) return h.response;
    const info = clients.consumerGroup(h.header.consumerGroup);
    if (!info || info.channels.length === 0) {
      return failure(
        request,
        ResponseCode.CONSUMER_NOT_ONLINE,
        `the consumer group[${h.header.consumerGroup}] not online`,
      );
    }
    const subscriptionTable = new Map<string, unknown>();
    for (const [topic, s] of info.subscriptions) {
      subscriptionTable.set(topic, {
        classFilterMode: false,
        codeSet: s.codeSet,
        expressionType: s.expressionType,
        subString: s.subString,
        subVersion: s.subVersion,
        tagsSet: s.tagsSet,
        topic,
      });
    }
    return success(
      request,
      fastjsonBody({
        connectionSet: info.channels.map((c) => ({
          clientAddr: c.remoteAddress,
          clientId: c.clientId,
          language: c.language,
          version: c.version,
        })),
        consumeFromWhere: info.consumeFromWhere,
        consumeType: info.consumeType,
        messageModel: info.messageModel,
        subscriptionTable,
      }),
    );
  };

  const consumeStats: RequestHandler = async (request) => {
    const h = decodeHeader(request, GetConsumeStatsRequestHeader);
    if (!h.ok) return h.response;
    const group = h.header.consumerGroup;
    const online = clients.consumerGroup(group);
    const topicNames = h.header.topic ? [h.header.topic] : offsets.topicsOf(group);
    const table = new Map<unknown, unknown>();
    for (const topic of topicNames) {
      const t = topics.get(topic);
      if (!t) continue;
      // An online group that does not subscribe the topic any more is not reported on it.
      if (online && online.subscriptions.size > 0 && !online.subscriptions.has(topic)) continue;
      for (let q = 0; q < t.readQueueNums; q++) {
        const brokerOffset = Math.max(0, store.getMaxOffsetInQueue(topic, q));
        const pullOffset = Math.max(0, offsets.query(group, topic, q));
        // A pop group's offset is its next pop; what is popped and not acked yet still counts
        // as not consumed, so the reported consumer offset is the oldest unacked one.
        const inflight = deps.pop?.inflight(group, topic, q);
        const consumerOffset =
          inflight?.minOffset === undefined ? pullOffset : Math.min(pullOffset, inflight.minOffset);
        const lastTimestamp =
          consumerOffset > 0 ? Math.max(0, await store.getMessageStoreTimestamp(topic, q, consumerOffset - 1)) : 0;
        table.set(mqJson(topic, identity.brokerName, q), {
          brokerOffset,
          consumerOffset,
          lastTimestamp,
          pullOffset,
          ...(inflight && inflight.count > 0 ? { inflight: inflight.count } : {}),
        });
      }
    }
    const read = deps.stats?.groupGetTotal;
    let consumeTps = 0;
    if (read) {
      const now = deps.clock.now();
      sampler.track(groupGetSeries(group), () => read.call(deps.stats, group), now);
      consumeTps = sampler.rate(groupGetSeries(group), 60_000, now);
    }
    return success(request, fastjsonBody({ consumeTps, offsetTable: table }));
  };

  const resetOffset: RequestHandler = async (request) => {
    const h = decodeHeader(request, ResetOffsetRequestHeader);
    if (!h.ok) return h.response;
    const { topic, group, timestamp, isForce } = h.header;
    const t = topics.get(topic);
    if (!t) {
      return failure(
        request,
        ResponseCode.TOPIC_NOT_EXIST,
        `[reset-offset] reset offset failed, no topic in this broker. topic=${topic}`,
      );
    }
    const single =
      h.header.queueId !== undefined && h.header.queueId >= 0 && h.header.offset !== undefined && h.header.offset >= 0;
    const table = new Map<{ brokerName: string; queueId: number; topic: string }, number>();
    const targets = new Map<number, number>();
    for (let q = 0; q < t.writeQueueNums; q++) {
      if (single && q !== h.header.queueId) continue;
      let target: number;
      if (single) {
        target = h.header.offset!;
      } else {
        const consumerOffset = offsets.query(group, topic, q);
        const atTime =
          timestamp === -1
            ? store.getMaxOffsetInQueue(topic, q)
            : await store.getOffsetInQueueByTime(topic, q, timestamp);
        target = consumerOffset < 0 ? atTime : resetTarget(consumerOffset, atTime, isForce);
      }
      offsets.commit(group, topic, q, target);
      targets.set(q, target);
      table.set(mqJson(topic, identity.brokerName, q), target);
    }
    // A pop group's reset must outlive a restart (the start-up recovery moves pop offsets
    // forward past the checkpoints it re-reads): recorded, and the offsets written now.
    await deps.pop?.offsetReset?.(group, topic, targets);
    await offsets.persist?.();
    const body = fastjsonBody({ offsetTable: table });
    // Running consumers would overwrite the reset with their next commit: tell them.
    const info = clients.consumerGroup(group);
    for (const channel of info?.channels ?? []) {
      try {
        channel.oneway(
          createRequest(
            RequestCode.RESET_CONSUMER_CLIENT_OFFSET,
            ResetOffsetRequestHeader.encode({ topic, group, timestamp, isForce }),
            body,
          ),
        );
      } catch (e) {
        deps.logger.warn({ err: e, clientId: channel.clientId, group }, 'reset-offset notification failed');
      }
    }
    deps.logger.info({ group, topic, timestamp, isForce, queues: table.size }, 'consumer offsets reset');
    return success(request, body);
  };

  const runningInfo: RequestHandler = async (request) => {
    const h = decodeHeader(request, GetConsumerRunningInfoRequestHeader);
    if (!h.ok) return h.response;
    const channel = clients
      .consumerGroup(h.header.consumerGroup)
      ?.channels.find((c) => c.clientId === h.header.clientId);
    if (!channel) {
      return failure(
        request,
        ResponseCode.SYSTEM_ERROR,
        `The Consumer <${h.header.consumerGroup}> <${h.header.clientId}> not online`,
      );
    }
    try {
      const forwarded = createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, { ...request.extFields }, request.body);
      const answer = await channel.request(forwarded, CLIENT_REQUEST_TIMEOUT_MS);
      const r = failure(request, answer.code, answer.remark ?? '');
      if (answer.remark === undefined) r.remark = undefined;
      r.body = answer.body;
      return r;
    } catch (e) {
      return failure(
        request,
        ResponseCode.SYSTEM_ERROR,
        `invoke consumer <${h.header.consumerGroup}> <${h.header.clientId}> failed: ${(e as Error).message}`,
      );
    }
  };

  return [
    { code: RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, handler: upsert },
    { code: RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, handler: getAll },
    { code: RequestCode.DELETE_SUBSCRIPTIONGROUP, handler: del },
    { code: RequestCode.GET_CONSUMER_CONNECTION_LIST, handler: connections },
    { code: RequestCode.GET_CONSUME_STATS, handler: consumeStats },
    { code: RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, handler: resetOffset },
    { code: RequestCode.GET_CONSUMER_RUNNING_INFO, handler: runningInfo },
    { code: RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG, handler: getOne },
    { code: RequestCode.GET_ALL_CONSUMER_OFFSET, handler: allOffsets },
  ];
}
