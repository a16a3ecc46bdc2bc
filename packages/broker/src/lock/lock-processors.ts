import {
  createResponse,
  decodeLockBatchBody,
  type MessageQueue,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import { jsonBody, success } from '../admin/respond.js';
import type { FeatureProcessor } from '../runtime/ports.js';
import type { RebalanceLockManager } from './rebalance-lock-manager.js';

// LOCK_BATCH_MQ (41) and UNLOCK_BATCH_MQ (42): body-only requests (no header fields).

/** fastjson's field order (alphabetical), so Java clients see the bytes they would from Java. */
const wireQueue = (mq: MessageQueue) => ({ brokerName: mq.brokerName, queueId: mq.queueId, topic: mq.topic });

export function lockProcessors(locks: RebalanceLockManager): FeatureProcessor[] {
  const lock: RequestHandler = (request) => {
    const decoded = decodeLockBatchBody(request.body);
    if (!decoded.ok) return createResponse(request, ResponseCode.SYSTEM_ERROR, decoded.error);
    const body = decoded.value;
    const held = locks.tryLockBatch(body.consumerGroup, body.mqSet, body.clientId);
    return success(request, jsonBody({ lockOKMQSet: held.map(wireQueue) }));
  };
  const unlock: RequestHandler = (request) => {
    const decoded = decodeLockBatchBody(request.body);
    if (!decoded.ok) return createResponse(request, ResponseCode.SYSTEM_ERROR, decoded.error);
    const body = decoded.value;
    locks.unlockBatch(body.consumerGroup, body.mqSet, body.clientId);
    return success(request);
  };
  return [
    { code: RequestCode.LOCK_BATCH_MQ, handler: lock },
    { code: RequestCode.UNLOCK_BATCH_MQ, handler: unlock },
  ];
}
