import { randomUUID } from 'node:crypto';
import {
  decodeProperties,
  type HeaderType,
  inflateBoundedSync,
  MAX_INFLATED_MESSAGE_BYTES,
  MessageConst,
  MessageSysFlag,
  REPLY_MESSAGE_FLAG,
  type ReplyMessageRequestHeader,
  replyTopicOf,
} from '@rocketmq-ts/protocol';
import { ClientErrorCode, illegalArgument, MQBrokerError, MQClientError } from '../errors.js';
import type { Message, MessageExt, SendResult } from '../message.js';

// Request-reply (RocketMQ's Producer.request): the requester sends a message carrying
// CORRELATION_ID, REPLY_TO_CLIENT (its clientId) and TTL; a consumer answers it with
// createReplyMessage(), sent by any producer (it goes out as SEND_REPLY_MESSAGE_V2); the broker
// pushes the reply to the requester's connection (PUSH_REPLY_MESSAGE_TO_CLIENT), where the
// table below hands it to the waiting request() by its correlation id.

/** Waiting requests of one client, by correlation id (Java's RequestFutureHolder). */
export class RequestFutureTable {
  private readonly waiting = new Map<string, (msg: MessageExt) => void>();

  /** Registers `correlationId`; `complete` receives its reply. Returns the unregister function. */
  add(correlationId: string, complete: (msg: MessageExt) => void): () => void {
    this.waiting.set(correlationId, complete);
    return () => {
      if (this.waiting.get(correlationId) === complete) this.waiting.delete(correlationId);
    };
  }

  /**
   * Hands a pushed reply to its request. False when no request waits for it (timed out,
   * answered twice, or never ours): the reply is dropped.
   */
  complete(reply: MessageExt): boolean {
    const id = reply.properties.get(MessageConst.PROPERTY_CORRELATION_ID);
    const complete = id === undefined ? undefined : this.waiting.get(id);
    if (id === undefined || complete === undefined) return false;
    this.waiting.delete(id);
    complete(reply);
    return true;
  }

  get size(): number {
    return this.waiting.size;
  }
}

/**
 * The reply to `request` (a received request message) with `body`, as Java's
 * MessageUtil.createReplyMessage: to `<cluster>_REPLY_TOPIC` of the cluster that stored the
 * request, with its correlation id, requester and TTL. Send it with any running Producer.
 */
export function createReplyMessage(request: MessageExt, body: Buffer | string): Message {
  const cluster = request.properties.get(MessageConst.PROPERTY_CLUSTER);
  if (cluster === undefined) {
    throw new MQClientError(
      `create reply message fail, requestMessage error, property[${MessageConst.PROPERTY_CLUSTER}] is null.`,
      { code: ClientErrorCode.CREATE_REPLY_MESSAGE },
    );
  }
  const properties: Record<string, string> = { [MessageConst.PROPERTY_MESSAGE_TYPE]: REPLY_MESSAGE_FLAG };
  for (const name of [
    MessageConst.PROPERTY_CORRELATION_ID,
    MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT,
    MessageConst.PROPERTY_MESSAGE_TTL,
  ]) {
    const v = request.properties.get(name);
    if (v !== undefined) properties[name] = v;
  }
  return { topic: replyTopicOf(cluster), body, properties };
}

/** What requestReply needs from the producer. */
export interface Requester {
  readonly clientId: string;
  readonly replies: RequestFutureTable;
  /** Route known and brokers heartbeated, so a broker handling the reply knows the connection. */
  prepare(topic: string): Promise<void>;
  send(msg: Message, timeoutMs: number): Promise<SendResult>;
}

/**
 * Sends `msg` as a request and resolves with its reply, or fails once `timeoutMs` (send
 * included) is over: REQUEST_TIMEOUT after a successful send (Java's wording), TIMEOUT when
 * the send itself did not finish. The waiting entry is removed either way, so a late reply
 * finds none and is dropped.
 */
export async function requestReply(r: Requester, msg: Message, timeoutMs: number): Promise<MessageExt> {
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw illegalArgument(`bad request timeout ${timeoutMs}`);
  const begin = Date.now();
  const left = () => Math.max(1, timeoutMs - (Date.now() - begin));
  const correlationId = randomUUID();
  const request: Message = {
    ...msg,
    properties: {
      ...msg.properties,
      [MessageConst.PROPERTY_CORRELATION_ID]: correlationId,
      [MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT]: r.clientId,
      [MessageConst.PROPERTY_MESSAGE_TTL]: String(timeoutMs),
    },
  };
  await r.prepare(msg.topic);
  let complete!: (reply: MessageExt) => void;
  const replied = new Promise<MessageExt>((resolve) => {
    complete = resolve;
  });
  const unregister = r.replies.add(correlationId, complete);
  let timer: NodeJS.Timeout | undefined;
  let sent = false;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        sent
          ? new MQClientError(
              `send request message to <${msg.topic}> OK, but wait reply message timeout, ${timeoutMs} ms.`,
              { code: ClientErrorCode.REQUEST_TIMEOUT },
            )
          : new MQClientError(`send request message to <${msg.topic}> fail: no answer in ${timeoutMs} ms`, {
              code: ClientErrorCode.TIMEOUT,
              retriable: true,
            }),
      );
    }, left());
  });
  try {
    const sending = r.send(request, left()).then(
      () => {
        sent = true;
      },
      (e: unknown) => {
        throw new MQClientError(`send request message to <${msg.topic}> fail`, {
          code: e instanceof MQClientError || e instanceof MQBrokerError ? e.code : ClientErrorCode.SEND,
          cause: e,
        });
      },
    );
    // A fast replier may answer before the send's own response arrives.
    return await Promise.race([replied, expired, sending.then(() => Promise.race([replied, expired]))]);
  } finally {
    clearTimeout(timer);
    unregister();
  }
}

/** Whether a message to send is a reply (MSG_TYPE=reply): it goes out as SEND_REPLY_MESSAGE_V2. */
export const isReplyMessage = (msg: Message): boolean =>
  msg.properties?.[MessageConst.PROPERTY_MESSAGE_TYPE] === REPLY_MESSAGE_FLAG;

/** A pushed reply (PUSH_REPLY_MESSAGE_TO_CLIENT) as a received message; ARRIVE_TIME added, body inflated. */
export function replyFromPush(
  h: HeaderType<typeof ReplyMessageRequestHeader>,
  body: Buffer,
  receivedAt: number,
): MessageExt {
  const properties = new Map(decodeProperties(h.properties ?? ''));
  properties.set(MessageConst.PROPERTY_REPLY_MESSAGE_ARRIVE_TIME, String(receivedAt));
  let bytes = body;
  if ((h.sysFlag & MessageSysFlag.COMPRESSED_FLAG) !== 0) {
    const inflated = inflateBoundedSync(body, MAX_INFLATED_MESSAGE_BYTES);
    if (inflated.ok) bytes = inflated.value;
  }
  const keys = properties.get(MessageConst.PROPERTY_KEYS);
  return {
    topic: h.topic,
    body: bytes,
    tags: properties.get(MessageConst.PROPERTY_TAGS),
    keys: keys ? keys.split(MessageConst.KEY_SEPARATOR) : [],
    msgId: properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? '',
    offsetMsgId: '',
    queueId: h.queueId,
    brokerName: '',
    queueOffset: 0,
    commitLogOffset: 0,
    sysFlag: h.sysFlag,
    flag: h.flag,
    bornTimestamp: h.bornTimestamp,
    bornHost: h.bornHost,
    storeTimestamp: h.storeTimestamp,
    storeHost: h.storeHost,
    reconsumeTimes: h.reconsumeTimes ?? 0,
    preparedTransactionOffset: 0,
    properties,
  };
}
