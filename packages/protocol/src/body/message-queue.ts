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

function parseQueues(v: unknown): MessageQueue[] | string {
  if (!Array.isArray(v)) return 'mqSet is not an array';
  const out: MessageQueue[] = [];
  for (const q of v) {
    if (typeof q !== 'object' || q === null) return 'mqSet entry is not an object';
    const o = q as Record<string, unknown>;
    const queueId = Number(o.queueId);
    if (typeof o.topic !== 'string' || typeof o.brokerName !== 'string' || !Number.isInteger(queueId)) {
      return 'mqSet entry needs topic, brokerName and queueId';
    }
    out.push({ topic: o.topic, brokerName: o.brokerName, queueId });
  }
  return out;
}

/** LOCK_BATCH_MQ / UNLOCK_BATCH_MQ request body; an error string when malformed. */
export function decodeLockBatchBody(body: Buffer | undefined): LockBatchRequestBody | string {
  if (!body) return 'lock body is empty';
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return `lock body is not JSON: ${(e as Error).message}`;
  }
  if (typeof raw !== 'object' || raw === null) return 'lock body is not an object';
  const o = raw as Record<string, unknown>;
  if (typeof o.consumerGroup !== 'string' || typeof o.clientId !== 'string') {
    return 'lock body needs consumerGroup and clientId';
  }
  const mqSet = parseQueues(o.mqSet ?? []);
  if (typeof mqSet === 'string') return mqSet;
  return { consumerGroup: o.consumerGroup, clientId: o.clientId, onlyThisBroker: o.onlyThisBroker === true, mqSet };
}

export function encodeJsonBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
