import {
  AUTO_CREATE_TOPIC_KEY_TOPIC,
  type ClusterInfo,
  ConsumerGroupRequestHeader,
  CreateTopicRequestHeader,
  DeleteSubscriptionGroupRequestHeader,
  DeleteTopicFromNamesrvRequestHeader,
  decodeClusterInfo,
  decodeOffsetMsgId,
  decodeTopicList,
  encodeJsonBody,
  formatAttributeModification,
  GetConsumerRunningInfoRequestHeader,
  GetConsumeStatsRequestHeader,
  GetSubscriptionGroupConfigRequestHeader,
  MASTER_ID,
  type MessageQueue,
  parseAttributeModification,
  QueryMessageRequestHeader,
  RequestCode,
  ResetOffsetRequestHeader,
  ResponseCode,
  retryTopicOf,
  type TopicConfig,
  type TopicMessageType,
  TopicRequestHeader,
  type TopicRouteData,
  topicMessageTypeOf,
  ViewMessageRequestHeader,
} from '@rocketmq-ts/protocol';
import { request } from '../client-api.js';
import { type ClientOptions, resolveClientConfig } from '../client-config.js';
import { MQClientInstance, type TransportFactory } from '../client-instance.js';
import { decodeMessages } from '../consumer/pull-decode.js';
import { createDefaultTransport } from '../default-transport.js';
import { brokerError, ClientErrorCode, illegalArgument, MQBrokerError, MQClientError } from '../errors.js';
import type { MessageExt } from '../message.js';
import { validateTopic } from '../producer/message-encode.js';
import {
  type ConsumerConnection,
  type ConsumerRunningInfo,
  mqTableEntries,
  parseBody,
  parseConsumerConnection,
  parseConsumerRunningInfo,
  parseConsumeStats,
  parseKVTable,
  parseTopicStats,
  type QueueConsumeStats,
  type QueueStats,
  readSubscriptionGroupConfig,
  type SubscriptionGroupConfig,
} from './admin-bodies.js';
import { fetchAllTopicConfigs, fetchTopicConfig } from './topic-configs.js';

export interface AdminOptions extends ClientOptions {
  transportFactory?: TransportFactory;
}

export interface CreateTopicOptions {
  topic: string;
  /** Create on every master of this cluster… */
  clusterName?: string;
  /** …or on this one broker. */
  brokerAddr?: string;
  readQueueNums?: number;
  writeQueueNums?: number;
  /** 2 = W, 4 = R, 6 = RW (default). */
  perm?: number;
  order?: boolean;
  /** RocketMQ 5.x topic attributes as mqadmin's `-a`: `+message.type=FIFO,-reserve.time`. */
  attributes?: string;
}

export interface ConsumeProgress {
  queues: (QueueConsumeStats & { lag: number })[];
  consumeTps: number;
  totalLag: number;
}

/**
 * Administration over the remoting protocol, what mqadmin is built on: topics, clusters,
 * brokers, consumer groups, offsets and message lookup.
 */
export class MQAdmin {
  readonly instance: MQClientInstance;
  private closed = false;

  constructor(options: AdminOptions = {}) {
    this.instance = MQClientInstance.acquire(
      resolveClientConfig(options),
      options.transportFactory ?? createDefaultTransport,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.instance.release();
  }

  private get api() {
    return this.instance.api;
  }

  async clusterInfo(): Promise<ClusterInfo> {
    const r = await this.instance.invokeNamesrv(() => request(RequestCode.GET_BROKER_CLUSTER_INFO));
    if (r.code !== ResponseCode.SUCCESS) throw brokerError('namesrv', r);
    const info = decodeClusterInfo(r.body ?? Buffer.from('{}'));
    if (!info.ok) throw new MQClientError(`bad ClusterInfo: ${info.error}`, { code: ClientErrorCode.BAD_RESPONSE });
    return info.value;
  }

  /** Master addresses of a cluster (every cluster when omitted). */
  async masterAddrs(clusterName?: string): Promise<{ brokerName: string; addr: string }[]> {
    const info = await this.clusterInfo();
    let names: string[];
    if (clusterName) {
      const list = info.clusterAddrTable.get(clusterName);
      if (!list) throw illegalArgument(`cluster ${clusterName} not found`);
      names = list;
    } else names = [...info.brokerAddrTable.keys()];
    const out: { brokerName: string; addr: string }[] = [];
    for (const n of [...names].sort()) {
      const addr = info.brokerAddrTable.get(n)?.brokerAddrs.get(MASTER_ID);
      if (addr) out.push({ brokerName: n, addr });
    }
    return out;
  }

  async topicList(): Promise<string[]> {
    const r = await this.instance.invokeNamesrv(() => request(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER));
    if (r.code !== ResponseCode.SUCCESS) throw brokerError('namesrv', r);
    const list = decodeTopicList(r.body ?? Buffer.from('{"topicList":[]}'));
    if (!list.ok) throw new MQClientError(`bad topic list: ${list.error}`, { code: ClientErrorCode.BAD_RESPONSE });
    return list.value.sort();
  }

  async topicRoute(topic: string): Promise<TopicRouteData> {
    const route = await this.instance.updateTopicRoute(topic);
    if (!route) throw new MQClientError(`no route info of topic ${topic}`, { code: ClientErrorCode.NO_ROUTE });
    return route;
  }

  /** UPDATE_AND_CREATE_TOPIC to each target master; returns the addresses updated. */
  async createTopic(o: CreateTopicOptions): Promise<string[]> {
    validateTopic(o.topic);
    let targets: string[];
    if (o.brokerAddr) targets = [o.brokerAddr];
    else if (o.clusterName) targets = (await this.masterAddrs(o.clusterName)).map((m) => m.addr);
    else throw illegalArgument('createTopic needs clusterName or brokerAddr');
    if (targets.length === 0)
      throw new MQClientError('no master broker to create the topic on', { code: ClientErrorCode.BROKER_NOT_FOUND });
    let attributes: string | undefined;
    if (o.attributes !== undefined) {
      // As Java's mqadmin: the syntax is checked here, the keys and values by the broker.
      const mod = parseAttributeModification(o.attributes.trim());
      if (!mod.ok) throw illegalArgument(mod.error);
      attributes = formatAttributeModification(mod.value) || undefined;
    }
    const header = {
      topic: o.topic,
      attributes,
      defaultTopic: AUTO_CREATE_TOPIC_KEY_TOPIC,
      readQueueNums: o.readQueueNums ?? 8,
      writeQueueNums: o.writeQueueNums ?? 8,
      perm: o.perm ?? 6,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: o.order ?? false,
    };
    for (const addr of targets) {
      await this.api.invokeOk(addr, request(RequestCode.UPDATE_AND_CREATE_TOPIC, CreateTopicRequestHeader, header));
    }
    this.instance.invalidatePublishInfo(o.topic);
    return targets;
  }

  /** The topic's config (attributes included) on one broker; undefined when it has none. */
  topicConfig(brokerAddr: string, topic: string): Promise<TopicConfig | undefined> {
    return fetchTopicConfig(this.api, brokerAddr, topic);
  }

  /** Every topic config of one broker (GET_ALL_TOPIC_CONFIG). */
  topicConfigs(brokerAddr: string): Promise<Map<string, TopicConfig>> {
    return fetchAllTopicConfigs(this.api, brokerAddr);
  }

  /**
   * The topic's `message.type` as a proxy checks sends against it: read from the first master
   * of its route that has the topic; UNSPECIFIED when none has (Java's ClusterMetadataService).
   */
  async topicMessageType(topic: string): Promise<TopicMessageType> {
    const route = await this.instance.fetchRoute(topic).catch(() => undefined);
    for (const bd of route?.brokerDatas ?? []) {
      const addr = bd.brokerAddrs.get(MASTER_ID);
      const config = addr === undefined ? undefined : await this.topicConfig(addr, topic);
      if (config !== undefined) return topicMessageTypeOf(config.attributes);
    }
    return 'UNSPECIFIED';
  }

  /** DELETE_TOPIC_IN_BROKER on the cluster's masters, then DELETE_TOPIC_IN_NAMESRV. */
  async deleteTopic(topic: string, clusterName: string): Promise<void> {
    for (const m of await this.masterAddrs(clusterName)) {
      await this.api.invokeOk(m.addr, request(RequestCode.DELETE_TOPIC_IN_BROKER, TopicRequestHeader, { topic }));
    }
    for (const addr of this.instance.config.namesrvAddrs) {
      await this.api.invokeOk(
        addr,
        request(RequestCode.DELETE_TOPIC_IN_NAMESRV, DeleteTopicFromNamesrvRequestHeader, { topic, clusterName }),
      );
    }
    this.instance.invalidatePublishInfo(topic);
  }

  /** GET_BROKER_RUNTIME_INFO: the broker's stats table. */
  async brokerRuntimeStats(brokerAddr: string): Promise<Record<string, string>> {
    return parseKVTable((await this.api.invokeOk(brokerAddr, request(RequestCode.GET_BROKER_RUNTIME_INFO))).body);
  }

  /** Min/max offsets of every queue of a topic (GET_TOPIC_STATS_INFO to each broker). */
  async topicStats(topic: string): Promise<QueueStats[]> {
    const route = await this.topicRoute(topic);
    const out: QueueStats[] = [];
    for (const bd of route.brokerDatas) {
      const addr = bd.brokerAddrs.get(MASTER_ID);
      if (!addr) continue;
      const r = await this.api.invokeOk(addr, request(RequestCode.GET_TOPIC_STATS_INFO, TopicRequestHeader, { topic }));
      out.push(...parseTopicStats(r.body));
    }
    return out.sort((a, b) => a.mq.brokerName.localeCompare(b.mq.brokerName) || a.mq.queueId - b.mq.queueId);
  }

  /** Per-queue broker offset, consumer offset and lag of a group (GET_CONSUME_STATS). */
  async consumeStats(group: string, topic?: string): Promise<ConsumeProgress> {
    const route =
      (await this.instance.fetchRoute(retryTopicOf(group)).catch(() => undefined)) ??
      (topic ? await this.topicRoute(topic) : undefined);
    if (!route) throw new MQClientError(`no route for consumer group ${group}`, { code: ClientErrorCode.NO_ROUTE });
    const queues: ConsumeProgress['queues'] = [];
    let consumeTps = 0;
    for (const bd of route.brokerDatas) {
      const addr = bd.brokerAddrs.get(MASTER_ID);
      if (!addr) continue;
      const r = await this.api.invokeOk(
        addr,
        request(RequestCode.GET_CONSUME_STATS, GetConsumeStatsRequestHeader, { consumerGroup: group, topic }),
      );
      const s = parseConsumeStats(r.body);
      consumeTps += s.consumeTps;
      for (const q of s.queues) queues.push({ ...q, lag: Math.max(0, q.brokerOffset - q.consumerOffset) });
    }
    queues.sort(
      (a, b) =>
        a.mq.topic.localeCompare(b.mq.topic) ||
        a.mq.brokerName.localeCompare(b.mq.brokerName) ||
        a.mq.queueId - b.mq.queueId,
    );
    return { queues, consumeTps, totalLag: queues.reduce((s, q) => s + q.lag, 0) };
  }

  /** Live members of a group with their subscriptions (GET_CONSUMER_CONNECTION_LIST). */
  async consumerConnection(group: string): Promise<ConsumerConnection> {
    const route = await this.instance.fetchRoute(retryTopicOf(group));
    const addr = route?.brokerDatas.map((b) => b.brokerAddrs.get(MASTER_ID)).find((a) => a !== undefined);
    if (!addr) throw new MQClientError(`no broker knows consumer group ${group}`, { code: ClientErrorCode.NO_ROUTE });
    const r = await this.api.invokeOk(
      addr,
      request(RequestCode.GET_CONSUMER_CONNECTION_LIST, ConsumerGroupRequestHeader, { consumerGroup: group }),
    );
    return parseConsumerConnection(r.body);
  }

  /**
   * A live consumer's own report (GET_CONSUMER_RUNNING_INFO, relayed by the broker):
   * properties, subscriptions and per-queue state. Java clients answer it too.
   */
  async consumerRunningInfo(group: string, clientId: string): Promise<ConsumerRunningInfo> {
    const route = await this.instance.fetchRoute(retryTopicOf(group));
    const addr = route?.brokerDatas.map((b) => b.brokerAddrs.get(MASTER_ID)).find((a) => a !== undefined);
    if (!addr) throw new MQClientError(`no broker knows consumer group ${group}`, { code: ClientErrorCode.NO_ROUTE });
    const r = await this.api.invokeOk(
      addr,
      request(RequestCode.GET_CONSUMER_RUNNING_INFO, GetConsumerRunningInfoRequestHeader, {
        consumerGroup: group,
        clientId,
        jstackEnable: false,
      }),
      10_000,
    );
    return parseConsumerRunningInfo(r.body);
  }

  /**
   * Moves a group's offsets on a topic to the first message stored at/after `timestamp`.
   * Asks each broker to do it (INVOKE_BROKER_TO_RESET_OFFSET, which also tells online
   * consumers); where a broker cannot, searches and writes the offsets directly.
   */
  async resetOffsetByTime(
    group: string,
    topic: string,
    timestamp: number,
    force = true,
  ): Promise<{ mq: MessageQueue; offset: number }[]> {
    const route = await this.topicRoute(topic);
    const out: { mq: MessageQueue; offset: number }[] = [];
    for (const bd of route.brokerDatas) {
      const addr = bd.brokerAddrs.get(MASTER_ID);
      if (!addr) continue;
      const r = await this.api.invoke(
        addr,
        request(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, ResetOffsetRequestHeader, {
          topic,
          group,
          timestamp,
          isForce: force,
        }),
      );
      if (r.code === ResponseCode.SUCCESS) {
        for (const e of mqTableEntries(parseBody(r.body, 'ResetOffsetBody').offsetTable))
          out.push({ mq: e.mq, offset: Number(e.value) });
        continue;
      }
      const qd = route.queueDatas.find((q) => q.brokerName === bd.brokerName);
      for (let queueId = 0; queueId < (qd?.readQueueNums ?? 0); queueId++) {
        const mq = { topic, brokerName: bd.brokerName, queueId };
        const offset = await this.api.searchOffset(addr, mq, timestamp);
        if (!force) {
          const current = await this.api.queryConsumerOffset(addr, group, mq);
          if (current >= 0 && current <= offset) continue;
        }
        await this.api.updateConsumerOffset(addr, group, mq, offset);
        out.push({ mq, offset });
      }
    }
    return out;
  }

  /** A message by its offset msgId (VIEW_MESSAGE_BY_ID), or by UNIQ_KEY when a topic is given. */
  async viewMessage(msgId: string, topic?: string): Promise<MessageExt> {
    const decoded = decodeOffsetMsgId(msgId);
    if (decoded) {
      try {
        const r = await this.api.invokeOk(
          decoded.address,
          request(RequestCode.VIEW_MESSAGE_BY_ID, ViewMessageRequestHeader, { offset: decoded.physicalOffset, topic }),
        );
        const [m] = decodeMessages(r.body ?? Buffer.alloc(0), await this.brokerNameOf(decoded.address));
        if (m) return m;
      } catch (e) {
        if (!topic || !(e instanceof MQBrokerError || e instanceof MQClientError)) throw e;
      }
    }
    if (!topic)
      throw illegalArgument(`${msgId} is not an offset message id; give the topic to look it up as a UNIQ_KEY`);
    const found = await this.queryMessage(topic, msgId, 32, 0, Number.MAX_SAFE_INTEGER, true);
    const hit = found.find((m) => m.msgId === msgId);
    if (!hit) throw new MQClientError(`message ${msgId} not found`, { code: ResponseCode.QUERY_NOT_FOUND });
    return hit;
  }

  /** Messages whose KEYS contain `key` (QUERY_MESSAGE to every broker of the topic). */
  queryMessageByKey(
    topic: string,
    key: string,
    maxNum = 64,
    begin = 0,
    end = Number.MAX_SAFE_INTEGER,
  ): Promise<MessageExt[]> {
    return this.queryMessage(topic, key, maxNum, begin, end, false);
  }

  private async queryMessage(
    topic: string,
    key: string,
    maxNum: number,
    begin: number,
    end: number,
    uniq: boolean,
  ): Promise<MessageExt[]> {
    const route = await this.topicRoute(topic);
    const out: MessageExt[] = [];
    for (const bd of route.brokerDatas) {
      const addr = bd.brokerAddrs.get(MASTER_ID);
      if (!addr) continue;
      const cmd = request(RequestCode.QUERY_MESSAGE, QueryMessageRequestHeader, {
        topic,
        key,
        maxNum,
        beginTimestamp: begin,
        endTimestamp: end,
      });
      if (uniq) cmd.extFields._UNIQUE_KEY_QUERY = 'true';
      const r = await this.api.invoke(addr, cmd, 15_000);
      if (r.code === ResponseCode.QUERY_NOT_FOUND) continue;
      if (r.code !== ResponseCode.SUCCESS) throw brokerError(addr, r);
      for (const m of decodeMessages(r.body ?? Buffer.alloc(0), bd.brokerName)) {
        if (m.topic !== topic) continue;
        if (uniq ? m.msgId === key : m.keys.includes(key)) out.push(m);
      }
    }
    return out.sort((a, b) => a.storeTimestamp - b.storeTimestamp);
  }

  /** Offset of the first message stored at/after `timestamp` in a queue. */
  async searchOffset(mq: MessageQueue, timestamp: number): Promise<number> {
    return this.api.searchOffset(await this.instance.requireMasterAddr(mq.brokerName, mq.topic), mq, timestamp);
  }

  /** UPDATE_AND_CREATE_SUBSCRIPTIONGROUP on one broker or every master of a cluster. */
  async createOrUpdateSubscriptionGroup(
    config: SubscriptionGroupConfig,
    target: { brokerAddr?: string; clusterName?: string },
  ): Promise<string[]> {
    const full = {
      consumeEnable: true,
      consumeFromMinEnable: true,
      consumeBroadcastEnable: true,
      consumeMessageOrderly: false,
      retryQueueNums: 1,
      retryMaxTimes: 16,
      brokerId: 0,
      whichBrokerWhenConsumeSlowly: 1,
      notifyConsumerIdsChangedEnable: true,
      ...config,
    };
    const targets = target.brokerAddr
      ? [target.brokerAddr]
      : (await this.masterAddrs(target.clusterName)).map((m) => m.addr);
    for (const addr of targets) {
      await this.api.invokeOk(
        addr,
        request(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, undefined, undefined, encodeJsonBody(full)),
      );
    }
    return targets;
  }

  /** DELETE_SUBSCRIPTIONGROUP on one broker or every master of a cluster. */
  async deleteSubscriptionGroup(
    group: string,
    target: { brokerAddr?: string; clusterName?: string },
    cleanOffset = false,
  ): Promise<string[]> {
    const targets = target.brokerAddr
      ? [target.brokerAddr]
      : (await this.masterAddrs(target.clusterName)).map((m) => m.addr);
    for (const addr of targets) {
      await this.api.invokeOk(
        addr,
        request(RequestCode.DELETE_SUBSCRIPTIONGROUP, DeleteSubscriptionGroupRequestHeader, {
          groupName: group,
          cleanOffset,
        }),
      );
    }
    return targets;
  }

  /** Every subscription group a broker knows (GET_ALL_SUBSCRIPTIONGROUP_CONFIG). */
  async subscriptionGroups(brokerAddr: string): Promise<SubscriptionGroupConfig[]> {
    const r = await this.api.invokeOk(brokerAddr, request(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG));
    const table = parseBody(r.body, 'SubscriptionGroupWrapper').subscriptionGroupTable;
    const values: unknown[] =
      table instanceof Map
        ? [...table.values()]
        : typeof table === 'object' && table !== null
          ? Object.values(table)
          : [];
    return values
      .map((v) => readSubscriptionGroupConfig(v, 'SubscriptionGroupWrapper'))
      .sort((a, b) => a.groupName.localeCompare(b.groupName));
  }

  /** A broker's effective configuration (GET_BROKER_CONFIG, a properties text). */
  async brokerConfig(brokerAddr: string): Promise<Record<string, string>> {
    const r = await this.api.invokeOk(brokerAddr, request(RequestCode.GET_BROKER_CONFIG));
    const out: Record<string, string> = {};
    for (const line of (r.body?.toString('utf8') ?? '').split(/\r?\n/)) {
      const i = line.indexOf('=');
      if (i > 0 && !line.startsWith('#')) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    return out;
  }

  async getSubscriptionGroupConfig(brokerAddr: string, group: string): Promise<SubscriptionGroupConfig> {
    const r = await this.api.invokeOk(
      brokerAddr,
      request(RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG, GetSubscriptionGroupConfigRequestHeader, { group }),
    );
    return readSubscriptionGroupConfig(parseBody(r.body, 'SubscriptionGroupConfig'));
  }

  private async brokerNameOf(addr: string): Promise<string> {
    try {
      const info = await this.clusterInfo();
      for (const [name, bd] of info.brokerAddrTable)
        for (const a of bd.brokerAddrs.values()) if (a === addr) return name;
    } catch {
      // fall through: the name is informational here
    }
    return '';
  }
}
