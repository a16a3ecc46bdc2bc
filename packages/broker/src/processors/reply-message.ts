import type { Logger } from '@rocketmq-ts/common';
import {
  createRequest,
  createResponse,
  getPropertyFromString,
  MessageConst,
  type RemotingCommand,
  ReplyMessageRequestHeader,
  RequestCode,
  ResponseCode,
  SendMessageResponseHeader,
} from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import type { MessageStore } from '@rocketmq-ts/store';
import type { ClientChannel } from '../runtime/ports.js';
import { stampProperties, traceStamp, withProperty } from './message-rewrite.js';
import type { Checked } from './send-message.js';

// SEND_REPLY_MESSAGE (324) and SEND_REPLY_MESSAGE_V2 (325), Java's ReplyMessageProcessor: a
// replier's answer to a request message is pushed at once to the requesting client
// (PUSH_REPLY_MESSAGE_TO_CLIENT over that client's producer connection, found by the
// REPLY_TO_CLIENT property, its clientId), then stored in the reply topic when
// storeReplyMessageEnable. The answer code is the push's: a requester that is gone is a
// SYSTEM_ERROR for the replier, whether or not the reply was stored.

/** Java's Broker2Client.callClient timeout. */
const PUSH_TIMEOUT_MS = 10_000;

export interface ReplyDeps {
  settings: {
    clusterName: string;
    /** Advertised `ip:port` of this broker (the pushed header's storeHost). */
    brokerAddr: string;
    storeReplyMessageEnable: boolean;
    msgRegion: string;
    traceOn: boolean;
  };
  /** The send path's checks (permissions, topic, queue id), shared with SEND_MESSAGE. */
  check(request: RemotingCommand): Checked | Promise<Checked>;
  clients: { findProducerChannel(clientId: string): ClientChannel | undefined };
  store: Pick<MessageStore, 'putMessage'>;
  nextUniqKey: () => string;
  clock: { now(): number };
  logger: Logger;
}

type PushResult = { ok: true } | { ok: false; remark: string };

export class ReplyMessageProcessor {
  constructor(private readonly deps: ReplyDeps) {}

  readonly handle = async (request: RemotingCommand, conn: Connection): Promise<RemotingCommand> => {
    const checked = await this.deps.check(request);
    if (!checked.ok) return checked.response;
    const { header, queueId } = checked;
    const props = header.properties ?? '';
    const body = request.body ?? Buffer.alloc(0);
    const pushed = await this.push(conn, checked, props, body);
    const fields: Record<string, string> = {
      MSG_REGION: this.deps.settings.msgRegion,
      TRACE_ON: String(this.deps.settings.traceOn),
    };
    // Java sets msgId "0" and offset 0 so that clients can decode the answer of a reply that was not stored.
    let answer = { msgId: '0', queueId, queueOffset: 0 };
    if (this.deps.settings.storeReplyMessageEnable) {
      const { clusterName, msgRegion, traceOn } = this.deps.settings;
      const stamped = stampProperties(
        props,
        clusterName,
        this.deps.nextUniqKey,
        undefined,
        traceStamp(msgRegion, traceOn),
      );
      const result = await this.deps.store.putMessage({
        topic: header.topic,
        queueId,
        flag: header.flag,
        body,
        properties: stamped.properties,
        sysFlag: header.sysFlag,
        bornTimestamp: header.bornTimestamp,
        bornHost: conn.remoteAddress,
        reconsumeTimes: header.reconsumeTimes ?? 0,
        preparedTransactionOffset: 0,
      });
      if (result.append !== undefined) {
        answer = { msgId: result.append.msgId, queueId, queueOffset: result.append.logicsOffset };
      } else {
        this.deps.logger.warn({ status: result.status, topic: header.topic }, 'storing a reply message failed');
      }
    }
    if (!pushed.ok) return createResponse(request, ResponseCode.SYSTEM_ERROR, pushed.remark, fields);
    return createResponse(request, ResponseCode.SUCCESS, undefined, {
      ...SendMessageResponseHeader.encode(answer),
      ...fields,
    });
  };

  private async push(
    conn: Connection,
    checked: Extract<Checked, { ok: true }>,
    props: string,
    body: Buffer,
  ): Promise<PushResult> {
    const { header, queueId } = checked;
    const to = getPropertyFromString(props, MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT);
    if (to === undefined) {
      return {
        ok: false,
        remark: `reply message properties[${MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT}] is null`,
      };
    }
    const channel = this.deps.clients.findProducerChannel(to);
    if (channel === undefined) {
      this.deps.logger.warn({ clientId: to }, 'reply for a client that has no producer connection here');
      return { ok: false, remark: `push reply message fail, channel of <${to}> not found.` };
    }
    const now = this.deps.clock.now();
    const ext = ReplyMessageRequestHeader.encode({
      producerGroup: header.producerGroup,
      topic: header.topic,
      defaultTopic: header.defaultTopic,
      defaultTopicQueueNums: header.defaultTopicQueueNums,
      queueId,
      sysFlag: header.sysFlag,
      bornTimestamp: header.bornTimestamp,
      flag: header.flag,
      properties: withProperty(props, MessageConst.PROPERTY_PUSH_REPLY_TIME, String(now)),
      reconsumeTimes: header.reconsumeTimes,
      unitMode: header.unitMode,
      bornHost: conn.remoteAddress,
      storeHost: this.deps.settings.brokerAddr,
      storeTimestamp: now,
    });
    const push = createRequest(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, ext, body);
    try {
      const r = await channel.request(push, PUSH_TIMEOUT_MS);
      if (r.code === ResponseCode.SUCCESS) return { ok: true };
      this.deps.logger.warn({ clientId: to, code: r.code, remark: r.remark }, 'the requester refused a reply');
    } catch (err) {
      this.deps.logger.warn({ clientId: to, err }, 'pushing a reply failed');
    }
    return { ok: false, remark: `push reply message to ${to}fail.` };
  }
}
