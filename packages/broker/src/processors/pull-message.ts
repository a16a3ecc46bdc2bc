import {
  createResponse,
  emptyFields,
  type HeaderType,
  isRetryTopic,
  Perm,
  PullMessageRequestHeader,
  PullSysFlag,
  type RemotingCommand,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import type { MessageStore } from '@rocketmq-ts/store';
import type { PullRequestHoldService } from '../long-polling/pull-request-hold-service.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type {
  ClientRegistry,
  ConsumerOffsetStore,
  SubscriptionGroupRegistry,
  SubscriptionGroupView,
  TopicRegistry,
} from '../runtime/ports.js';
import type { BrokerStats } from './broker-stats.js';
import { decodeHeader, FAQ_URL, reply } from './request-util.js';
import { pullStatusCode } from './status-table.js';
import {
  fromHeartbeat,
  getFilteredMessages,
  isTagType,
  MATCH_ALL,
  type MessageFilter,
  propertyFilterOff,
  retryFilter,
  subscriptionFilter,
  tagsFilter,
} from './subscription-filter.js';

type PullHeader = HeaderType<typeof PullMessageRequestHeader>;

interface PullSettings {
  brokerName: string;
  brokerPermission(): number;
  isMaster: boolean;
  longPollingEnable: boolean;
  shortPollingTimeMills: number;
  maxTransferCount: number;
  maxTransferBytes: number;
  enablePropertyFilter: boolean;
  /** %RETRY% queues read with an SQL92 subscription filter by the original topic's expression. */
  filterSupportRetry?: boolean | undefined;
}

interface PullDeps {
  settings: PullSettings;
  topics: Pick<TopicRegistry, 'get'>;
  groups: Pick<SubscriptionGroupRegistry, 'get' | 'getOrCreate'>;
  offsets: Pick<ConsumerOffsetStore, 'commit'>;
  clients: Pick<ClientRegistry, 'consumerGroup'>;
  store: Pick<MessageStore, 'getMessage' | 'getMaxOffsetInQueue'>;
  hold: Pick<PullRequestHoldService, 'hold'>;
  stats: Pick<BrokerStats, 'addGet'>;
  metrics?: Pick<BrokerMetrics, 'recordGet'> | undefined;
}

/**
 * PULL_MESSAGE (11) and LITE_PULL_MESSAGE (361). Every answer carries nextBeginOffset,
 * minOffset, maxOffset and suggestWhichBrokerId (ali-ons does arithmetic on them whatever the
 * code). The body of a hit is the stored records back to back, exactly as the store holds them.
 *
 * A long-polling consumer's steady state is one pull answered per arrival and one pull that
 * finds the queue caught up and is held, so both stay cheap: checks run synchronously when
 * the group is known, a caught-up suspending pull is held without a store read (the read
 * would answer OFFSET_OVERFLOW_ONE), parsed subscriptions are reused, and a woken pull re-runs
 * its checks and read with the header it already decoded.
 */
export class PullMessageProcessor {
  /** Filters of heartbeat subscriptions, by the registry's subscription object (or why none). */
  private readonly heartbeatFilters = new WeakMap<object, MessageFilter | string>();

  constructor(private readonly deps: PullDeps) {}

  readonly handle = (
    request: RemotingCommand,
    conn: Connection,
  ): RemotingCommand | Promise<RemotingCommand | undefined> => {
    const decoded = decodeHeader(PullMessageRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    return this.process(request, conn, decoded.value, true);
  };

  private process(
    request: RemotingCommand,
    conn: Connection,
    h: PullHeader,
    allowSuspend: boolean,
  ): RemotingCommand | Promise<RemotingCommand | undefined> {
    const { settings } = this.deps;
    if ((settings.brokerPermission() & Perm.READ) === 0) {
      return reply(
        request,
        ResponseCode.NO_PERMISSION,
        `the broker[${settings.brokerName}] pulling message is forbidden`,
      );
    }
    const group = this.deps.groups.get(h.consumerGroup);
    if (group === undefined) return this.processNewGroup(request, conn, h, allowSuspend);
    return this.admitted(request, conn, h, allowSuspend, group);
  }

  /** The group is not in the registry yet: it may be auto-created (which persists). */
  private async processNewGroup(
    request: RemotingCommand,
    conn: Connection,
    h: PullHeader,
    allowSuspend: boolean,
  ): Promise<RemotingCommand | undefined> {
    const group = await this.deps.groups.getOrCreate(h.consumerGroup);
    if (group === undefined) {
      return reply(
        request,
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group [${h.consumerGroup}] does not exist, ${FAQ_URL}`,
      );
    }
    return this.admitted(request, conn, h, allowSuspend, group);
  }

  private admitted(
    request: RemotingCommand,
    conn: Connection,
    h: PullHeader,
    allowSuspend: boolean,
    group: SubscriptionGroupView,
  ): RemotingCommand | Promise<RemotingCommand | undefined> {
    const filter = this.check(request, h, group);
    if ('code' in filter) return filter;
    if (allowSuspend && (h.sysFlag & PullSysFlag.SUSPEND) !== 0) {
      const max = this.deps.store.getMaxOffsetInQueue(h.topic, h.queueId);
      if (max > 0 && h.queueOffset === max) {
        this.commitOffset(h, allowSuspend);
        return this.hold(request, conn, h, filter, max);
      }
    }
    return this.read(request, conn, h, allowSuspend, filter);
  }

  private async read(
    request: RemotingCommand,
    conn: Connection,
    h: PullHeader,
    allowSuspend: boolean,
    filter: MessageFilter,
  ): Promise<RemotingCommand | undefined> {
    const { settings, store } = this.deps;
    const result = await getFilteredMessages(
      store,
      h.topic,
      h.queueId,
      h.queueOffset,
      Math.max(1, Math.min(h.maxMsgNums, settings.maxTransferCount)),
      Math.min(h.maxMsgBytes && h.maxMsgBytes > 0 ? h.maxMsgBytes : Number.MAX_SAFE_INTEGER, settings.maxTransferBytes),
      filter,
    );
    this.commitOffset(h, allowSuspend);
    const code = pullStatusCode(result.status, h.queueOffset);
    if (code === ResponseCode.PULL_NOT_FOUND && allowSuspend && (h.sysFlag & PullSysFlag.SUSPEND) !== 0) {
      return this.hold(request, conn, h, filter, result.maxOffset);
    }
    // PullMessageResponseHeader's four mandatory fields, built directly.
    const ext = emptyFields();
    ext.suggestWhichBrokerId = '0';
    ext.nextBeginOffset = String(result.nextBeginOffset);
    ext.minOffset = String(result.minOffset);
    ext.maxOffset = String(result.maxOffset);
    if (code !== ResponseCode.SUCCESS) return createResponse(request, code, result.status, ext);
    this.deps.stats.addGet(h.consumerGroup, result.records.length);
    this.deps.metrics?.recordGet(
      h.topic,
      h.consumerGroup,
      h.queueId,
      result.records.length,
      result.totalSize,
      result.nextBeginOffset,
    );
    const response = createResponse(request, code, undefined, ext);
    // The records go to the socket as they are (slices of the store's cache): no copy.
    if (result.records.length === 1) response.body = result.records[0];
    else response.bodyParts = result.records;
    return response;
  }

  private commitOffset(h: PullHeader, allowSuspend: boolean): void {
    if (allowSuspend && (h.sysFlag & PullSysFlag.COMMIT_OFFSET) !== 0 && this.deps.settings.isMaster) {
      this.deps.offsets.commit(h.consumerGroup, h.topic, h.queueId, h.commitOffset);
    }
  }

  private hold(
    request: RemotingCommand,
    conn: Connection,
    h: PullHeader,
    filter: MessageFilter,
    seenMaxOffset: number,
  ): Promise<RemotingCommand | undefined> {
    const { settings } = this.deps;
    const holdMs = settings.longPollingEnable ? h.suspendTimeoutMillis : settings.shortPollingTimeMills;
    return this.deps.hold.hold(
      h.topic,
      h.queueId,
      h.queueOffset,
      holdMs,
      conn,
      filter.tags,
      () => this.process(request, conn, h, false),
      seenMaxOffset,
    );
  }

  /** Java's checks after the group lookup, in its order: the filter, or the refusal. */
  private check(
    request: RemotingCommand,
    h: PullHeader,
    group: SubscriptionGroupView,
  ): MessageFilter | RemotingCommand {
    const { settings, topics, clients } = this.deps;
    if (!group.consumeEnable) {
      return reply(request, ResponseCode.NO_PERMISSION, `subscription group no permission, ${h.consumerGroup}`);
    }
    const topic = topics.get(h.topic);
    if (topic === undefined) {
      return reply(
        request,
        ResponseCode.TOPIC_NOT_EXIST,
        `topic[${h.topic}] not exist, apply first please! ${FAQ_URL}`,
      );
    }
    if ((topic.perm & Perm.READ) === 0) {
      return reply(request, ResponseCode.NO_PERMISSION, `the topic[${h.topic}] pulling message is forbidden`);
    }
    if (h.queueId < 0 || h.queueId >= topic.readQueueNums) {
      return reply(
        request,
        ResponseCode.INVALID_PARAMETER,
        `queueId[${h.queueId}] is illegal, topic:[${h.topic}] topicConfig.readQueueNums:[${topic.readQueueNums}] consumer:[${request.extFields.clientId ?? ''}]`,
      );
    }
    let filter: MessageFilter;
    let expressionType: string;
    if ((h.sysFlag & PullSysFlag.SUBSCRIPTION) !== 0) {
      expressionType = h.expressionType ?? 'TAG';
      const r = subscriptionFilter(expressionType, h.subscription, settings.enablePropertyFilter);
      if (!r.ok) return reply(request, r.error.code, r.error.remark);
      filter = r.value;
    } else {
      const info = clients.consumerGroup(h.consumerGroup);
      if (info === undefined) {
        return reply(request, ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's group info not exist ${FAQ_URL}`);
      }
      if (!group.consumeBroadcastEnable && info.messageModel === 'BROADCASTING') {
        return reply(
          request,
          ResponseCode.NO_PERMISSION,
          `the consumer group[${h.consumerGroup}] can not consume by broadcast way`,
        );
      }
      const s = info.subscriptions.get(h.topic);
      if (s === undefined) {
        return reply(request, ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's subscription not exist ${FAQ_URL}`);
      }
      if (s.subVersion < h.subVersion) {
        return reply(request, ResponseCode.SUBSCRIPTION_NOT_LATEST, `the consumer's subscription not latest`);
      }
      expressionType = s.expressionType;
      let cached = this.heartbeatFilters.get(s);
      if (cached === undefined) {
        cached = heartbeatFilter(s);
        this.heartbeatFilters.set(s, cached);
      }
      if (typeof cached === 'string') {
        // The heartbeat's expression did not compile: Java has no filter data for it.
        return reply(request, ResponseCode.FILTER_DATA_NOT_EXIST, FILTER_DATA_NOT_EXIST_REMARK);
      }
      if (!isTagType(expressionType) && !settings.enablePropertyFilter) {
        const off = propertyFilterOff(expressionType);
        return reply(request, off.code, off.remark);
      }
      filter = cached;
    }
    if (settings.filterSupportRetry === true && !isTagType(expressionType) && isRetryTopic(h.topic)) {
      const info = clients.consumerGroup(h.consumerGroup);
      return retryFilter((t) => info?.subscriptions.get(t));
    }
    return filter;
  }
}

export const FILTER_DATA_NOT_EXIST_REMARK =
  "The broker's consumer filter data is not exist!Your expression may be wrong!";

/** The filter of a heartbeat subscription, or (a string) why its expression is refused. */
function heartbeatFilter(s: { subString: string; expressionType: string; codeSet: number[] }): MessageFilter | string {
  if (isTagType(s.expressionType)) {
    const tags = tagsFilter(fromHeartbeat(s));
    return tags === undefined ? MATCH_ALL : { tags, record: undefined };
  }
  const r = subscriptionFilter(s.expressionType, s.subString, true);
  return r.ok ? r.value : r.error.remark;
}
