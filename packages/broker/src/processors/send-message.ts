import type { Clock, Logger } from '@rocketmq-ts/common';
import {
  createResponse,
  decodeBatchBody,
  dlqTopicOf,
  encodeRecallHandle,
  type HeaderType,
  isNotAllowedSendTopic,
  isRetryTopic,
  MessageConst,
  MessageSysFlag,
  MQVersion,
  Perm,
  RETRY_GROUP_TOPIC_PREFIX,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  RMQ_SYS_TRANS_HALF_TOPIC,
  SendMessageRequestHeader,
  SendMessageRequestHeaderV2,
  SendMessageResponseHeader,
  topicNameProblem,
  transactionType,
  withTransactionType,
} from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import type { MessageInput, MessageStore, PutMessageResult } from '@rocketmq-ts/store';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { MessageTypeIdx, type MessageTypeIndex } from '../metrics/broker-metrics.js';
import type { SubscriptionGroupRegistry, TopicView } from '../runtime/ports.js';
import { toScheduled } from '../schedule/delay-levels.js';
import { recallTimestampOf, type TimerPlacement } from '../timer/timer-message.js';
import type { TopicConfigManager } from '../topic/topic-config-manager.js';
import type { BrokerStats } from './broker-stats.js';
import {
  delayLevelOf,
  requestsTimer,
  scanSendProperties,
  stampProperties,
  TIMER_NOT_ENABLED,
  type TraceStamp,
  traceStamp,
  withProperty,
} from './message-rewrite.js';
import { decodeHeader, FAQ_URL, reply } from './request-util.js';
import { PUT_STATUS_TABLE } from './status-table.js';
import { TurnGate } from './turn-gate.js';

type SendHeader = HeaderType<typeof SendMessageRequestHeader>;

interface SendSettings {
  clusterName: string;
  brokerName: string;
  /** Read on every request: admin may change the broker permission at runtime. */
  brokerPermission(): number;
  maxMessageSize: number;
  delayLevelsMs: number[];
  rejectTransactionMessage: boolean;
  msgRegion: string;
  traceOn: boolean;
}

interface SendDeps {
  settings: SendSettings;
  topics: Pick<TopicConfigManager, 'get' | 'ensure' | 'createForSend'>;
  groups: Pick<SubscriptionGroupRegistry, 'getOrCreate'>;
  store: Pick<MessageStore, 'putMessage' | 'putMessages'>;
  nextUniqKey: () => string;
  stats: Pick<BrokerStats, 'addPut'>;
  /** Metrics counters (rocketmq_messages_in_total, ...); absent when metrics are disabled. */
  metrics?: Pick<BrokerMetrics, 'recordPut' | 'recordDlq'> | undefined;
  /** Orderly-consumption locks: a group holding any sends its retries straight to the DLQ. */
  locks?: { isLockAllExpired(group: string): boolean } | undefined;
  clock: Clock;
  logger: Logger;
  /** The timer wheel's send rule; absent = refused as with timerWheelEnable=false. */
  timer?: { place(msg: MessageInput, now: number): TimerPlacement } | undefined;
}

const EMPTY = Buffer.alloc(0);

export type Checked =
  | { ok: true; header: SendHeader; topic: TopicView; queueId: number }
  | { ok: false; response: RemotingCommand };

/**
 * SEND_MESSAGE (10), SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320): checks, broker-side
 * rewrites (retry → DLQ, delay → SCHEDULE_TOPIC_XXXX, transaction → half topic), append, and
 * the store status → response code translation. The body is handed to the store as the
 * slice of the request frame it arrived in.
 */
export class SendMessageProcessor {
  /** Bytes of send requests appended per loop turn (turn-gate.ts says why). */
  private readonly gate = new TurnGate();

  /** MSG_REGION / TRACE_ON stamped into every stored message (message-rewrite.ts). */
  private readonly trace: TraceStamp;

  constructor(private readonly deps: SendDeps) {
    this.trace = traceStamp(deps.settings.msgRegion, deps.settings.traceOn);
  }

  readonly handle = (request: RemotingCommand, conn: Connection): RemotingCommand | Promise<RemotingCommand> =>
    this.gate.pass(request.body?.length ?? 0, () => this.handleNow(request, conn));

  // The common send (existing topic, no retry, no transaction) runs synchronously up to the
  // store append and settles with one promise: no async frames per message (STYLE rule 13).
  private handleNow(request: RemotingCommand, conn: Connection): RemotingCommand | Promise<RemotingCommand> {
    const checked = this.check(request);
    if (checked instanceof Promise) return checked.then((c) => this.afterCheck(request, conn, c));
    return this.afterCheck(request, conn, checked);
  }

  private afterCheck(
    request: RemotingCommand,
    conn: Connection,
    checked: Checked,
  ): RemotingCommand | Promise<RemotingCommand> {
    if (!checked.ok) return checked.response;
    return request.code === RequestCode.SEND_BATCH_MESSAGE
      ? this.sendBatch(request, conn, checked.header, checked.topic, checked.queueId)
      : this.sendOne(request, conn, checked.header, checked.topic, checked.queueId);
  }

  /**
   * Java's msgCheck: permissions, topic name, existence (auto-create), queue id. Also what
   * SEND_REPLY_MESSAGE (324, V1 fields) and _V2 (325) are checked with.
   */
  check(request: RemotingCommand): Checked | Promise<Checked> {
    const { settings, topics } = this.deps;
    const v1 = request.code === RequestCode.SEND_MESSAGE || request.code === RequestCode.SEND_REPLY_MESSAGE;
    const schema = v1 ? SendMessageRequestHeader : SendMessageRequestHeaderV2;
    const decoded = decodeHeader(schema, request);
    if (!decoded.ok) return decoded;
    const h = decoded.value;
    if ((settings.brokerPermission() & Perm.WRITE) === 0) {
      return this.fail(
        request,
        ResponseCode.NO_PERMISSION,
        `the broker[${settings.brokerName}] sending message is forbidden`,
      );
    }
    const bad = topicNameProblem(h.topic);
    if (bad !== undefined) return this.fail(request, ResponseCode.INVALID_PARAMETER, bad);
    if (isNotAllowedSendTopic(h.topic)) {
      return this.fail(request, ResponseCode.NO_PERMISSION, `Sending message to topic[${h.topic}] is forbidden.`);
    }
    const topic = topics.get(h.topic);
    return topic === undefined ? this.checkCreated(request, h) : this.checkTopic(request, h, topic);
  }

  /** An unknown topic: auto-created from the default topic (or as a retry topic) if allowed. */
  private async checkCreated(request: RemotingCommand, h: SendHeader): Promise<Checked> {
    const { topics } = this.deps;
    let topic = await topics.createForSend(h.topic, h.defaultTopic, h.defaultTopicQueueNums, 0);
    if (topic === undefined && isRetryTopic(h.topic)) {
      topic = await topics.ensure(h.topic, 1, Perm.READ | Perm.WRITE);
    }
    if (topic === undefined) {
      return this.fail(
        request,
        ResponseCode.TOPIC_NOT_EXIST,
        `topic[${h.topic}] not exist, apply first please! ${FAQ_URL}`,
      );
    }
    return this.checkTopic(request, h, topic);
  }

  private checkTopic(request: RemotingCommand, h: SendHeader, topic: TopicView): Checked {
    if ((topic.perm & Perm.WRITE) === 0) {
      return this.fail(request, ResponseCode.NO_PERMISSION, `the topic[${h.topic}] sending message is forbidden`);
    }
    const limit = Math.max(topic.writeQueueNums, topic.readQueueNums);
    if (h.queueId >= limit) {
      return this.fail(
        request,
        ResponseCode.INVALID_PARAMETER,
        `request queueId[${h.queueId}] is illegal, ${h.topic} Producer: ${h.producerGroup}`,
      );
    }
    // A negative queue id lets the broker choose among the writable queues.
    const queueId = h.queueId < 0 ? Math.floor(Math.random() * Math.max(1, topic.writeQueueNums)) : h.queueId;
    return { ok: true, header: h, topic, queueId };
  }

  private fail(request: RemotingCommand, code: number, remark: string): Checked {
    return { ok: false, response: reply(request, code, remark) };
  }

  private sendOne(
    request: RemotingCommand,
    conn: Connection,
    h: SendHeader,
    topicConfig: TopicView,
    requestedQueueId: number,
  ): RemotingCommand | Promise<RemotingCommand> {
    const body = request.body ?? EMPTY;
    if (body.length > this.deps.settings.maxMessageSize) return this.tooBig(request, body.length);
    const topic = topicConfig.topicName;
    const props = h.properties ?? '';
    if (!isRetryTopic(topic)) return this.place(request, conn, h, body, topic, requestedQueueId, props);
    return this.retryOrDlq(request, h, topic, h.reconsumeTimes ?? 0).then((routed) => {
      if ('response' in routed) return routed.response;
      if (!routed.dlq) return this.place(request, conn, h, body, topic, requestedQueueId, props);
      const dlqProps = withProperty(props, MessageConst.PROPERTY_DELAY_TIME_LEVEL, '-1');
      this.deps.metrics?.recordDlq(topic.slice(RETRY_GROUP_TOPIC_PREFIX.length), 1);
      return this.place(request, conn, h, body, routed.topic, 0, dlqProps);
    });
  }

  /** Stamps the message, applies the transaction/delay rewrites and appends it. */
  private place(
    request: RemotingCommand,
    conn: Connection,
    h: SendHeader,
    body: Buffer,
    topic: string,
    queueId: number,
    propsIn: string,
  ): RemotingCommand | Promise<RemotingCommand> {
    const { settings, clock } = this.deps;
    const scanned = scanSendProperties(propsIn);
    const stamped = stampProperties(propsIn, settings.clusterName, this.deps.nextUniqKey, scanned, this.trace);
    const props = stamped.properties;
    const msg: MessageInput = {
      topic,
      queueId,
      flag: h.flag,
      body,
      properties: props,
      sysFlag: h.sysFlag,
      bornTimestamp: h.bornTimestamp,
      bornHost: conn.remoteAddress,
      reconsumeTimes: h.reconsumeTimes ?? 0,
      preparedTransactionOffset: 0,
    };
    if (scanned.transactionPrepared === 'true') return this.placeHalf(request, msg, queueId, stamped.uniqKey);
    const t = transactionType(msg.sysFlag);
    const level = delayLevelOf(props, scanned);
    const plain = t === MessageSysFlag.TRANSACTION_NOT_TYPE || t === MessageSysFlag.TRANSACTION_COMMIT_TYPE;
    // One indexOf for a plain send (requestsTimer), read once for both the timer rule and the
    // metrics type; the timer rule only for TIMER_* sends.
    const wantsTimer = level <= 0 && requestsTimer(props);
    if (plain && wantsTimer) {
      if (!this.deps.timer) return reply(request, ResponseCode.SYSTEM_ERROR, TIMER_NOT_ENABLED);
      const placed = this.deps.timer.place(msg, clock.now());
      if (placed.kind === 'refused') return reply(request, placed.code, placed.remark);
      if (placed.kind === 'parked') {
        const ts =
          request.code === RequestCode.SEND_BATCH_MESSAGE
            ? undefined
            : recallTimestampOf(placed.msg, placed.timerOutMs);
        const handle =
          ts === undefined
            ? undefined
            : encodeRecallHandle({ topic, brokerName: settings.brokerName, timestamp: ts, messageId: stamped.uniqKey });
        return this.put(request, placed.msg, queueId, stamped.uniqKey, topic, MessageTypeIdx.DELAY, handle);
      }
    }
    const scheduled =
      level > 0 && plain && settings.delayLevelsMs.length > 0
        ? toScheduled(msg, level, settings.delayLevelsMs, clock.now())
        : msg;
    const type = level > 0 || wantsTimer ? MessageTypeIdx.DELAY : MessageTypeIdx.NORMAL;
    return this.put(request, scheduled, queueId, stamped.uniqKey, topic, type);
  }

  /** Half message: parked in RMQ_SYS_TRANS_HALF_TOPIC and not consumable until committed. */
  private placeHalf(
    request: RemotingCommand,
    msg: MessageInput,
    queueId: number,
    uniqKey: string,
  ): RemotingCommand | Promise<RemotingCommand> {
    const { settings } = this.deps;
    if (settings.rejectTransactionMessage) {
      return reply(
        request,
        ResponseCode.NO_PERMISSION,
        `the broker[${settings.brokerName}] sending transaction message is forbidden`,
      );
    }
    return this.deps.topics.ensure(RMQ_SYS_TRANS_HALF_TOPIC, 1, Perm.READ | Perm.WRITE).then(() => {
      let props = withProperty(msg.properties, MessageConst.PROPERTY_REAL_TOPIC, msg.topic);
      props = withProperty(props, MessageConst.PROPERTY_REAL_QUEUE_ID, String(msg.queueId));
      const sysFlag = withTransactionType(msg.sysFlag, MessageSysFlag.TRANSACTION_NOT_TYPE);
      return this.put(
        request,
        { ...msg, topic: RMQ_SYS_TRANS_HALF_TOPIC, queueId: 0, properties: props, sysFlag },
        queueId,
        uniqKey,
        msg.topic,
        MessageTypeIdx.TRANSACTION,
      );
    });
  }

  private put(
    request: RemotingCommand,
    msg: MessageInput,
    queueId: number,
    uniqKey: string,
    topic: string,
    type: MessageTypeIndex,
    recallHandle?: string,
  ): Promise<RemotingCommand> {
    return this.deps.store
      .putMessage(msg)
      .then((result) => this.respond(request, result, queueId, uniqKey, topic, type, recallHandle));
  }

  /** `%RETRY%<group>` sends: over the retry budget they go to `%DLQ%<group>` instead. */
  private async retryOrDlq(
    request: RemotingCommand,
    h: SendHeader,
    topic: string,
    reconsumeTimes: number,
  ): Promise<{ dlq: false } | { dlq: true; topic: string } | { response: RemotingCommand }> {
    const groupName = topic.slice(RETRY_GROUP_TOPIC_PREFIX.length);
    const group = await this.deps.groups.getOrCreate(groupName);
    if (group === undefined) {
      return {
        response: reply(
          request,
          ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
          `the consumer group[${groupName}] not exist. ${FAQ_URL}`,
        ),
      };
    }
    // Clients before V3_4_9 did not send their own limit reliably.
    const max =
      request.version >= MQVersion.V3_4_9 && h.maxReconsumeTimes !== undefined
        ? h.maxReconsumeTimes
        : group.retryMaxTimes;
    // Ordered consumers (the group holds unexpired queue locks) must not see a retry out of
    // order, so Java moves their retry sends to the DLQ at once.
    const orderly = this.deps.locks !== undefined && !this.deps.locks.isLockAllExpired(groupName);
    if (reconsumeTimes <= max && !orderly) return { dlq: false };
    const dlq = dlqTopicOf(groupName);
    await this.deps.topics.ensure(dlq, 1, Perm.READ | Perm.WRITE);
    return { dlq: true, topic: dlq };
  }

  private async sendBatch(
    request: RemotingCommand,
    conn: Connection,
    h: SendHeader,
    topicConfig: TopicView,
    queueId: number,
  ): Promise<RemotingCommand> {
    const { settings } = this.deps;
    const topic = topicConfig.topicName;
    if (isRetryTopic(topic)) {
      return reply(request, ResponseCode.MESSAGE_ILLEGAL, `batch request does not support retry group ${topic}`);
    }
    const body = request.body ?? EMPTY;
    const decoded = decodeBatchBody(body);
    if (!decoded.ok) return reply(request, ResponseCode.MESSAGE_ILLEGAL, decoded.error);
    const items = decoded.value;
    if (items.length === 0) return reply(request, ResponseCode.MESSAGE_ILLEGAL, 'batch body is empty');
    // One pass per message: size check, CLUSTER (and a UNIQ_KEY if the client sent none)
    // appended to its properties string, the store input built. Everything shared by the
    // batch (host, header fields) is read once.
    const { maxMessageSize, clusterName } = settings;
    const nextUniqKey = this.deps.nextUniqKey;
    const bornHost = conn.remoteAddress;
    const batch = new Array<MessageInput>(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.body.length > maxMessageSize) return this.tooBig(request, item.body.length);
      batch[i] = {
        topic,
        queueId,
        flag: item.flag,
        body: item.body,
        properties: stampProperties(item.properties, clusterName, nextUniqKey, undefined, this.trace).properties,
        sysFlag: h.sysFlag,
        bornTimestamp: h.bornTimestamp,
        bornHost,
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
      };
    }
    const result = await this.deps.store.putMessages(batch);
    // As Java: the transaction id of a batch is the batch's own UNIQ_KEY (its header
    // properties), not one per message; the client knows its messages' keys.
    const batchUniqKey = h.properties ? scanSendProperties(h.properties).uniqKey : undefined;
    return this.respond(request, result, queueId, batchUniqKey, topic, MessageTypeIdx.NORMAL);
  }

  private respond(
    request: RemotingCommand,
    result: PutMessageResult,
    queueId: number,
    uniqKey: string | undefined,
    topic: string,
    type: MessageTypeIndex,
    recallHandle?: string,
  ): RemotingCommand {
    const t = PUT_STATUS_TABLE[result.status];
    if (!t.stored || result.append === undefined) {
      return reply(request, t.code, t.remark ?? result.status);
    }
    this.deps.stats.addPut(result.append.msgNum);
    this.deps.metrics?.recordPut(topic, type, result.append.msgNum, result.append.wroteBytes);
    const ext = SendMessageResponseHeader.encode({
      msgId: result.append.msgId,
      queueId,
      queueOffset: result.append.logicsOffset,
      transactionId: uniqKey,
      recallHandle,
    });
    ext.MSG_REGION = this.deps.settings.msgRegion;
    ext.TRACE_ON = String(this.deps.settings.traceOn);
    return createResponse(request, t.code, t.remark, ext);
  }

  private tooBig(request: RemotingCommand, size: number): RemotingCommand {
    return reply(
      request,
      ResponseCode.MESSAGE_ILLEGAL,
      `the message body size ${size} bytes exceeds the limit maxMessageSize ${this.deps.settings.maxMessageSize} bytes`,
    );
  }
}
