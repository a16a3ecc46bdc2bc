import type { Clock } from '@rocketmq-ts/common';
import {
  createRequest,
  MASTER_ID,
  parseLenientJson,
  RequestCode,
  ResponseCode,
  type TopicMessageType,
  topicMessageTypeOf,
} from '@rocketmq-ts/protocol';
import type { BrokerTransport } from './broker-transport.js';
import type { RouteCache } from './route-cache.js';

// Topic and group settings the proxy needs (the Java proxy's MetadataService): a topic's
// `message.type` attribute and a group's orderly flag and retry count. Both are read from a
// master of the topic's route (GET_TOPIC_CONFIG / GET_SUBSCRIPTIONGROUP_CONFIG), in Local mode
// straight from the in-process broker, and kept for a few seconds.

export type { TopicMessageType };

export interface GroupSettings {
  consumeMessageOrderly: boolean;
  retryMaxTimes: number;
}

const DEFAULT_GROUP: GroupSettings = { consumeMessageOrderly: false, retryMaxTimes: 16 };

export class Metadata {
  private readonly topicTypes = new Map<string, { v: TopicMessageType; at: number }>();
  private readonly groups = new Map<string, { v: GroupSettings; at: number }>();

  constructor(
    private readonly transport: BrokerTransport,
    private readonly routes: RouteCache,
    private readonly clusterTopic: string,
    private readonly clock: Clock,
    private readonly ttlMs = 3000,
  ) {}

  /**
   * The topic's `message.type` as the Java proxy reads it: NORMAL when the topic has no such
   * attribute, UNSPECIFIED when its config cannot be read (or the value is unknown), which
   * accepts no message. A topic missing from the NameServer is TOPIC_NOT_FOUND.
   */
  async topicMessageType(topic: string): Promise<TopicMessageType> {
    const hit = this.topicTypes.get(topic);
    if (hit && this.clock.now() - hit.at < this.ttlMs) return hit.v;
    const body = await this.askMaster(topic, RequestCode.GET_TOPIC_CONFIG, { topic });
    if (body === undefined) return 'UNSPECIFIED';
    const attrs = (body as { attributes?: unknown }).attributes;
    const v = topicMessageTypeOf(
      typeof attrs === 'object' && attrs !== null ? (attrs as Record<string, string>) : undefined,
    );
    this.topicTypes.set(topic, { v, at: this.clock.now() });
    return v;
  }

  /** The group's settings; defaults when the group does not exist yet (brokers auto-create it). */
  async group(group: string): Promise<GroupSettings> {
    const hit = this.groups.get(group);
    if (hit && this.clock.now() - hit.at < this.ttlMs) return hit.v;
    let v = DEFAULT_GROUP;
    const body = (await this.askMaster(this.clusterTopic, RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG, { group }).catch(
      () => undefined,
    )) as Partial<GroupSettings> | undefined;
    if (body) {
      v = {
        consumeMessageOrderly: body.consumeMessageOrderly === true,
        retryMaxTimes: typeof body.retryMaxTimes === 'number' ? body.retryMaxTimes : DEFAULT_GROUP.retryMaxTimes,
      };
    }
    this.groups.set(group, { v, at: this.clock.now() });
    return v;
  }

  private async askMaster(routeTopic: string, code: number, fields: Record<string, string>): Promise<unknown> {
    const route = await this.routes.route(routeTopic);
    for (const b of route.brokerDatas) {
      const addr = b.brokerAddrs.get(MASTER_ID);
      if (addr === undefined) continue;
      const r = await this.transport.invoke(addr, createRequest(code, fields), 3000);
      if (r.code !== ResponseCode.SUCCESS || !r.body) continue;
      const parsed = parseLenientJson(r.body);
      if (parsed.ok) return parsed.value;
    }
    return undefined;
  }
}

const TYPE_NAMES = ['', 'NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'];

/**
 * Whether a message of `type` (types.ts MessageType number) may be sent to a topic of
 * `topicType` (Java's DefaultTopicMessageTypeValidator): MIXED takes all four, UNSPECIFIED none.
 */
export function acceptsType(topicType: TopicMessageType, type: number): boolean {
  if (topicType === 'MIXED') return true;
  return topicType !== 'UNSPECIFIED' && TYPE_NAMES[type] === topicType;
}

/** accept_message_types of a route's queues. */
export function acceptedTypes(topicType: TopicMessageType): number[] {
  if (topicType === 'MIXED') return [1, 2, 3, 4];
  const i = TYPE_NAMES.indexOf(topicType);
  return i > 0 ? [i] : [];
}
