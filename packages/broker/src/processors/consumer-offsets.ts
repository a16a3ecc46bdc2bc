import {
  createResponse,
  GetEarliestMsgStoretimeResponseHeader,
  GetMaxOffsetRequestHeader,
  OffsetResponseHeader,
  QueryConsumerOffsetRequestHeader,
  type RemotingCommand,
  ResponseCode,
  SearchOffsetRequestHeader,
  TopicQueueRequestHeader,
  UpdateConsumerOffsetRequestHeader,
} from '@rocketmq-ts/protocol';
import type { MessageStore } from '@rocketmq-ts/store';
import type { ConsumerOffsetStore, SubscriptionGroupRegistry, TopicRegistry } from '../runtime/ports.js';
import { decodeHeader, FAQ_URL, reply } from './request-util.js';

interface OffsetDeps {
  offsets: Pick<ConsumerOffsetStore, 'query' | 'commit'>;
  topics: Pick<TopicRegistry, 'get'>;
  groups: Pick<SubscriptionGroupRegistry, 'get'>;
  store: Pick<
    MessageStore,
    | 'getMinOffsetInQueue'
    | 'getMaxOffsetInQueue'
    | 'checkInMemByConsumeOffset'
    | 'getOffsetInQueueByTime'
    | 'getEarliestMessageTime'
  >;
}

const offsetResponse = (request: RemotingCommand, offset: number): RemotingCommand =>
  createResponse(request, ResponseCode.SUCCESS, undefined, OffsetResponseHeader.encode({ offset }));

/**
 * Consumer progress (QUERY_CONSUMER_OFFSET 14, UPDATE_CONSUMER_OFFSET 15) and queue offsets
 * (SEARCH_OFFSET_BY_TIMESTAMP 29, GET_MAX_OFFSET 30, GET_MIN_OFFSET 31,
 * GET_EARLIEST_MSG_STORETIME 32).
 */
export class ConsumerOffsetProcessor {
  constructor(private readonly deps: OffsetDeps) {}

  /**
   * A stored offset ≥ 0 is returned as is. ali-ons persists offset 0 as −1, so a negative
   * stored value counts as "none". Without one, a young queue (min offset 0, still in
   * memory) answers 0 so a new group reads it from the start, as Java does.
   */
  readonly query = (request: RemotingCommand): RemotingCommand => {
    const decoded = decodeHeader(QueryConsumerOffsetRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    const h = decoded.value;
    const offset = this.deps.offsets.query(h.consumerGroup, h.topic, h.queueId);
    if (offset >= 0) return offsetResponse(request, offset);
    const { store } = this.deps;
    if (
      h.setZeroIfNotFound !== false &&
      store.getMinOffsetInQueue(h.topic, h.queueId) <= 0 &&
      store.checkInMemByConsumeOffset(h.topic, h.queueId, 0)
    ) {
      return offsetResponse(request, 0);
    }
    return reply(
      request,
      ResponseCode.QUERY_NOT_FOUND,
      'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first',
    );
  };

  readonly update = (request: RemotingCommand): RemotingCommand => {
    const decoded = decodeHeader(UpdateConsumerOffsetRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    const h = decoded.value;
    if (this.deps.groups.get(h.consumerGroup) === undefined) {
      return reply(
        request,
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group [${h.consumerGroup}] does not exist, ${FAQ_URL}`,
      );
    }
    if (this.deps.topics.get(h.topic) === undefined) {
      return reply(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist, apply first please!`);
    }
    this.deps.offsets.commit(h.consumerGroup, h.topic, h.queueId, h.commitOffset);
    return createResponse(request, ResponseCode.SUCCESS);
  };

  readonly searchByTimestamp = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const decoded = decodeHeader(SearchOffsetRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    const h = decoded.value;
    const boundary = h.boundaryType?.toLowerCase() === 'upper' ? 'upper' : 'lower';
    const offset = await this.deps.store.getOffsetInQueueByTime(h.topic, h.queueId, h.timestamp, boundary);
    return offsetResponse(request, offset);
  };

  readonly maxOffset = (request: RemotingCommand): RemotingCommand => {
    const decoded = decodeHeader(GetMaxOffsetRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    return offsetResponse(request, this.deps.store.getMaxOffsetInQueue(decoded.value.topic, decoded.value.queueId));
  };

  readonly minOffset = (request: RemotingCommand): RemotingCommand => {
    const decoded = decodeHeader(TopicQueueRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    return offsetResponse(request, this.deps.store.getMinOffsetInQueue(decoded.value.topic, decoded.value.queueId));
  };

  readonly earliestMsgStoreTime = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const decoded = decodeHeader(TopicQueueRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    const timestamp = await this.deps.store.getEarliestMessageTime(decoded.value.topic, decoded.value.queueId);
    return createResponse(
      request,
      ResponseCode.SUCCESS,
      undefined,
      GetEarliestMsgStoretimeResponseHeader.encode({ timestamp }),
    );
  };
}
