import {
  createResponse,
  type HeaderType,
  Perm,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  PullSysFlag,
  type RemotingCommand,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import type { MessageStore, TagsCodeFilter } from '@rocketmq-ts/store';
import type { PullRequestHoldService } from '../long-polling/pull-request-hold-service.js';
import type {
  ClientRegistry,
  ConsumerOffsetStore,
  SubscriptionGroupRegistry,
  TopicRegistry,
} from '../runtime/ports.js';
import type { BrokerStats } from './broker-stats.js';
import { decodeHeader, FAQ_URL, reply } from './request-util.js';
import { pullStatusCode } from './status-table.js';
import {
  fromHeartbeat,
  isTagType,
  type ParsedSubscription,
  parseTagExpression,
  tagsFilter,
} from './subscription-filter.js';

type PullHeader = HeaderType<typeof PullMessageRequestHeader>;

export interface PullSettings {
  brokerName: string;
  brokerPermission(): number;
  isMaster: boolean;
  longPollingEnable: boolean;
  shortPollingTimeMills: number;
  maxTransferCount: number;
  maxTransferBytes: number;
  enablePropertyFilter: boolean;
}

export interface PullDeps {
  settings: PullSettings;
  topics: Pick<TopicRegistry, 'get'>;
  groups: Pick<SubscriptionGroupRegistry, 'getOrCreate'>;
  offsets: Pick<ConsumerOffsetStore, 'commit'>;
  clients: Pick<ClientRegistry, 'consumerGroup'>;
  store: Pick<MessageStore, 'getMessage'>;
  hold: Pick<PullRequestHoldService, 'hold'>;
  stats: Pick<BrokerStats, 'addGet'>;
}

/**
 * PULL_MESSAGE (11) and LITE_PULL_MESSAGE (361). Every answer carries nextBeginOffset,
 * minOffset, maxOffset and suggestWhichBrokerId (ali-ons does arithmetic on them whatever the
 * code). The body of a hit is the stored records back to back, exactly as the store holds them.
 */
export class PullMessageProcessor {
  constructor(private readonly deps: PullDeps) {}

  readonly handle = (request: RemotingCommand, conn: Connection): Promise<RemotingCommand | undefined> =>
    this.process(request, conn, true);

  private async process(
    request: RemotingCommand,
    conn: Connection,
    allowSuspend: boolean,
  ): Promise<RemotingCommand | undefined> {
    const decoded = decodeHeader(PullMessageRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    const h = decoded.value;
    const { settings, store } = this.deps;
    const checked = await this.check(request, h);
    if ('response' in checked) return checked.response;
    const { filter } = checked;

    const result = await store.getMessage(
      h.topic,
      h.queueId,
      h.queueOffset,
      Math.max(1, Math.min(h.maxMsgNums, settings.maxTransferCount)),
      Math.min(h.maxMsgBytes && h.maxMsgBytes > 0 ? h.maxMsgBytes : Number.MAX_SAFE_INTEGER, settings.maxTransferBytes),
      filter,
    );
    if (allowSuspend && (h.sysFlag & PullSysFlag.COMMIT_OFFSET) !== 0 && settings.isMaster) {
      this.deps.offsets.commit(h.consumerGroup, h.topic, h.queueId, h.commitOffset);
    }
    const code = pullStatusCode(result.status, h.queueOffset);
    if (code === ResponseCode.PULL_NOT_FOUND && allowSuspend && (h.sysFlag & PullSysFlag.SUSPEND) !== 0) {
      const holdMs = settings.longPollingEnable ? h.suspendTimeoutMillis : settings.shortPollingTimeMills;
      return this.deps.hold.hold(
        h.topic,
        h.queueId,
        h.queueOffset,
        holdMs,
        conn,
        filter,
        () => this.process(request, conn, false),
        result.maxOffset,
      );
    }
    const ext = PullMessageResponseHeader.encode({
      suggestWhichBrokerId: 0,
      nextBeginOffset: result.nextBeginOffset,
      minOffset: result.minOffset,
      maxOffset: result.maxOffset,
    });
    if (code !== ResponseCode.SUCCESS) return createResponse(request, code, result.status, ext);
    this.deps.stats.addGet(h.consumerGroup, result.records.length);
    const response = createResponse(request, code, undefined, ext);
    // The records go to the socket as they are (slices of the store's cache): no copy.
    if (result.records.length === 1) response.body = result.records[0];
    else response.bodyParts = result.records;
    return response;
  }

  /** Java's checks before reading, in its order. */
  private async check(
    request: RemotingCommand,
    h: PullHeader,
  ): Promise<{ filter: TagsCodeFilter | undefined } | { response: RemotingCommand }> {
    const { settings, topics, groups, clients } = this.deps;
    const fail = (code: number, remark: string) => ({ response: reply(request, code, remark) });
    if ((settings.brokerPermission() & Perm.READ) === 0) {
      return fail(ResponseCode.NO_PERMISSION, `the broker[${settings.brokerName}] pulling message is forbidden`);
    }
    const group = await groups.getOrCreate(h.consumerGroup);
    if (group === undefined) {
      return fail(
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group [${h.consumerGroup}] does not exist, ${FAQ_URL}`,
      );
    }
    if (!group.consumeEnable) {
      return fail(ResponseCode.NO_PERMISSION, `subscription group no permission, ${h.consumerGroup}`);
    }
    const topic = topics.get(h.topic);
    if (topic === undefined) {
      return fail(ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist, apply first please! ${FAQ_URL}`);
    }
    if ((topic.perm & Perm.READ) === 0) {
      return fail(ResponseCode.NO_PERMISSION, `the topic[${h.topic}] pulling message is forbidden`);
    }
    if (h.queueId < 0 || h.queueId >= topic.readQueueNums) {
      return fail(
        ResponseCode.INVALID_PARAMETER,
        `queueId[${h.queueId}] is illegal, topic:[${h.topic}] topicConfig.readQueueNums:[${topic.readQueueNums}] consumer:[${request.extFields.clientId ?? ''}]`,
      );
    }
    let sub: ParsedSubscription;
    if ((h.sysFlag & PullSysFlag.SUBSCRIPTION) !== 0) {
      sub = parseTagExpression(h.subscription, h.expressionType ?? 'TAG');
    } else {
      const info = clients.consumerGroup(h.consumerGroup);
      if (info === undefined) {
        return fail(ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's group info not exist ${FAQ_URL}`);
      }
      if (!group.consumeBroadcastEnable && info.messageModel === 'BROADCASTING') {
        return fail(
          ResponseCode.NO_PERMISSION,
          `the consumer group[${h.consumerGroup}] can not consume by broadcast way`,
        );
      }
      const s = info.subscriptions.get(h.topic);
      if (s === undefined) {
        return fail(ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's subscription not exist ${FAQ_URL}`);
      }
      if (s.subVersion < h.subVersion) {
        return fail(ResponseCode.SUBSCRIPTION_NOT_LATEST, `the consumer's subscription not latest`);
      }
      sub = fromHeartbeat(s);
    }
    if (!isTagType(sub.expressionType) && !settings.enablePropertyFilter) {
      return fail(
        ResponseCode.SYSTEM_ERROR,
        `The broker does not support consumer to filter message by ${sub.expressionType}`,
      );
    }
    return { filter: tagsFilter(sub) };
  }
}
