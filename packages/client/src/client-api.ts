import type { Result } from '@rocketmq-ts/common';
import {
  ConsumerGroupRequestHeader,
  ConsumerSendMsgBackRequestHeader,
  createRequest,
  decodeConsumerListBody,
  decodeLockBatchResponseBody,
  decodeTopicRouteData,
  encodeHeartbeat,
  encodeJsonBody,
  GetMaxOffsetRequestHeader,
  type HeaderSchema,
  type HeaderType,
  type HeartbeatData,
  type MessageQueue,
  OffsetResponseHeader,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  QueryConsumerOffsetRequestHeader,
  RecallMessageRequestHeader,
  RecallMessageResponseHeader,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  SearchOffsetRequestHeader,
  SendMessageRequestHeaderV2,
  SendMessageResponseHeader,
  TopicQueueRequestHeader,
  type TopicRouteData,
  UnregisterClientRequestHeader,
  UpdateConsumerOffsetRequestHeader,
} from '@rocketmq-ts/protocol';
import { brokerError, ClientErrorCode, MQClientError, toClientError } from './errors.js';
import type { SendResult, SendStatus } from './message.js';
import type { ClientTransport } from './transport.js';

export type SendHeader = HeaderType<typeof SendMessageRequestHeaderV2>;
export type PullHeader = HeaderType<typeof PullMessageRequestHeader>;

export type PullStatus = 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';

export interface RawPullResult {
  status: PullStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  suggestWhichBrokerId: number;
  body: Buffer | undefined;
}

const SEND_STATUS: Record<number, SendStatus> = {
  [ResponseCode.SUCCESS]: 'SEND_OK',
  [ResponseCode.FLUSH_DISK_TIMEOUT]: 'FLUSH_DISK_TIMEOUT',
  [ResponseCode.FLUSH_SLAVE_TIMEOUT]: 'FLUSH_SLAVE_TIMEOUT',
  [ResponseCode.SLAVE_NOT_AVAILABLE]: 'SLAVE_NOT_AVAILABLE',
};

const PULL_STATUS: Record<number, PullStatus> = {
  [ResponseCode.SUCCESS]: 'FOUND',
  [ResponseCode.PULL_NOT_FOUND]: 'NO_NEW_MSG',
  [ResponseCode.PULL_RETRY_IMMEDIATELY]: 'NO_MATCHED_MSG',
  [ResponseCode.PULL_OFFSET_MOVED]: 'OFFSET_ILLEGAL',
};

export function decodeHeader<T>(schema: HeaderSchema<T>, addr: string, response: RemotingCommand): T {
  const r = schema.decode(response.extFields);
  return decodedOrThrow(addr, r.ok ? r : { ok: false, error: r.error.message });
}

/** A decoded response part, or the client's BAD_RESPONSE error naming what was wrong. */
function decodedOrThrow<T>(addr: string, r: Result<T, string>): T {
  if (!r.ok) throw new MQClientError(`bad response from ${addr}: ${r.error}`, { code: ClientErrorCode.BAD_RESPONSE });
  return r.value;
}

export function request<T>(code: number, schema?: HeaderSchema<T>, header?: T, body?: Buffer): RemotingCommand {
  const cmd = createRequest(code, schema && header !== undefined ? schema.encode(header) : undefined, body);
  cmd.language = 'NODE_JS';
  return cmd;
}

/**
 * The requests a client sends, one method each (Java's MQClientAPIImpl): build the command,
 * invoke, translate the response code through the error table.
 */
export class ClientAPI {
  constructor(
    readonly transport: ClientTransport,
    readonly timeoutMs: number,
  ) {}

  async invoke(addr: string, cmd: RemotingCommand, timeoutMs = this.timeoutMs): Promise<RemotingCommand> {
    try {
      return await this.transport.invoke(addr, cmd, timeoutMs);
    } catch (e) {
      throw toClientError(e);
    }
  }

  /** Invoke and require SUCCESS. */
  async invokeOk(addr: string, cmd: RemotingCommand, timeoutMs = this.timeoutMs): Promise<RemotingCommand> {
    const r = await this.invoke(addr, cmd, timeoutMs);
    if (r.code !== ResponseCode.SUCCESS) throw brokerError(addr, r);
    return r;
  }

  async oneway(addr: string, cmd: RemotingCommand): Promise<void> {
    try {
      await this.transport.invokeOneway(addr, cmd);
    } catch (e) {
      throw toClientError(e);
    }
  }

  /** GET_ROUTEINFO_BY_TOPIC; undefined when the NameServer says TOPIC_NOT_EXIST. */
  async getTopicRoute(addr: string, topic: string, timeoutMs?: number): Promise<TopicRouteData | undefined> {
    const cmd = request(RequestCode.GET_ROUTEINFO_BY_TOPIC);
    cmd.extFields.topic = topic;
    cmd.extFields.acceptStandardJsonOnly = 'true';
    const r = await this.invoke(addr, cmd, timeoutMs);
    if (r.code === ResponseCode.TOPIC_NOT_EXIST) return undefined;
    if (r.code !== ResponseCode.SUCCESS) throw brokerError(addr, r);
    const route = decodeTopicRouteData(r.body ?? Buffer.alloc(0));
    if (!route.ok)
      throw new MQClientError(`bad route from ${addr}: ${route.error}`, { code: ClientErrorCode.BAD_RESPONSE });
    return route.value;
  }

  async sendMessage(
    addr: string,
    mq: MessageQueue,
    header: SendHeader,
    body: Buffer,
    msgId: string,
    timeoutMs: number,
    reply = false,
  ): Promise<SendResult> {
    const code = header.batch
      ? RequestCode.SEND_BATCH_MESSAGE
      : reply
        ? RequestCode.SEND_REPLY_MESSAGE_V2
        : RequestCode.SEND_MESSAGE_V2;
    const r = await this.invoke(addr, request(code, SendMessageRequestHeaderV2, header, body), timeoutMs);
    const sendStatus = SEND_STATUS[r.code];
    if (sendStatus === undefined) throw brokerError(addr, r);
    const h = decodeHeader(SendMessageResponseHeader, addr, r);
    return {
      sendStatus,
      msgId,
      offsetMsgId: h.msgId,
      messageQueue: { topic: mq.topic, brokerName: mq.brokerName, queueId: h.queueId },
      queueOffset: h.queueOffset,
      transactionId: h.transactionId,
      regionId: r.extFields.MSG_REGION,
      traceOn: r.extFields.TRACE_ON === undefined ? undefined : r.extFields.TRACE_ON !== 'false',
      ...(h.recallHandle ? { recallHandle: h.recallHandle } : {}),
    };
  }

  /** RECALL_MESSAGE (RocketMQ 5.3): resolves to the recalled message's id. */
  async recallMessage(
    addr: string,
    header: { producerGroup: string; topic: string; recallHandle: string },
    timeoutMs: number,
  ): Promise<string> {
    const r = await this.invoke(
      addr,
      request(RequestCode.RECALL_MESSAGE, RecallMessageRequestHeader, header),
      timeoutMs,
    );
    if (r.code !== ResponseCode.SUCCESS) throw brokerError(addr, r);
    return decodeHeader(RecallMessageResponseHeader, addr, r).msgId;
  }

  async sendMessageOneway(addr: string, header: SendHeader, body: Buffer): Promise<void> {
    const code = header.batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2;
    await this.oneway(addr, request(code, SendMessageRequestHeaderV2, header, body));
  }

  async pullMessage(addr: string, header: PullHeader, timeoutMs: number, lite = false): Promise<RawPullResult> {
    const code = lite ? RequestCode.LITE_PULL_MESSAGE : RequestCode.PULL_MESSAGE;
    const r = await this.invoke(addr, request(code, PullMessageRequestHeader, header), timeoutMs);
    const status = PULL_STATUS[r.code];
    if (status === undefined) throw brokerError(addr, r);
    const h = decodeHeader(PullMessageResponseHeader, addr, r);
    return {
      status,
      nextBeginOffset: h.nextBeginOffset,
      minOffset: h.minOffset,
      maxOffset: h.maxOffset,
      suggestWhichBrokerId: h.suggestWhichBrokerId,
      body: r.body,
    };
  }

  /** QUERY_CONSUMER_OFFSET; -1 when the broker has none for the group. */
  async queryConsumerOffset(addr: string, group: string, mq: MessageQueue): Promise<number> {
    const r = await this.invoke(
      addr,
      request(RequestCode.QUERY_CONSUMER_OFFSET, QueryConsumerOffsetRequestHeader, {
        consumerGroup: group,
        topic: mq.topic,
        queueId: mq.queueId,
      }),
    );
    if (r.code === ResponseCode.QUERY_NOT_FOUND) return -1;
    if (r.code !== ResponseCode.SUCCESS) throw brokerError(addr, r);
    return decodeHeader(OffsetResponseHeader, addr, r).offset;
  }

  async updateConsumerOffset(addr: string, group: string, mq: MessageQueue, offset: number): Promise<void> {
    await this.invokeOk(
      addr,
      request(RequestCode.UPDATE_CONSUMER_OFFSET, UpdateConsumerOffsetRequestHeader, {
        consumerGroup: group,
        topic: mq.topic,
        queueId: mq.queueId,
        commitOffset: offset,
      }),
    );
  }

  private async offsetCall(addr: string, cmd: RemotingCommand): Promise<number> {
    return decodeHeader(OffsetResponseHeader, addr, await this.invokeOk(addr, cmd)).offset;
  }

  getMaxOffset(addr: string, mq: MessageQueue): Promise<number> {
    const h = { topic: mq.topic, queueId: mq.queueId, committed: true };
    return this.offsetCall(addr, request(RequestCode.GET_MAX_OFFSET, GetMaxOffsetRequestHeader, h));
  }

  getMinOffset(addr: string, mq: MessageQueue): Promise<number> {
    const h = { topic: mq.topic, queueId: mq.queueId };
    return this.offsetCall(addr, request(RequestCode.GET_MIN_OFFSET, TopicQueueRequestHeader, h));
  }

  searchOffset(addr: string, mq: MessageQueue, timestamp: number): Promise<number> {
    const h = { topic: mq.topic, queueId: mq.queueId, timestamp, boundaryType: 'lower' };
    return this.offsetCall(addr, request(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, SearchOffsetRequestHeader, h));
  }

  /** Ids of the group's live members, as the broker knows them; empty when none. */
  async getConsumerIdList(addr: string, group: string): Promise<string[]> {
    const r = await this.invoke(
      addr,
      request(RequestCode.GET_CONSUMER_LIST_BY_GROUP, ConsumerGroupRequestHeader, { consumerGroup: group }),
    );
    if (r.code === ResponseCode.SYSTEM_ERROR && /no consumer/i.test(r.remark ?? '')) return [];
    if (r.code !== ResponseCode.SUCCESS) throw brokerError(addr, r);
    return decodedOrThrow(addr, decodeConsumerListBody(r.body)).consumerIdList;
  }

  async consumerSendMessageBack(
    addr: string,
    group: string,
    commitLogOffset: number,
    delayLevel: number,
    originMsgId: string,
    originTopic: string,
    maxReconsumeTimes: number,
  ): Promise<void> {
    await this.invokeOk(
      addr,
      request(RequestCode.CONSUMER_SEND_MSG_BACK, ConsumerSendMsgBackRequestHeader, {
        offset: commitLogOffset,
        group,
        delayLevel,
        originMsgId,
        originTopic,
        unitMode: false,
        maxReconsumeTimes,
      }),
    );
  }

  async lockBatchMQ(addr: string, group: string, clientId: string, mqs: MessageQueue[]): Promise<MessageQueue[]> {
    const body = encodeJsonBody({ consumerGroup: group, clientId, onlyThisBroker: false, mqSet: mqs });
    const r = await this.invokeOk(addr, request(RequestCode.LOCK_BATCH_MQ, undefined, undefined, body));
    return decodedOrThrow(addr, decodeLockBatchResponseBody(r.body)).lockOKMQSet;
  }

  async unlockBatchMQ(addr: string, group: string, clientId: string, mqs: MessageQueue[]): Promise<void> {
    const body = encodeJsonBody({ consumerGroup: group, clientId, onlyThisBroker: false, mqSet: mqs });
    await this.invokeOk(addr, request(RequestCode.UNLOCK_BATCH_MQ, undefined, undefined, body));
  }

  async heartbeat(addr: string, data: HeartbeatData): Promise<void> {
    await this.invokeOk(addr, request(RequestCode.HEART_BEAT, undefined, undefined, encodeHeartbeat(data)));
  }

  async unregisterClient(
    addr: string,
    clientID: string,
    producerGroup?: string,
    consumerGroup?: string,
  ): Promise<void> {
    await this.invokeOk(
      addr,
      request(RequestCode.UNREGISTER_CLIENT, UnregisterClientRequestHeader, { clientID, producerGroup, consumerGroup }),
    );
  }
}
