import { err, ok, type Result } from '@rocketmq-ts/common';
import { asObject, boundedArray, integerOf, parseJsonBody } from './json-fields.js';

// Bodies built around MessageQueue: queue locks (41/42), consumer lists (38).

export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

export const mqKey = (mq: MessageQueue): string => `${mq.topic}@${mq.brokerName}@${mq.queueId}`;

export interface LockBatchRequestBody {
  consumerGroup: string;
  clientId: string;
  onlyThisBroker: boolean;
  mqSet: MessageQueue[];
}

export interface UnlockBatchRequestBody {
  consumerGroup: string;
  clientId: string;
  onlyThisBroker: boolean;
  mqSet: MessageQueue[];
}

export interface LockBatchResponseBody {
  lockOKMQSet: MessageQueue[];
}

export interface GetConsumerListByGroupResponseBody {
  consumerIdList: string[];
}

function parseQueues(v: unknown): Result<MessageQueue[], string> {
  const a = boundedArray(v, 'mqSet');
  if (!a.ok) return a;
  const out: MessageQueue[] = [];
  for (const q of a.value) {
    const o = asObject(q);
    if (o === undefined) return err('mqSet entry is not an object');
    const queueId = integerOf(o.queueId);
    if (typeof o.topic !== 'string' || typeof o.brokerName !== 'string' || queueId === undefined) {
      return err('mqSet entry needs topic, brokerName and queueId');
    }
    out.push({ topic: o.topic, brokerName: o.brokerName, queueId });
  }
  return ok(out);
}

/** LOCK_BATCH_MQ / UNLOCK_BATCH_MQ request body; an error value when malformed. */
export function decodeLockBatchBody(body: Buffer | undefined): Result<LockBatchRequestBody, string> {
  const raw = parseJsonBody(body, 'lock');
  if (!raw.ok) return raw;
  const o = asObject(raw.value);
  if (o === undefined) return err('lock body is not an object');
  if (typeof o.consumerGroup !== 'string' || typeof o.clientId !== 'string') {
    return err('lock body needs consumerGroup and clientId');
  }
  const mqSet = parseQueues(o.mqSet);
  if (!mqSet.ok) return mqSet;
  return ok({
    consumerGroup: o.consumerGroup,
    clientId: o.clientId,
    onlyThisBroker: o.onlyThisBroker === true,
    mqSet: mqSet.value,
  });
}

/** LOCK_BATCH_MQ response body: the queues the broker locked for the caller. */
export function decodeLockBatchResponseBody(body: Buffer | undefined): Result<LockBatchResponseBody, string> {
  if (!body || body.length === 0) return ok({ lockOKMQSet: [] });
  const raw = parseJsonBody(body, 'lock response');
  if (!raw.ok) return raw;
  const lockOKMQSet = parseQueues(asObject(raw.value)?.lockOKMQSet);
  return lockOKMQSet.ok ? ok({ lockOKMQSet: lockOKMQSet.value }) : lockOKMQSet;
}

/** GET_CONSUMER_LIST_BY_GROUP response body. */
export function decodeConsumerListBody(body: Buffer | undefined): Result<GetConsumerListByGroupResponseBody, string> {
  if (!body || body.length === 0) return ok({ consumerIdList: [] });
  const raw = parseJsonBody(body, 'consumer list');
  if (!raw.ok) return raw;
  const ids = boundedArray(asObject(raw.value)?.consumerIdList, 'consumerIdList');
  if (!ids.ok) return ids;
  const consumerIdList: string[] = [];
  for (const id of ids.value) {
    if (typeof id !== 'string') return err('consumerIdList entry is not a string');
    consumerIdList.push(id);
  }
  return ok({ consumerIdList });
}

export function encodeJsonBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
