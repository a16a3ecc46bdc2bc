import {
  type CheckTransactionStateRequestHeader,
  decodeOffsetMsgId,
  EndTransactionRequestHeader,
  type HeaderType,
  MessageSysFlag,
  RequestCode,
} from '@rocketmq-ts/protocol';
import { type ClientAPI, request } from '../client-api.js';
import type { Message, MessageExt, SendResult } from '../message.js';

// Transactional messages: the producer stores a half message (TRAN_MSG=true, PREPARED
// sysFlag), runs the local transaction, then tells the broker COMMIT or ROLLBACK with
// END_TRANSACTION. If that verdict never arrives (UNKNOW, crash), the broker asks a live
// producer of the group with CHECK_TRANSACTION_STATE and the listener's check answers.

export type LocalTransactionState = 'COMMIT_MESSAGE' | 'ROLLBACK_MESSAGE' | 'UNKNOW';

export interface TransactionListener {
  /** Runs after the half message is stored; its answer commits or rolls it back. */
  executeLocalTransaction(msg: Message, arg: unknown): LocalTransactionState | Promise<LocalTransactionState>;
  /** The broker asks about a half message still undecided (UNKNOW or lost verdict). */
  checkLocalTransaction(msg: MessageExt): LocalTransactionState | Promise<LocalTransactionState>;
}

export interface TransactionSendResult extends SendResult {
  localTransactionState: LocalTransactionState;
}

export type CheckTransactionHeader = HeaderType<typeof CheckTransactionStateRequestHeader>;

/** What ending a transaction needs from the client instance: a oneway send and a master address. */
export interface TransactionPort {
  readonly api: Pick<ClientAPI, 'oneway'>;
  requireMasterAddr(brokerName: string, topic: string): Promise<string>;
}

const VERDICT: Record<LocalTransactionState, number> = {
  COMMIT_MESSAGE: MessageSysFlag.TRANSACTION_COMMIT_TYPE,
  ROLLBACK_MESSAGE: MessageSysFlag.TRANSACTION_ROLLBACK_TYPE,
  UNKNOW: MessageSysFlag.TRANSACTION_NOT_TYPE,
};

export const commitOrRollbackOf = (s: LocalTransactionState): number => VERDICT[s];

/** END_TRANSACTION, oneway as the Java client sends it. */
export async function endTransaction(
  instance: TransactionPort,
  brokerAddr: string,
  header: HeaderType<typeof EndTransactionRequestHeader>,
): Promise<void> {
  await instance.api.oneway(brokerAddr, request(RequestCode.END_TRANSACTION, EndTransactionRequestHeader, header));
}

/** The verdict for a half message the producer just stored. */
export async function endAfterSend(
  instance: TransactionPort,
  group: string,
  result: SendResult,
  state: LocalTransactionState,
): Promise<void> {
  const decoded = decodeOffsetMsgId(result.offsetMsgId);
  const addr = await instance.requireMasterAddr(result.messageQueue.brokerName, result.messageQueue.topic);
  await endTransaction(instance, addr, {
    producerGroup: group,
    tranStateTableOffset: result.queueOffset,
    commitLogOffset: decoded?.physicalOffset ?? 0,
    commitOrRollback: commitOrRollbackOf(state),
    fromTransactionCheck: false,
    msgId: result.msgId,
    transactionId: result.transactionId ?? result.msgId,
  });
}
