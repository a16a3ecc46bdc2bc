import {
  AddWritePermOfBrokerResponseHeader,
  BrokerNameRequestHeader,
  DeleteTopicFromNamesrvRequestHeader,
  decodeTopicRouteData,
  encodeClusterInfo,
  encodeTopicList,
  encodeTopicRouteData,
  GetRouteInfoRequestHeader,
  GetTopicsByClusterRequestHeader,
  RegisterTopicRequestHeader,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  type RouteJsonForm,
  routeJsonForm,
  WipeWritePermOfBrokerResponseHeader,
} from '@rocketmq-ts/protocol';
import { NAMESPACE_ORDER_TOPIC_CONFIG } from '../kv-config.js';
import { failure, type ProcessorDeps, type ProcessorEntries, readHeader, success } from './processor-support.js';

// Route queries and topic administration: GET_ROUTEINFO_BY_TOPIC (105),
// GET_BROKER_CLUSTER_INFO (106), GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206),
// GET_TOPICS_BY_CLUSTER (224), DELETE_TOPIC_IN_NAMESRV (216), REGISTER_TOPIC_IN_NAMESRV (217),
// WIPE_WRITE_PERM_OF_BROKER (205), ADD_WRITE_PERM_OF_BROKER (327).

const FAQ_SUFFIX = '\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.';

/** Beyond this many cached topics the cache starts over (bounds memory, keeps the hot set). */
const MAX_CACHED_TOPICS = 100_000;

/**
 * Encoded route bodies per topic and JSON form. Route lookups are by far the most frequent
 * request (every client polls every topic every 30 s), so the hot path is a map lookup; the
 * whole cache is dropped when route state or the KV table (orderTopicConf) changes.
 */
class RouteBodyCache {
  private readonly entries = new Map<string, { standard?: Buffer; fastjson?: Buffer }>();
  private routeGen = -1;
  private kvGen = -1;
  /** UPDATE_NAMESRV_CONFIG can switch orderMessageEnable at run time. */
  private orderEnabled = false;

  constructor(private readonly deps: Pick<ProcessorDeps, 'routeInfo' | 'kv' | 'config'>) {}

  /** The encoded route, or undefined when the topic has no route. */
  get(topic: string, form: RouteJsonForm): Buffer | undefined {
    const { routeInfo, kv, config } = this.deps;
    if (
      this.routeGen !== routeInfo.generation ||
      this.kvGen !== kv.generation ||
      this.orderEnabled !== config.orderMessageEnable
    ) {
      this.entries.clear();
      this.routeGen = routeInfo.generation;
      this.kvGen = kv.generation;
      this.orderEnabled = config.orderMessageEnable;
    }
    let entry = this.entries.get(topic);
    const hit = entry?.[form];
    if (hit) return hit;
    const route = routeInfo.pickupTopicRouteData(topic);
    if (!route) return undefined;
    if (config.orderMessageEnable) {
      const conf = kv.get(NAMESPACE_ORDER_TOPIC_CONFIG, topic);
      if (conf !== undefined) route.orderTopicConf = conf;
    }
    const body = encodeTopicRouteData(route, form);
    if (!entry) {
      if (this.entries.size >= MAX_CACHED_TOPICS) this.entries.clear();
      entry = {};
      this.entries.set(topic, entry);
    }
    entry[form] = body;
    return body;
  }
}

export function routeProcessors(deps: ProcessorDeps): ProcessorEntries {
  const { routeInfo, config, clock, logger } = deps;
  const cache = new RouteBodyCache(deps);

  const getRouteInfo = (request: RemotingCommand): RemotingCommand => {
    const h = readHeader(GetRouteInfoRequestHeader, request);
    if (!h.ok) return h.response;
    if (config.needWaitForService && clock.now() - deps.startedAt < config.waitSecondsForService * 1000) {
      return failure(request, ResponseCode.SYSTEM_ERROR, 'name server not ready');
    }
    const { topic, acceptStandardJsonOnly } = h.value;
    const body = cache.get(topic, routeJsonForm(request.version, acceptStandardJsonOnly));
    if (body) return success(request, undefined, body);
    return failure(
      request,
      ResponseCode.TOPIC_NOT_EXIST,
      `No topic route info in name server for the topic: ${topic}${FAQ_SUFFIX}`,
    );
  };

  const clusterInfo = (request: RemotingCommand): RemotingCommand =>
    success(request, undefined, encodeClusterInfo(routeInfo.getAllClusterInfo()));

  const allTopics = (request: RemotingCommand): RemotingCommand => {
    if (!config.enableAllTopicList) return failure(request, ResponseCode.SYSTEM_ERROR, 'disable');
    return success(request, undefined, encodeTopicList(routeInfo.getAllTopicList()));
  };

  const topicsByCluster = (request: RemotingCommand): RemotingCommand => {
    if (!config.enableTopicList) return failure(request, ResponseCode.SYSTEM_ERROR, 'disable');
    const h = readHeader(GetTopicsByClusterRequestHeader, request);
    if (!h.ok) return h.response;
    return success(request, undefined, encodeTopicList(routeInfo.getTopicsByCluster(h.value.cluster)));
  };

  const deleteTopic = (request: RemotingCommand): RemotingCommand => {
    const h = readHeader(DeleteTopicFromNamesrvRequestHeader, request);
    if (!h.ok) return h.response;
    routeInfo.deleteTopic(h.value.topic, h.value.clusterName);
    logger.info({ topic: h.value.topic, clusterName: h.value.clusterName }, 'topic deleted from name server');
    return success(request);
  };

  const registerTopic = (request: RemotingCommand): RemotingCommand => {
    const h = readHeader(RegisterTopicRequestHeader, request);
    if (!h.ok) return h.response;
    if (request.body && request.body.length > 0) {
      const route = decodeTopicRouteData(request.body);
      if (!route.ok) return failure(request, ResponseCode.SYSTEM_ERROR, route.error);
      routeInfo.registerTopic(h.value.topic, route.value.queueDatas);
    }
    return success(request);
  };

  const wipeWritePerm = (request: RemotingCommand): RemotingCommand => {
    const h = readHeader(BrokerNameRequestHeader, request);
    if (!h.ok) return h.response;
    const wipeTopicCount = routeInfo.wipeWritePermOfBroker(h.value.brokerName);
    logger.info({ brokerName: h.value.brokerName, wipeTopicCount }, 'wiped write perm of broker');
    return success(request, WipeWritePermOfBrokerResponseHeader.encode({ wipeTopicCount }));
  };

  const addWritePerm = (request: RemotingCommand): RemotingCommand => {
    const h = readHeader(BrokerNameRequestHeader, request);
    if (!h.ok) return h.response;
    const addTopicCount = routeInfo.addWritePermOfBroker(h.value.brokerName);
    logger.info({ brokerName: h.value.brokerName, addTopicCount }, 'added write perm of broker');
    return success(request, AddWritePermOfBrokerResponseHeader.encode({ addTopicCount }));
  };

  return [
    [RequestCode.GET_ROUTEINFO_BY_TOPIC, getRouteInfo],
    [RequestCode.GET_BROKER_CLUSTER_INFO, clusterInfo],
    [RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, allTopics],
    [RequestCode.GET_TOPICS_BY_CLUSTER, topicsByCluster],
    [RequestCode.DELETE_TOPIC_IN_NAMESRV, deleteTopic],
    [RequestCode.REGISTER_TOPIC_IN_NAMESRV, registerTopic],
    [RequestCode.WIPE_WRITE_PERM_OF_BROKER, wipeWritePerm],
    [RequestCode.ADD_WRITE_PERM_OF_BROKER, addWritePerm],
  ];
}
