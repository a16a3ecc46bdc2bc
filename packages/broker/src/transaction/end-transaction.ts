import {
  decodeStoredRecord,
  EndTransactionRequestHeader,
  MessageConst,
  MessageSysFlag,
  type MessageView,
  RequestCode,
  ResponseCode,
  withTransactionType,
} from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import type { MessageInput } from '@rocketmq-ts/store';
import { decodeHeader, failure, success } from '../admin/respond.js';
import { requestsTimer, TIMER_NOT_ENABLED } from '../processors/message-rewrite.js';
import { copyOf, editProperties } from '../retry/message-copy.js';
import type { FeatureDeps, FeatureProcessor } from '../runtime/ports.js';
import { toScheduled } from '../schedule/delay-levels.js';
import type { TransactionService } from './transaction-service.js';

// END_TRANSACTION (37): the producer's verdict on a half message (Java clients send it
// oneway, so the response mostly matters to tools and tests). Commit re-stores the message in
// its real topic/queue as a COMMIT-typed record pointing back at the half message; both
// commit and rollback then write the op record that settles the half message.

/** Why the request does not match the stored half message (Java's remarks), or undefined. */
function halfMismatch(
  half: MessageView,
  h: { producerGroup: string; tranStateTableOffset: number; commitLogOffset: number },
): string | undefined {
  if (half.properties.get(MessageConst.PROPERTY_PRODUCER_GROUP) !== h.producerGroup) return 'The producer group wrong';
  if (half.queueOffset !== h.tranStateTableOffset) return 'The transaction state table offset wrong';
  if (half.physicalOffset !== h.commitLogOffset) return 'The commit log offset wrong';
  return undefined;
}

/** The committed message: real topic/queue, COMMIT type, REAL_* and TRAN_MSG gone. */
function committedCopy(half: MessageView, delayLevelsMs: readonly number[], now: number): MessageInput | undefined {
  const topic = half.properties.get(MessageConst.PROPERTY_REAL_TOPIC);
  const queueId = Number(half.properties.get(MessageConst.PROPERTY_REAL_QUEUE_ID));
  if (topic === undefined || !Number.isInteger(queueId)) return undefined;
  const drop = new Set<string>([
    MessageConst.PROPERTY_REAL_TOPIC,
    MessageConst.PROPERTY_REAL_QUEUE_ID,
    MessageConst.PROPERTY_TRANSACTION_PREPARED,
  ]);
  const msg = copyOf(half, {
    topic,
    queueId,
    sysFlag: withTransactionType(half.sysFlag, MessageSysFlag.TRANSACTION_COMMIT_TYPE),
    preparedTransactionOffset: half.physicalOffset,
    properties: editProperties(half.propertiesString, { remove: (k) => drop.has(k) }),
  });
  // A delayed transactional message starts its delay when committed.
  const level = Number(half.properties.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL) ?? 0);
  return level > 0 && delayLevelsMs.length > 0 ? toScheduled(msg, level, [...delayLevelsMs], now) : msg;
}

export function endTransactionProcessor(
  deps: Pick<FeatureDeps, 'store' | 'clock' | 'logger' | 'timer'>,
  tx: TransactionService,
  delayLevelsMs: readonly number[],
): FeatureProcessor {
  const handler: RequestHandler = async (request, connection) => {
    const d = decodeHeader(request, EndTransactionRequestHeader);
    if (!d.ok) return d.response;
    const h = d.header;
    const kind = h.commitOrRollback;
    if (kind !== MessageSysFlag.TRANSACTION_COMMIT_TYPE && kind !== MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) {
      // 0 = "don't know yet": the check-back service will ask again.
      return undefined;
    }
    const record = await deps.store.lookMessageByOffset(h.commitLogOffset);
    const half = record ? decodeStoredRecord(record) : undefined;
    if (!half) return failure(request, ResponseCode.SYSTEM_ERROR, 'Find prepared transaction message failed');
    const mismatch = halfMismatch(half, h);
    if (mismatch) return failure(request, ResponseCode.SYSTEM_ERROR, mismatch);
    // A second verdict (a check answered after the first END_TRANSACTION) must not commit twice.
    // Known difference from Java: a half message discarded after transactionCheckMax checks
    // counts as settled too, so a commit arriving after that is acknowledged but not applied.
    if (tx.isSettled(half.queueOffset)) return success(request);

    if (kind === MessageSysFlag.TRANSACTION_COMMIT_TYPE) {
      let msg = committedCopy(half, delayLevelsMs, deps.clock.now());
      if (!msg) return failure(request, ResponseCode.SYSTEM_ERROR, 'half message has no REAL_TOPIC/REAL_QID');
      // As Java's HookUtils on the commit's put: a timer message goes to the wheel (its time
      // counts from the commit), or is refused while the wheel is off.
      const level = Number(half.properties.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL) ?? 0);
      if (!(level > 0) && requestsTimer(msg.properties)) {
        if (!deps.timer) return failure(request, ResponseCode.SYSTEM_ERROR, TIMER_NOT_ENABLED);
        const placed = deps.timer.place(msg, deps.clock.now());
        if (placed.kind === 'refused') return failure(request, placed.code, placed.remark);
        if (placed.kind === 'parked') msg = placed.msg;
      }
      const put = await deps.store.putMessage(msg);
      if (!put.append)
        return failure(request, ResponseCode.SYSTEM_ERROR, `store the committed message failed: ${put.status}`);
    }
    const op = await tx.settle(half);
    if (!op.append)
      deps.logger.warn(
        { queueOffset: half.queueOffset, status: op.status },
        'writing the transaction op record failed',
      );
    deps.logger.debug(
      {
        producerGroup: h.producerGroup,
        msgId: h.msgId,
        commit: kind === MessageSysFlag.TRANSACTION_COMMIT_TYPE,
        fromCheck: h.fromTransactionCheck === true,
        remote: connection.remoteAddress,
      },
      'transaction ended',
    );
    return success(request);
  };
  // A commit is a write: limited with the sends (the broker's 'send' pool).
  return { code: RequestCode.END_TRANSACTION, handler, pool: 'send' };
}
