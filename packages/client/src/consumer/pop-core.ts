import { randomUUID } from 'node:crypto';
import { MessageConst, type SubscriptionData } from '@rocketmq-ts/protocol';
import type { MQClientInstance } from '../client-instance.js';
import { ClientErrorCode, illegalArgument, MQClientError } from '../errors.js';
import { PopAckBatcher } from './pop-ack-batcher.js';
import { changeInvisibleTime, popMessage } from './pop-api.js';
import { ackTarget, changedHandle, type PopMessage } from './pop-message.js';
import { tagFilter } from './subscription.js';

/** The most messages one POP_MESSAGE may ask for (the broker answers INVALID_PARAMETER above). */
export const MAX_POP_BATCH = 32;

export interface PopOptions {
  maxMessages: number;
  invisibleTimeMs: number;
  pollTimeMs: number;
  /** INIT mode of a queue the group has no offset in yet: 0 = first offset, 1 = last. */
  initMode: 0 | 1;
  order: boolean;
  attemptId?: string;
}

/**
 * What the simple consumer and the push consumer's Pop mode share: pop from one broker of a
 * topic, ack, change the invisible time, and move a message that has used up its retries to
 * the group's DLQ (the broker's revive service retries forever; RocketMQ 5.x leaves the DLQ
 * decision to the consumer side).
 */
export class PopCore {
  private readonly acks: PopAckBatcher;

  constructor(
    readonly instance: MQClientInstance,
    readonly group: string,
    readonly maxReconsumeTimes: number,
  ) {
    this.acks = new PopAckBatcher(instance, group);
  }

  /** Names of the brokers holding readable queues of `topic` (cached route, else fetched). */
  async brokersOf(topic: string): Promise<string[]> {
    return [...(await this.readQueuesByBroker(topic)).keys()].sort();
  }

  /** Broker name → how many readable queues of `topic` it holds. */
  async readQueuesByBroker(topic: string): Promise<Map<string, number>> {
    let queues = this.instance.cachedSubscribeQueues(topic);
    if (!queues || queues.length === 0) queues = await this.instance.fetchSubscribeQueues(topic);
    const out = new Map<string, number>();
    for (const q of queues) out.set(q.brokerName, (out.get(q.brokerName) ?? 0) + 1);
    return out;
  }

  /**
   * One POP_MESSAGE to every readable queue of `topic` on `brokerName` (queueId −1: the
   * broker, not the client, decides which queue serves whom). Messages the tag expression
   * does not match (the broker compares tag hashes only) are acked and dropped; messages
   * past the retry budget are moved to the DLQ and dropped.
   */
  async pop(brokerName: string, sub: SubscriptionData, o: PopOptions): Promise<PopMessage[]> {
    const addr = await this.instance.requireMasterAddr(brokerName, sub.topic);
    // FIFO: a pop whose answer was lost leaves its queue blocked until the invisible time
    // ends; asked again with the same attemptId, the broker hands out the same messages
    // (rocketmq-clients#708). So a FIFO pop that timed out is retried once, same attemptId.
    const attemptId = o.order ? (o.attemptId ?? randomUUID()) : o.attemptId;
    const send = () =>
      popMessage(
        this.instance.api,
        addr,
        brokerName,
        {
          consumerGroup: this.group,
          topic: sub.topic,
          queueId: -1,
          maxMsgNums: Math.min(o.maxMessages, MAX_POP_BATCH),
          invisibleTime: o.invisibleTimeMs,
          pollTime: o.pollTimeMs,
          bornTime: Date.now(),
          initMode: o.initMode,
          expType: sub.expressionType === 'SQL92' ? 'SQL92' : 'TAG',
          exp: sub.subString,
          order: o.order ? true : undefined,
          attemptId,
        },
        o.pollTimeMs + this.instance.config.requestTimeoutMs,
      );
    let res: Awaited<ReturnType<typeof send>>;
    try {
      res = await send();
    } catch (e) {
      if (!o.order || !(e instanceof MQClientError) || e.code !== ClientErrorCode.TIMEOUT) throw e;
      res = await send();
    }
    if (res.messages.length === 0) return res.messages;
    const accept = tagFilter(sub);
    const out: PopMessage[] = [];
    for (const m of res.messages) {
      if (accept && !accept(m.tags)) this.ackQuietly(m, 'tag mismatch');
      else if (m.reconsumeTimes > this.maxReconsumeTimes) this.deadLetterQuietly(m);
      else out.push(m);
    }
    return out;
  }

  /** Acks issued together are sent together (see PopAckBatcher). */
  ack(msg: PopMessage): Promise<void> {
    try {
      return this.acks.ack(ackTarget(this.group, msg, Date.now()), msg);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Makes the message visible again `invisibleTimeMs` from now (0: at once) and gives it the
   * new receipt handle; the old one is no longer valid.
   */
  async changeInvisibleDuration(msg: PopMessage, invisibleTimeMs: number): Promise<void> {
    if (!Number.isFinite(invisibleTimeMs) || invisibleTimeMs < 0) {
      throw illegalArgument(`invisibleDuration must be ≥ 0 ms: ${invisibleTimeMs}`);
    }
    const { handle, realTopic } = ackTarget(this.group, msg, Date.now());
    const addr = await this.instance.requireMasterAddr(handle.brokerName, msg.topic);
    const r = await changeInvisibleTime(this.instance.api, addr, {
      consumerGroup: this.group,
      topic: realTopic,
      queueId: handle.queueId,
      extraInfo: msg.receiptHandle,
      offset: handle.queueOffset,
      invisibleTime: Math.floor(invisibleTimeMs),
    });
    msg.receiptHandle = changedHandle(handle, r.popTime, r.invisibleTime, r.reviveQid);
    msg.properties.set(MessageConst.PROPERTY_POP_CK, msg.receiptHandle);
  }

  /** CONSUMER_SEND_MSG_BACK with delay level −1 (straight to `%DLQ%<group>`), then ack. */
  async forwardToDeadLetterQueue(msg: PopMessage): Promise<void> {
    const { handle } = ackTarget(this.group, msg, Date.now());
    const addr = await this.instance.requireMasterAddr(handle.brokerName, msg.topic);
    const origin = msg.properties.get(MessageConst.PROPERTY_ORIGIN_MESSAGE_ID) ?? msg.msgId;
    await this.instance.api.consumerSendMessageBack(
      addr,
      this.group,
      msg.commitLogOffset,
      -1,
      origin,
      msg.topic,
      this.maxReconsumeTimes,
    );
    await this.ack(msg);
  }

  private ackQuietly(msg: PopMessage, why: string): void {
    this.ack(msg).catch((e: unknown) => this.instance.logger.warn({ err: e, msgId: msg.msgId, why }, 'ack failed'));
  }

  private deadLetterQuietly(msg: PopMessage): void {
    this.forwardToDeadLetterQueue(msg).catch((e: unknown) =>
      this.instance.logger.warn({ err: e, msgId: msg.msgId }, 'moving a message to the DLQ failed; it will come back'),
    );
  }
}

/** No broker serves the topic for reading. */
export const noReadableBroker = (topic: string): MQClientError =>
  new MQClientError(`no readable queue of topic ${topic}`, { code: ClientErrorCode.NO_ROUTE });
