import type { Logger } from '@rocketmq-ts/common';
import {
  CheckTransactionStateRequestHeader,
  createResponse,
  encodeFastjson,
  MessageConst,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { parseOffsetTable } from '../admin/admin-bodies.js';
import { decodeMessages } from '../consumer/pull-decode.js';
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
  for (const code of [
    RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT,
    RequestCode.CONSUME_MESSAGE_DIRECTLY,
    RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT,
  ]) {
    transport.registerProcessor(code, unsupported);
  }
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
