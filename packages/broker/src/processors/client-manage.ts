import type { Logger } from '@rocketmq-ts/common';
import {
  ConsumerGroupRequestHeader,
  createResponse,
  decodeCheckClientBody,
  decodeHeartbeat,
  type HeartbeatLimits,
  Perm,
  type RemotingCommand,
  ResponseCode,
  retryTopicOf,
  UnregisterClientRequestHeader,
} from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import type { ClientGroupRegistry } from '../client/client-registry.js';
import type { SubscriptionGroupRegistry, TopicRegistry, TopicSpec } from '../runtime/ports.js';
import { decodeHeader, reply } from './request-util.js';
import { compileExpression, isTagType, subscriptionFilter } from './subscription-filter.js';

interface ClientManageDeps {
  clients: Pick<
    ClientGroupRegistry,
    'registerConsumer' | 'registerProducer' | 'unregisterConsumer' | 'unregisterProducer' | 'consumerIds'
  >;
  groups: Pick<SubscriptionGroupRegistry, 'getOrCreateMany'>;
  topics: Pick<TopicRegistry, 'ensureMany'>;
  logger: Logger;
  /** broker.conf enablePropertyFilter (RocketMQ's default: false). */
  enablePropertyFilter?: boolean | undefined;
  /** Bounds of one HEART_BEAT body (broker.conf heartbeatMaxGroups / heartbeatMaxSubscriptions). */
  heartbeatLimits?: HeartbeatLimits | undefined;
}

/** Consumers registered per turn of the event loop while handling one heartbeat. */
const HEARTBEAT_BATCH = 512;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * HEART_BEAT (34), UNREGISTER_CLIENT (35), GET_CONSUMER_LIST_BY_GROUP (38) and
 * CHECK_CLIENT_CONFIG (46).
 *
 * A heartbeat registers its client at once and then creates the group's `%RETRY%` topic
 * (registering it with the NameServers before answering) so that clients find a route for
 * the retry subscription they add. The answer carries no IS_SUPPORT_HEART_BEAT_V2:
 * fingerprint-only heartbeats are not supported.
 *
 * One heartbeat's work is bounded: a body naming more groups or subscriptions than the limits
 * is refused (SYSTEM_ERROR) before its entries are read; otherwise consumers register
 * HEARTBEAT_BATCH at a time with a turn of the event loop between batches, and the groups and
 * retry topics the heartbeat creates are written (and registered with the NameServers) once.
 */
export class ClientManageProcessor {
  constructor(private readonly deps: ClientManageDeps) {}

  readonly heartbeat = async (request: RemotingCommand, conn: Connection): Promise<RemotingCommand> => {
    const decoded = decodeHeartbeat(request.body, this.deps.heartbeatLimits);
    if (!decoded.ok) return reply(request, ResponseCode.SYSTEM_ERROR, decoded.error);
    const data = decoded.value;
    const who = { clientId: data.clientID, language: request.language, version: request.version };
    const consumers = data.consumerDataSet.filter((c) => c.groupName !== '');
    // Register before the first await, in the order requests arrive on the connection: a
    // heartbeat still creating the retry topic when the same client's UNREGISTER_CLIENT (or
    // its connection close) is handled must not register it again afterwards. Such a ghost
    // stays in the group until the 120 s expiry and takes queues from the live members. (A
    // heartbeat of more than HEARTBEAT_BATCH groups, which no RocketMQ client sends, yields
    // between batches.)
    for (let i = 0; i < consumers.length; i++) {
      if (i > 0 && i % HEARTBEAT_BATCH === 0) await nextTurn();
      const consumer = consumers[i]!;
      this.deps.clients.registerConsumer(conn, who, consumer);
      this.warnUnparsable(consumer.groupName, consumer.subscriptionDataSet);
    }
    for (const producer of data.producerDataSet) {
      if (producer.groupName !== '') this.deps.clients.registerProducer(conn, who, producer.groupName);
    }
    // One creation (and one write of each table) for all the heartbeat's groups.
    const groups = await this.deps.groups.getOrCreateMany(consumers.map((c) => c.groupName));
    const retryTopics: TopicSpec[] = [];
    for (const group of groups) {
      if (group !== undefined && group.retryQueueNums > 0) {
        retryTopics.push({
          topic: retryTopicOf(group.groupName),
          queueNums: group.retryQueueNums,
          perm: Perm.READ | Perm.WRITE,
        });
      }
    }
    await this.deps.topics.ensureMany(retryTopics);
    return createResponse(request, ResponseCode.SUCCESS);
  };

  /**
   * As Java, a heartbeat with an SQL92 expression that does not compile is registered all
   * the same (and logged); pulls by that subscription are answered FILTER_DATA_NOT_EXIST.
   */
  private warnUnparsable(group: string, subs: readonly { topic: string; subString: string; expressionType: string }[]) {
    for (const s of subs) {
      if (isTagType(s.expressionType)) continue;
      const c = compileExpression(s.subString);
      if (!c.ok)
        this.deps.logger.warn({ group, topic: s.topic, error: c.error }, 'consumer subscription does not compile');
    }
  }

  /**
   * CHECK_CLIENT_CONFIG: Java clients ask before subscribing with SQL92. TAG is always fine;
   * otherwise SYSTEM_ERROR while enablePropertyFilter is off, SUBSCRIPTION_PARSE_FAILED with
   * the parser's message for an expression that does not compile.
   */
  readonly checkClientConfig = (request: RemotingCommand): RemotingCommand => {
    const decoded = decodeCheckClientBody(request.body);
    if (!decoded.ok) return reply(request, ResponseCode.SYSTEM_ERROR, decoded.error);
    const sub = decoded.value.subscriptionData;
    if (sub !== undefined && !isTagType(sub.expressionType)) {
      if (!this.deps.enablePropertyFilter) {
        return reply(
          request,
          ResponseCode.SYSTEM_ERROR,
          `The broker does not support consumer to filter message by ${sub.expressionType}`,
        );
      }
      const r = subscriptionFilter(sub.expressionType, sub.subString, true);
      if (!r.ok) return reply(request, r.error.code, r.error.remark);
    }
    return createResponse(request, ResponseCode.SUCCESS);
  };

  readonly unregisterClient = (request: RemotingCommand, conn: Connection): RemotingCommand => {
    const decoded = decodeHeader(UnregisterClientRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    const h = decoded.value;
    if (h.producerGroup) this.deps.clients.unregisterProducer(h.producerGroup, conn);
    if (h.consumerGroup) this.deps.clients.unregisterConsumer(h.consumerGroup, conn);
    return createResponse(request, ResponseCode.SUCCESS);
  };

  readonly getConsumerListByGroup = (request: RemotingCommand): RemotingCommand => {
    const decoded = decodeHeader(ConsumerGroupRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    const group = decoded.value.consumerGroup;
    const ids = this.deps.clients.consumerIds(group);
    if (ids.length === 0) return reply(request, ResponseCode.SYSTEM_ERROR, `no consumer for this group, ${group}`);
    const body = Buffer.from(JSON.stringify({ consumerIdList: ids }), 'utf8');
    return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
  };
}
