import type { Logger } from '@rocketmq-ts/common';
import {
  AUTO_CREATE_TOPIC_KEY_TOPIC,
  decodeRecallHandle,
  encodeBatchBody,
  isRetryTopic,
  MessageConst,
  type MessageQueue,
  MessageSysFlag,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
  ResponseCode,
  UniqKeyGenerator,
} from '@rocketmq-ts/protocol';
import type { SendHeader } from '../client-api.js';
import { type ClientOptions, resolveClientConfig } from '../client-config.js';
import { MQClientInstance, type ProducerInner, type TransportFactory } from '../client-instance.js';
import { createDefaultTransport } from '../default-transport.js';
import { ClientErrorCode, illegalArgument, isNoAnswer, MQBrokerError, MQClientError, notRunning } from '../errors.js';
import type { Message, MessageExt, SendResult } from '../message.js';
import { TraceDispatcher } from '../trace/trace-dispatcher.js';
import { endTransactionRecord, pubRecord, type TraceOptions, traceTopicOf } from '../trace/trace-hooks.js';
import { FaultStrategy } from './fault-strategy.js';
import {
  bodyBytes,
  buildProperties,
  encodeBatch,
  isTimerMessage,
  maybeCompress,
  validateMessage,
  validateTopic,
} from './message-encode.js';
import { type BatchSender, PendingSend, ProduceAccumulator } from './produce-accumulator.js';
import type { MessageQueueSelector } from './queue-selector.js';
import { isReplyMessage, requestReply } from './request-reply.js';
import {
  type CheckTransactionHeader,
  commitOrRollbackOf,
  endAfterSend,
  endTransaction,
  type LocalTransactionState,
  type TransactionListener,
  type TransactionSendResult,
} from './transaction.js';

export interface ProducerOptions extends ClientOptions, TraceOptions {
  /** Default `DEFAULT_PRODUCER`. */
  producerGroup?: string;
  /** Whole-send timeout including retries (ms), default 3000. */
  sendMsgTimeoutMs?: number;
  /** Extra attempts, on another broker when possible, after a failed send; default 2. */
  retryTimesWhenSendFailed?: number;
  /** Bodies larger than this (bytes) are zlib-compressed; default 4096. -1 disables. */
  compressMsgBodyOverHowmuch?: number;
  /** Template topic for auto-creation, default `TBW102`. */
  createTopicKey?: string;
  /** Queues an auto-created topic gets per broker, default 4. */
  defaultTopicQueueNums?: number;
  /** Skip brokers that were slow or failing (default true). */
  sendLatencyFaultEnable?: boolean;
  /** Retry on another broker when the status is not SEND_OK (default false). */
  retryAnotherBrokerWhenNotStoreOK?: boolean;
  /**
   * Auto-batching (default false, as in Java): concurrent `send` calls to one topic leave as
   * one SEND_BATCH_MESSAGE, each caller still getting its own SendResult. Sends made in one
   * event-loop turn leave together at its end, a lone send alone (see produce-accumulator.ts). Not batched: sends with a queue or selector, delayed messages,
   * `waitStoreMsgOK: false`, retry topics, and bodies large enough to be compressed.
   */
  autoBatch?: boolean;
  /** Longest a batch waits while 8 requests to its topic are in flight (ms, 1…30000); default 10. */
  batchMaxDelayMs?: number;
  /** A batch leaves once it holds this many bytes (1 B…2 MiB); default 32 KiB. */
  batchMaxBytes?: number;
  /** Bytes held by auto-batching over all topics before sends bypass it; default 32 MiB. */
  totalBatchMaxBytes?: number;
  /** Enables sendMessageInTransaction and answers the broker's transaction checks. */
  transactionListener?: TransactionListener;
  /** For tests and embedding: how the transport is made. */
  transportFactory?: TransportFactory;
}

export interface SendOptions<A = unknown> {
  timeoutMs?: number;
  /** Send to exactly this queue (no retry elsewhere). */
  queue?: MessageQueue;
  /** Ordered send: the selector picks the queue from `arg` (no retry elsewhere). */
  selector?: MessageQueueSelector<A>;
  arg?: A;
}

type State = 'created' | 'running' | 'closed';

/**
 * Sends messages. `send` resolves once the broker stored the message (or after the last
 * retry failed); `sendOneway` resolves once the request is written; `sendBatch` stores
 * several messages of one topic in one request.
 */
export class Producer implements ProducerInner {
  readonly group: string;
  private readonly options: Required<
    Pick<
      ProducerOptions,
      | 'sendMsgTimeoutMs'
      | 'retryTimesWhenSendFailed'
      | 'compressMsgBodyOverHowmuch'
      | 'createTopicKey'
      | 'defaultTopicQueueNums'
      | 'retryAnotherBrokerWhenNotStoreOK'
    >
  >;
  private readonly instance: MQClientInstance;
  private readonly fault: FaultStrategy;
  private readonly uniq: UniqKeyGenerator;
  private readonly topics = new Set<string>();
  /** Topics request() has prepared (route known, brokers heartbeated). */
  private readonly requestTopics = new Set<string>();
  private readonly transactionListener: TransactionListener | undefined;
  private readonly accumulator: ProduceAccumulator | undefined;
  /** Message trace: the dispatcher and the producer that writes the trace topic. */
  private readonly trace: { dispatcher: TraceDispatcher; producer: Producer } | undefined;
  private state: State = 'created';

  constructor(options: ProducerOptions = {}) {
    const config = resolveClientConfig(options);
    this.group = options.producerGroup ?? 'DEFAULT_PRODUCER';
    this.options = {
      sendMsgTimeoutMs: options.sendMsgTimeoutMs ?? 3000,
      retryTimesWhenSendFailed: options.retryTimesWhenSendFailed ?? 2,
      compressMsgBodyOverHowmuch: options.compressMsgBodyOverHowmuch ?? 4096,
      createTopicKey: options.createTopicKey ?? AUTO_CREATE_TOPIC_KEY_TOPIC,
      defaultTopicQueueNums: options.defaultTopicQueueNums ?? 4,
      retryAnotherBrokerWhenNotStoreOK: options.retryAnotherBrokerWhenNotStoreOK ?? false,
    };
    this.fault = new FaultStrategy(options.sendLatencyFaultEnable ?? true);
    this.transactionListener = options.transactionListener;
    this.uniq = new UniqKeyGenerator(config.clientIP);
    if (options.autoBatch) this.accumulator = new ProduceAccumulator(batchSettings(options), this.batchSender());
    this.instance = MQClientInstance.acquire(config, options.transportFactory ?? createDefaultTransport);
    if (options.enableTrace) this.trace = traceProducer(options, this.group, this.instance.logger);
  }

  get clientId(): string {
    return this.instance.clientId;
  }

  publishTopics(): Iterable<string> {
    return this.topics;
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw illegalArgument(`producer is ${this.state}`);
    this.instance.registerProducer(this);
    this.instance.start();
    this.state = 'running';
    await this.trace?.producer.start();
  }

  /** Unregisters from the brokers and closes the shared core when this was its last user. */
  async shutdown(): Promise<void> {
    if (this.state === 'closed') return;
    const wasRunning = this.state === 'running';
    this.state = 'closed';
    // Messages the accumulator holds were accepted by send(): they leave before we unregister.
    if (this.accumulator) await this.accumulator.drain();
    if (this.trace) {
      await this.trace.dispatcher.flush();
      await this.trace.producer.shutdown();
    }
    if (wasRunning) {
      await this.instance.unregisterProducerEverywhere(this.group);
    }
    await this.instance.release();
  }

  /** Same as shutdown(). */
  close(): Promise<void> {
    return this.shutdown();
  }

  /** Writable queues of a topic, e.g. to pick one yourself. */
  async fetchPublishMessageQueues(topic: string): Promise<MessageQueue[]> {
    this.ensureRunning();
    const info = await this.instance.getPublishInfo(
      topic,
      this.options.createTopicKey,
      this.options.defaultTopicQueueNums,
    );
    return [...info.queues];
  }

  send<A>(msg: Message, opts: SendOptions<A> = {}): Promise<SendResult> {
    const trace = this.trace;
    if (trace === undefined) return this.sendUntraced(msg, opts);
    const startedAt = Date.now();
    return this.sendUntraced(msg, opts).then((r) => {
      const type = msg.delayTimeLevel !== undefined && msg.delayTimeLevel > 0 ? 'Delay_Msg' : 'Normal_Msg';
      this.tracePub(msg, r, startedAt, type);
      return r;
    });
  }

  private tracePub(
    msg: Message,
    r: SendResult,
    startedAt: number,
    type: 'Normal_Msg' | 'Delay_Msg' | 'Trans_Msg_Half',
  ) {
    const trace = this.trace;
    if (trace === undefined || msg.topic === trace.dispatcher.traceTopic) return;
    const storeHost = this.instance.masterAddr(r.messageQueue.brokerName) ?? '';
    const rec = pubRecord(this.group, msg, bodyBytes(msg.body).length, r, storeHost, startedAt, type);
    if (rec) trace.dispatcher.append(rec);
  }

  // Not `async`: on the auto-batching path that would wrap the caller's promise in a second one.
  private sendUntraced<A>(msg: Message, opts: SendOptions<A>): Promise<SendResult> {
    let body: Buffer;
    let uniqKey: string;
    let properties: string;
    try {
      this.ensureRunning();
      body = bodyBytes(msg.body);
      validateMessage(msg, body);
      uniqKey = this.uniq.next();
      properties = buildProperties(msg, uniqKey);
    } catch (e) {
      return Promise.reject(e);
    }
    const acc = this.accumulator;
    if (acc !== undefined && this.batchable(msg, body, opts)) {
      const timeoutMs = opts.timeoutMs ?? this.options.sendMsgTimeoutMs;
      const flag = msg.flag ?? 0;
      return new Promise<SendResult>((resolve, reject) => {
        const pending = new PendingSend(body, properties, flag, uniqKey, timeoutMs, resolve, reject);
        if (!acc.add(msg.topic, pending)) this.sendPlain(msg, body, properties, uniqKey, opts).then(resolve, reject);
      });
    }
    return this.sendPlain(msg, body, properties, uniqKey, opts);
  }

  private sendPlain<A>(
    msg: Message,
    body: Buffer,
    properties: string,
    uniqKey: string,
    opts: SendOptions<A>,
  ): Promise<SendResult> {
    const enc = maybeCompress(body, this.options.compressMsgBodyOverHowmuch);
    const header = this.header(msg.topic, enc.sysFlag, msg.flag ?? 0, properties, false);
    return this.sendWithRetry(msg.topic, header, enc.body, uniqKey, opts, msg, isReplyMessage(msg));
  }

  /**
   * Request-reply: sends `msg` and resolves with the reply a consumer sent back for it (with
   * createReplyMessage), or fails after `timeoutMs` in all (send included) with code
   * REQUEST_TIMEOUT. A reply that comes later is dropped.
   */
  request(msg: Message, timeoutMs: number = this.options.sendMsgTimeoutMs): Promise<MessageExt> {
    try {
      this.ensureRunning();
    } catch (e) {
      return Promise.reject(e);
    }
    return requestReply(
      {
        clientId: this.clientId,
        replies: this.instance.replies,
        prepare: (topic) => this.prepareRequest(topic),
        send: (m, t) => this.send(m, { timeoutMs: t }),
      },
      msg,
      timeoutMs,
    );
  }

  /**
   * Java's prepareSendRequest: the first request to a topic fetches its route and heartbeats
   * every broker at once, so a broker handling the reply knows this client's connection.
   */
  private async prepareRequest(topic: string): Promise<void> {
    if (this.requestTopics.has(topic)) return;
    await this.instance.getPublishInfo(topic, this.options.createTopicKey, this.options.defaultTopicQueueNums);
    await this.instance.sendHeartbeatToAllBrokers();
    this.requestTopics.add(topic);
  }

  /** Java's canBatch, plus: a body the producer would compress is sent alone, compressed. */
  private batchable<A>(msg: Message, body: Buffer, opts: SendOptions<A>): boolean {
    if (opts.queue !== undefined || opts.selector !== undefined) return false;
    if (msg.delayTimeLevel !== undefined && msg.delayTimeLevel > 0) return false;
    // A timer message's send result carries its own recall handle.
    if (isTimerMessage(msg)) return false;
    if (msg.waitStoreMsgOK === false || isRetryTopic(msg.topic) || isReplyMessage(msg)) return false;
    if (msg.properties !== undefined && msg.properties[MessageConst.PROPERTY_PRODUCER_GROUP] !== undefined)
      return false;
    const over = this.options.compressMsgBodyOverHowmuch;
    return over < 0 || body.length <= over;
  }

  /** What the accumulator sends with: the ordinary send path, retries and fault avoidance included. */
  private batchSender(): BatchSender {
    return {
      sendOne: (topic, m) => {
        const header = this.header(topic, 0, m.flag, m.properties, false);
        return this.sendWithRetry(topic, header, m.body, m.uniqKey, { timeoutMs: m.timeoutMs });
      },
      sendBatch: (topic, msgs, timeoutMs) => {
        const header = this.header(topic, 0, 0, BATCH_WAIT, true);
        return this.sendWithRetry(topic, header, encodeBatchBody(msgs), '', { timeoutMs });
      },
    };
  }

  /**
   * Cancels a timer message before it fires by the recallHandle of its SendResult (RocketMQ
   * 5.3's recallMessage; the broker needs recallMessageEnable=true). Resolves to the message's
   * id; a handle whose time has passed is refused (ILLEGAL_OPERATION).
   */
  async recall(topic: string, recallHandle: string): Promise<string> {
    this.ensureRunning();
    validateTopic(topic);
    const handle = decodeRecallHandle(recallHandle);
    if (!handle.ok) throw illegalArgument(handle.error);
    const addr = await this.instance.requireMasterAddr(handle.value.brokerName, topic);
    return this.instance.api.recallMessage(
      addr,
      { producerGroup: this.group, topic, recallHandle },
      this.options.sendMsgTimeoutMs,
    );
  }

  /** Callback form of send, for code that prefers not to await. */
  sendAsync(msg: Message, callback: (err: Error | null, result?: SendResult) => void, opts?: SendOptions): void {
    this.send(msg, opts).then(
      (r) => callback(null, r),
      (e: unknown) => callback(e as Error),
    );
  }

  /** Fire and forget: resolves when the request is written; no retry, no result. */
  async sendOneway(msg: Message, opts: Pick<SendOptions, 'queue'> = {}): Promise<void> {
    this.ensureRunning();
    const body = bodyBytes(msg.body);
    validateMessage(msg, body);
    const enc = maybeCompress(body, this.options.compressMsgBodyOverHowmuch);
    const header = this.header(msg.topic, enc.sysFlag, msg.flag ?? 0, buildProperties(msg, this.uniq.next()), false);
    const mq = opts.queue ?? (await this.pickQueue(msg.topic, undefined));
    header.queueId = mq.queueId;
    const addr = await this.instance.requireMasterAddr(mq.brokerName, msg.topic);
    await this.instance.api.sendMessageOneway(addr, header, enc.body);
  }

  /**
   * Stores `msg` as a half message, runs the listener's local transaction with `arg`, then
   * commits or rolls the message back. UNKNOW (or a throw) leaves the decision to the
   * broker's later check. Consumers see the message only once committed.
   */
  async sendMessageInTransaction(msg: Message, arg?: unknown): Promise<TransactionSendResult> {
    this.ensureRunning();
    const listener = this.transactionListener;
    if (!listener) throw illegalArgument('sendMessageInTransaction needs the transactionListener option');
    if (msg.delayTimeLevel) throw illegalArgument('transactional messages cannot be delayed');
    const body = bodyBytes(msg.body);
    validateMessage(msg, body);
    const uniqKey = this.uniq.next();
    const properties = buildProperties(msg, uniqKey, {
      [MessageConst.PROPERTY_TRANSACTION_PREPARED]: 'true',
      [MessageConst.PROPERTY_PRODUCER_GROUP]: this.group,
    });
    const enc = maybeCompress(body, this.options.compressMsgBodyOverHowmuch);
    const sysFlag = enc.sysFlag | MessageSysFlag.TRANSACTION_PREPARED_TYPE;
    const header = this.header(msg.topic, sysFlag, msg.flag ?? 0, properties, false);
    const startedAt = Date.now();
    const result = await this.sendWithRetry(msg.topic, header, enc.body, uniqKey, {});
    this.tracePub(msg, result, startedAt, 'Trans_Msg_Half');
    let state: LocalTransactionState = 'ROLLBACK_MESSAGE';
    if (result.sendStatus === 'SEND_OK') {
      try {
        state = await listener.executeLocalTransaction(msg, arg);
      } catch (e) {
        this.instance.logger.warn({ err: e, msgId: uniqKey }, 'local transaction threw; left for the check');
        state = 'UNKNOW';
      }
    }
    try {
      await endAfterSend(this.instance, this.group, result, state);
      if (this.trace && result.sendStatus === 'SEND_OK') {
        const storeHost = this.instance.masterAddr(result.messageQueue.brokerName) ?? '';
        this.trace.dispatcher.append(endTransactionRecord(this.group, msg, result, storeHost, state, false));
      }
    } catch (e) {
      // The broker will ask later (CHECK_TRANSACTION_STATE); the send itself succeeded.
      this.instance.logger.warn({ err: e, msgId: uniqKey }, 'END_TRANSACTION failed');
    }
    return { ...result, localTransactionState: state };
  }

  /** Answers a CHECK_TRANSACTION_STATE the broker sent about one of our half messages. */
  async checkTransactionState(brokerAddr: string, h: CheckTransactionHeader, msg: MessageExt): Promise<void> {
    if (!this.transactionListener) return;
    let state: LocalTransactionState;
    try {
      state = await this.transactionListener.checkLocalTransaction(msg);
    } catch (e) {
      this.instance.logger.warn({ err: e, msgId: msg.msgId }, 'transaction check threw; answering UNKNOW');
      state = 'UNKNOW';
    }
    await endTransaction(this.instance, brokerAddr, {
      topic: h.topic,
      producerGroup: this.group,
      tranStateTableOffset: h.tranStateTableOffset,
      commitLogOffset: h.commitLogOffset,
      commitOrRollback: commitOrRollbackOf(state),
      fromTransactionCheck: true,
      msgId: h.msgId ?? msg.msgId,
      transactionId: h.transactionId ?? msg.msgId,
    });
    // Java's check path calls the end-transaction hook too (fromTransactionCheck=true), with
    // the region the broker stored in the half message.
    if (this.trace && msg.topic !== this.trace.dispatcher.traceTopic) {
      const ids = {
        msgId: msg.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? msg.msgId,
        transactionId:
          h.transactionId ?? msg.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? msg.msgId,
        regionId: msg.properties.get(MessageConst.PROPERTY_MSG_REGION) || undefined,
      };
      const tags = msg.tags;
      const rec = { topic: msg.topic, keys: msg.keys, ...(tags === undefined ? {} : { tags }) };
      this.trace.dispatcher.append(endTransactionRecord(this.group, rec, ids, brokerAddr, state, true));
    }
  }

  /** Sends messages of one topic in one request; msgId of the result joins their ids with `,`. */
  async sendBatch(msgs: readonly Message[], opts: SendOptions = {}): Promise<SendResult> {
    this.ensureRunning();
    const startedAt = Date.now();
    const { body, msgIds } = encodeBatch(msgs, () => this.uniq.next());
    const topic = msgs[0]!.topic;
    const header = this.header(topic, 0, 0, msgs[0]!.waitStoreMsgOK === false ? BATCH_NO_WAIT : BATCH_WAIT, true);
    const result = await this.sendWithRetry(topic, header, body, msgIds.join(','), opts, msgs[0]);
    // One Pub for the whole batch, as Java's hook sees a MessageBatch: no tags or keys, the
    // encoded batch's length, the joined ids.
    const trace = this.trace;
    if (trace !== undefined && topic !== trace.dispatcher.traceTopic) {
      const storeHost = this.instance.masterAddr(result.messageQueue.brokerName) ?? '';
      const rec = pubRecord(this.group, { topic }, body.length, result, storeHost, startedAt, 'Normal_Msg');
      if (rec) trace.dispatcher.append(rec);
    }
    return result;
  }

  private header(topic: string, sysFlag: number, flag: number, properties: string, batch: boolean): SendHeader {
    this.topics.add(topic);
    return {
      producerGroup: this.group,
      topic,
      defaultTopic: this.options.createTopicKey,
      defaultTopicQueueNums: this.options.defaultTopicQueueNums,
      queueId: 0,
      sysFlag,
      bornTimestamp: Date.now(),
      flag,
      properties,
      reconsumeTimes: 0,
      unitMode: false,
      batch: batch || undefined,
    };
  }

  private async pickQueue(topic: string, lastBroker: string | undefined): Promise<MessageQueue> {
    const info = await this.instance.getPublishInfo(
      topic,
      this.options.createTopicKey,
      this.options.defaultTopicQueueNums,
    );
    const mq = this.fault.select(info.queues, lastBroker);
    if (!mq) throw new MQClientError(`no writable queue for topic ${topic}`, { code: ClientErrorCode.NO_ROUTE });
    return mq;
  }

  /** `msg` is what a selector is shown; sends without a selector may omit it. */
  private async sendWithRetry<A>(
    topic: string,
    header: SendHeader,
    body: Buffer,
    msgId: string,
    opts: SendOptions<A>,
    msg?: Message,
    reply = false,
  ): Promise<SendResult> {
    const timeoutMs = opts.timeoutMs ?? this.options.sendMsgTimeoutMs;
    const begin = Date.now();
    const fixed = opts.queue !== undefined || opts.selector !== undefined;
    const attempts = fixed ? 1 : 1 + this.options.retryTimesWhenSendFailed;
    let lastBroker: string | undefined;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const left = timeoutMs - (Date.now() - begin);
      if (left <= 0) break;
      let mq: MessageQueue;
      if (opts.queue) mq = opts.queue;
      else if (opts.selector) {
        const info = await this.instance.getPublishInfo(
          topic,
          this.options.createTopicKey,
          this.options.defaultTopicQueueNums,
        );
        mq = opts.selector(info.queues, msg ?? { topic, body }, opts.arg as A);
      } else mq = await this.pickQueue(topic, lastBroker);
      lastBroker = mq.brokerName;
      header.queueId = mq.queueId;
      if (attempt > 0) header.bornTimestamp = Date.now();
      const start = Date.now();
      try {
        const addr = await this.instance.requireMasterAddr(mq.brokerName, topic);
        const result = await this.instance.api.sendMessage(addr, mq, { ...header }, body, msgId, left, reply);
        this.fault.update(mq.brokerName, Date.now() - start, false);
        if (
          result.sendStatus !== 'SEND_OK' &&
          this.options.retryAnotherBrokerWhenNotStoreOK &&
          attempt + 1 < attempts
        ) {
          continue;
        }
        return result;
      } catch (e) {
        lastError = e;
        this.fault.update(mq.brokerName, Date.now() - start, true);
        const noAnswer = isNoAnswer(e);
        const retriable = noAnswer || ((e instanceof MQClientError || e instanceof MQBrokerError) && e.retriable);
        if (!retriable) throw e;
        // A broker without the topic means our route is stale. A broker that did not answer
        // may be a master replaced by failover: re-read the route now (rate-limited per
        // topic), and when no other broker can take the retry, let it wait for the new route.
        // Answers with other codes are left to fault avoidance.
        if (e instanceof MQBrokerError && e.code === ResponseCode.TOPIC_NOT_EXIST)
          this.instance.invalidatePublishInfo(topic);
        else if (noAnswer) {
          const refreshed = this.instance.refreshRouteAfterFailure(topic);
          if (attempt + 1 < attempts && !(await this.otherBrokerAvailable(topic, mq.brokerName)))
            await within(refreshed, timeoutMs - (Date.now() - begin));
        }
      }
    }
    if (lastError) throw lastError;
    throw new MQClientError(`send to ${topic} timed out after ${timeoutMs} ms`, {
      code: ClientErrorCode.TIMEOUT,
      retriable: true,
    });
  }

  /** Whether a queue of `topic` on another broker, not in its penalty window, can take a retry. */
  private async otherBrokerAvailable(topic: string, failed: string): Promise<boolean> {
    const info = await this.instance
      .getPublishInfo(topic, this.options.createTopicKey, this.options.defaultTopicQueueNums)
      .catch(() => undefined);
    return info?.queues.some((q) => q.brokerName !== failed && this.fault.isAvailable(q.brokerName)) ?? false;
  }

  private ensureRunning(): void {
    if (this.state !== 'running') throw notRunning('producer');
  }
}

/** Waits for `p`, but no longer than `ms`. */
async function within(p: Promise<void>, ms: number): Promise<void> {
  if (ms <= 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

// A batch request's own properties, as Java's MessageBatch carries them (WAIT of its first
// message). Never empty: an empty-string header field cannot travel in a binary header, so
// the whole request (and the broker's answer) would fall back to JSON.
const BATCH_WAIT = `${MessageConst.PROPERTY_WAIT_STORE_MSG_OK}${NAME_VALUE_SEPARATOR}true${PROPERTY_SEPARATOR}`;
const BATCH_NO_WAIT = `${MessageConst.PROPERTY_WAIT_STORE_MSG_OK}${NAME_VALUE_SEPARATOR}false${PROPERTY_SEPARATOR}`;

/** Java's bounds: batchMaxDelayMs 1 ms…30 s, batchMaxBytes 1 B…2 MiB, totalBatchMaxBytes > 0. */
function batchSettings(o: ProducerOptions) {
  const delay = o.batchMaxDelayMs ?? 10;
  const bytes = o.batchMaxBytes ?? 32 * 1024;
  const total = o.totalBatchMaxBytes ?? 32 * 1024 * 1024;
  if (!Number.isInteger(delay) || delay < 1 || delay > 30_000)
    throw illegalArgument(`batchMaxDelayMs must be 1…30000 ms, got ${delay}`);
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 2 * 1024 * 1024)
    throw illegalArgument(`batchMaxBytes must be 1 B…2 MiB, got ${bytes}`);
  if (!(total > 0)) throw illegalArgument(`totalBatchMaxBytes must be positive, got ${total}`);
  return { batchMaxDelayMs: delay, batchMaxBytes: bytes, totalBatchMaxBytes: total };
}

/** The trace topic's own producer (Java's inner trace producer) and the dispatcher feeding it. */
export function traceProducer(
  options: ClientOptions & TraceOptions,
  group: string,
  logger: Logger,
): { dispatcher: TraceDispatcher; producer: Producer } {
  const producer = new Producer({
    ...options,
    enableTrace: false,
    autoBatch: false,
    transactionListener: undefined,
    producerGroup: `_INNER_TRACE_PRODUCER-${group}`,
    instanceName: 'PID_CLIENT_INNER_TRACE_PRODUCER',
  });
  const dispatcher = new TraceDispatcher({
    traceTopic: traceTopicOf(options),
    send: (m) => producer.send(m),
    logger,
  });
  return { dispatcher, producer };
}
