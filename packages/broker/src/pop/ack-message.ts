import type { Clock, Logger } from '@rocketmq-ts/common';
import {
  AckMessageRequestHeader,
  type BatchAckBody,
  ChangeInvisibleTimeRequestHeader,
  createResponse,
  decodeBatchAckBody,
  type ExtraInfo,
  isOrderExtraInfo,
  parseExtraInfo,
  popRealTopic,
  type RemotingCommand,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import type { MessageInput, MessageStore } from '@rocketmq-ts/store';
import { decodeHeader, reply } from '../processors/request-util.js';
import type { BrokerIdentity, TopicRegistry } from '../runtime/ports.js';
import { type AckRecord, ackRecord, checkpointRecord } from './pop-records.js';
import { queueIdIllegal, topicNotExist } from './pop-replies.js';
import type { PopSettings } from './pop-settings.js';

// ACK_MESSAGE (200051), BATCH_ACK_MESSAGE (200151) and CHANGE_MESSAGE_INVISIBLETIME (200053).
// An ack is an ACK record in the revive queue named by the handle; the revive service pairs it
// with its checkpoint. Neither the checkpoint nor the handle's age is checked here, as in
// RocketMQ: an ack for no open checkpoint (late, forged, another group's) is stored and then
// ignored by the revive service, so it cannot disturb anything. A handle that does not parse
// is SYSTEM_ERROR, as RocketMQ's remoting layer answers the exception its parser throws.

export interface AckDeps {
  settings: PopSettings;
  identity: BrokerIdentity;
  store: Pick<MessageStore, 'putMessage' | 'putMessages' | 'getMaxOffsetInQueue' | 'getMinOffsetInQueue'>;
  topics: Pick<TopicRegistry, 'get'>;
  clock: Clock;
  logger: Logger;
  /** FIFO acks and invisible-time changes (reviveQid 999); absent = FIFO pop not served. */
  order?: {
    ack(group: string, topic: string, queueId: number, offset: number, popTime: number): Promise<number>;
    changeInvisible(
      group: string,
      topic: string,
      queueId: number,
      offset: number,
      popTime: number,
      invisibleTime: number,
    ): Promise<{ code: number; popTime: number; invisibleTime: number }>;
  };
}

type Checked = { ok: true; info: ExtraInfo } | { ok: false; response: RemotingCommand };

export class AckMessageProcessor {
  constructor(private readonly deps: AckDeps) {}

  readonly ack = async (request: RemotingCommand, conn: Connection): Promise<RemotingCommand> => {
    const decoded = decodeHeader(AckMessageRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    const h = decoded.value;
    const checked = this.check(request, conn, h, false);
    if (!checked.ok) return checked.response;
    const info = checked.info;
    if (isOrderExtraInfo(info)) return this.orderAck(request, h.consumerGroup, h.topic, h.queueId, h.offset, info);
    await this.appendAck(info.reviveQid, info.invisibleTime, handleAck(h, info));
    return reply(request, ResponseCode.SUCCESS);
  };

  readonly batchAck = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const body = decodeBatchAckBody(request.body);
    if (!body.ok) return reply(request, ResponseCode.SYSTEM_ERROR, body.error);
    if (body.value.acks.length === 0) return reply(request, ResponseCode.NO_MESSAGE, 'no ack');
    // The ACK records of one request go to the store together: one append per revive queue,
    // all in the same CommitLog write, answered once they are all stored. Entries before an
    // invalid one are still stored (as RocketMQ, which appends entry by entry).
    const byQueue = new Map<number, MessageInput[]>();
    const result = await this.batchAckEntries(request, body.value, byQueue);
    await Promise.all([...byQueue].map(([qid, records]) => this.appendAcks(qid, records)));
    return result;
  };

  private async batchAckEntries(
    request: RemotingCommand,
    body: BatchAckBody,
    byQueue: Map<number, MessageInput[]>,
  ): Promise<RemotingCommand> {
    const now = this.deps.clock.now();
    for (const a of body.acks) {
      const topic = popRealTopic(a.retryFlag, a.consumerGroup, a.topic);
      const t = this.deps.topics.get(topic);
      if (t === undefined) {
        return topicNotExist(request, topic);
      }
      if (a.queueId < 0 || a.queueId >= t.readQueueNums) {
        return reply(request, ResponseCode.MESSAGE_ILLEGAL, `queueId[${a.queueId}] is illegal, topic:[${topic}]`);
      }
      if (a.reviveQueueId === 999) {
        for (const off of a.offsets) {
          const r = await this.orderAck(request, a.consumerGroup, topic, a.queueId, off, {
            ckQueueOffset: a.startOffset,
            popTime: a.popTime,
            invisibleTime: a.invisibleTime,
            reviveQid: 999,
            retryFlag: a.retryFlag,
            brokerName: body.brokerName,
            queueId: a.queueId,
            queueOffset: off,
          });
          if (r.code !== ResponseCode.SUCCESS) return r;
        }
        continue;
      }
      if (!this.validReviveQid(a.reviveQueueId)) {
        return reply(request, ResponseCode.SYSTEM_ERROR, `reviveQid ${a.reviveQueueId} out of range`);
      }
      const min = this.deps.store.getMinOffsetInQueue(topic, a.queueId);
      const max = this.deps.store.getMaxOffsetInQueue(topic, a.queueId);
      const offsets = a.offsets.filter((o) => o >= min && o <= max);
      if (offsets.length === 0) continue;
      const record = ackRecord(
        this.target(a.reviveQueueId, now),
        { offsets, so: a.startOffset, c: a.consumerGroup, t: topic, q: a.queueId, pt: a.popTime, bn: body.brokerName },
        a.invisibleTime,
      );
      const list = byQueue.get(a.reviveQueueId);
      if (list === undefined) byQueue.set(a.reviveQueueId, [record]);
      else list.push(record);
    }
    return reply(request, ResponseCode.SUCCESS);
  }

  readonly changeInvisibleTime = async (request: RemotingCommand, conn: Connection): Promise<RemotingCommand> => {
    const decoded = decodeHeader(ChangeInvisibleTimeRequestHeader, request);
    if (!decoded.ok) return decoded.response;
    const h = decoded.value;
    const checked = this.check(request, conn, h, true);
    if (!checked.ok) return checked.response;
    const info = checked.info;
    const respond = (popTime: number, invisibleTime: number, code: number = ResponseCode.SUCCESS) =>
      createResponse(request, code, undefined, {
        popTime: String(popTime),
        invisibleTime: String(invisibleTime),
        reviveQid: String(info.reviveQid),
      });
    if (isOrderExtraInfo(info)) {
      if (!this.deps.order) return respond(info.popTime, info.invisibleTime);
      const r = await this.deps.order.changeInvisible(
        h.consumerGroup,
        h.topic,
        h.queueId,
        h.offset,
        info.popTime,
        h.invisibleTime,
      );
      return respond(r.popTime, r.invisibleTime, r.code);
    }
    const now = this.deps.clock.now();
    // A new one-message checkpoint first, then the ack of the old one: a crash in between
    // leaves both open and the message comes back once more (never lost).
    const ck = checkpointRecord(this.target(info.reviveQid, now), {
      so: h.offset,
      pt: now,
      it: h.invisibleTime,
      q: h.queueId,
      t: h.topic,
      c: h.consumerGroup,
      d: [0],
      bn: info.brokerName,
      rp: 0,
    });
    const put = await this.deps.store.putMessage(ck);
    if (!put.append) {
      this.deps.logger.warn({ status: put.status }, 'change invisible time: checkpoint not stored');
      return createResponse(request, ResponseCode.SYSTEM_ERROR, `append checkpoint failed: ${put.status}`);
    }
    await this.appendAck(info.reviveQid, info.invisibleTime, handleAck(h, info));
    return respond(now, h.invisibleTime);
  };

  /** Topic, queue, offset range and handle checks shared by ACK and CHANGE_INVISIBLE. */
  private check(
    request: RemotingCommand,
    conn: Connection,
    h: { topic: string; queueId: number; offset: number; extraInfo: string; consumerGroup: string },
    strictMax: boolean,
  ): Checked {
    const t = this.deps.topics.get(h.topic);
    if (t === undefined) {
      return {
        ok: false,
        response: topicNotExist(request, h.topic),
      };
    }
    if (h.queueId < 0 || h.queueId >= t.readQueueNums) {
      return {
        ok: false,
        response: queueIdIllegal(
          request,
          ResponseCode.MESSAGE_ILLEGAL,
          h.queueId,
          h.topic,
          t.readQueueNums,
          conn.remoteAddress,
        ),
      };
    }
    const min = this.deps.store.getMinOffsetInQueue(h.topic, h.queueId);
    const max = this.deps.store.getMaxOffsetInQueue(h.topic, h.queueId);
    if (h.offset < min || h.offset > max || (strictMax && h.offset >= max)) {
      return {
        ok: false,
        response: reply(
          request,
          ResponseCode.NO_MESSAGE,
          `offset is illegal, key:${h.topic}@${h.queueId}, commit:${h.offset}, store:${min},${max}`,
        ),
      };
    }
    const parsed = parseExtraInfo(h.extraInfo);
    if (!parsed.ok) return { ok: false, response: reply(request, ResponseCode.SYSTEM_ERROR, parsed.error) };
    if (!isOrderExtraInfo(parsed.value) && !this.validReviveQid(parsed.value.reviveQid)) {
      return {
        ok: false,
        response: reply(
          request,
          ResponseCode.SYSTEM_ERROR,
          `extraInfo reviveQid ${parsed.value.reviveQid} out of range`,
        ),
      };
    }
    return { ok: true, info: parsed.value };
  }

  private validReviveQid(qid: number): boolean {
    return qid >= 0 && qid < this.deps.settings.reviveQueueNum;
  }

  private async orderAck(
    request: RemotingCommand,
    group: string,
    topic: string,
    queueId: number,
    offset: number,
    info: ExtraInfo,
  ): Promise<RemotingCommand> {
    if (!this.deps.order) return reply(request, ResponseCode.SUCCESS);
    const code = await this.deps.order.ack(group, topic, queueId, offset, info.popTime);
    return reply(request, code);
  }

  private target(reviveQid: number, now: number) {
    return {
      reviveTopic: this.deps.settings.reviveTopic,
      reviveQid,
      bornHost: this.deps.identity.brokerAddr,
      now,
    };
  }

  /** Stores ACK records of one revive queue; a failed put is only logged (the messages then come back). */
  private async appendAcks(reviveQid: number, records: MessageInput[]): Promise<void> {
    const put = await (records.length === 1
      ? this.deps.store.putMessage(records[0]!)
      : this.deps.store.putMessages(records));
    if (!put.append)
      this.deps.logger.warn({ status: put.status, reviveQid, records: records.length }, 'ack not stored');
  }

  /** Stores the ACK record; a failed put is only logged (the message then comes back). */
  private async appendAck(reviveQid: number, invisibleTime: number, ack: AckRecord): Promise<void> {
    const put = await this.deps.store.putMessage(
      ackRecord(this.target(reviveQid, this.deps.clock.now()), ack, invisibleTime),
    );
    if (!put.append)
      this.deps.logger.warn({ status: put.status, topic: ack.t, offsets: ack.offsets }, 'ack not stored');
  }
}

/** The ACK record of one handle. */
function handleAck(
  h: { consumerGroup: string; topic: string; queueId: number; offset: number },
  info: ExtraInfo,
): AckRecord {
  return {
    offsets: [h.offset],
    so: info.ckQueueOffset,
    c: h.consumerGroup,
    t: h.topic,
    q: h.queueId,
    pt: info.popTime,
    bn: info.brokerName,
  };
}
