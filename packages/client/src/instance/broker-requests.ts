import type { Logger } from '@rocketmq-ts/common';
import {
  CheckTransactionStateRequestHeader,
  createResponse,
  encodeFastjson,
  MessageConst,
  type RemotingCommand,
  ReplyMessageRequestHeader,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { parseOffsetTable } from '../admin/admin-bodies.js';
import { decodeMessages } from '../consumer/pull-decode.js';
import type { MessageExt } from '../message.js';
import { replyFromPush } from '../producer/request-reply.js';
import type { ClientTransport } from '../transport.js';
import type { ConsumerInner, ProducerInner } from './members.js';

// Requests a broker pushes to the client (Java's ClientRemotingProcessor): membership changes,
// offset resets, running-info queries and transaction checks, each handed to the producer or
// consumer of the group named.

export interface BrokerRequestDeps {
  readonly logger: Logger;
  producer(group: string): ProducerInner | undefined;
  consumer(group: string): ConsumerInner | undefined;
  /** A group's membership changed: rebalance soon. */
  rebalanceSoon(): void;
  /** A reply to one of our requests; false when none waits for it (it is dropped). */
  onReply(reply: MessageExt): boolean;
}

export function registerBrokerRequestHandlers(transport: ClientTransport, deps: BrokerRequestDeps): void {
  transport.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (req) => {
    deps.logger.debug({ group: req.extFields.consumerGroup }, 'consumer ids changed; rebalancing');
    deps.rebalanceSoon();
    return undefined;
  });
  transport.registerProcessor(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, (req) => onResetOffset(deps, req));
  transport.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, (req) => onRunningInfo(deps, req));
  transport.registerProcessor(RequestCode.CHECK_TRANSACTION_STATE, (req, conn) => {
    onCheckTransaction(deps, req, conn.remoteAddress).catch((e: unknown) =>
      deps.logger.warn({ err: e }, 'transaction check failed'),
    );
    return undefined;
  });
  const unsupported = (req: RemotingCommand) =>
    createResponse(req, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, `request type ${req.code} not supported`);
  transport.registerProcessor(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, (req) => onPushReply(deps, req));
  for (const code of [RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, RequestCode.CONSUME_MESSAGE_DIRECTLY]) {
    transport.registerProcessor(code, unsupported);
  }
}

/**
 * Java's ClientRemotingProcessor.receiveReplyMessage: SUCCESS whether or not a request still
 * waits (a late or unknown reply is dropped, not an error for the broker); SYSTEM_ERROR only
 * when the push cannot be read.
 */
function onPushReply(deps: BrokerRequestDeps, req: RemotingCommand): RemotingCommand {
  const h = ReplyMessageRequestHeader.decode(req.extFields);
  if (!h.ok) {
    deps.logger.warn({ err: h.error }, 'unreadable reply message pushed');
    return createResponse(req, ResponseCode.SYSTEM_ERROR, 'process reply message fail');
  }
  const reply = replyFromPush(h.value, req.body ?? Buffer.alloc(0), Date.now());
  if (!deps.onReply(reply)) {
    deps.logger.debug(
      { correlationId: reply.properties.get(MessageConst.PROPERTY_CORRELATION_ID) },
      'reply for no waiting request dropped',
    );
  }
  return createResponse(req, ResponseCode.SUCCESS);
}

async function onCheckTransaction(deps: BrokerRequestDeps, req: RemotingCommand, brokerAddr: string): Promise<void> {
  const h = CheckTransactionStateRequestHeader.decode(req.extFields);
  if (!h.ok || !req.body) return;
  const [msg] = decodeMessages(req.body, h.value.brokerName ?? '');
  if (!msg) return;
  const group = msg.properties.get(MessageConst.PROPERTY_PRODUCER_GROUP) ?? '';
  const producer = deps.producer(group);
  if (!producer?.checkTransactionState) {
    deps.logger.warn({ group }, 'transaction check for a producer group not running here');
    return;
  }
  await producer.checkTransactionState(brokerAddr, h.value, msg);
}

async function onRunningInfo(deps: BrokerRequestDeps, req: RemotingCommand): Promise<RemotingCommand> {
  const group = req.extFields.consumerGroup ?? '';
  const c = deps.consumer(group);
  if (!c?.runningInfo) {
    return createResponse(req, ResponseCode.SYSTEM_ERROR, `The Consumer Group <${group}> not exist in this consumer`);
  }
  const body = Buffer.from(encodeFastjson(await c.runningInfo()), 'utf8');
  return createResponse(req, ResponseCode.SUCCESS, undefined, undefined, body);
}

async function onResetOffset(deps: BrokerRequestDeps, req: RemotingCommand): Promise<RemotingCommand> {
  // Header: ResetOffsetRequestHeader (topic, group, timestamp, isForce); body: the new offsets.
  const group = req.extFields.group ?? '';
  const topic = req.extFields.topic ?? '';
  const c = deps.consumer(group);
  if (c?.resetOffsets && req.body) {
    await c.resetOffsets(
      topic,
      parseOffsetTable(req.body, (v) => Number(v)),
    );
  }
  return createResponse(req, ResponseCode.SUCCESS);
}
