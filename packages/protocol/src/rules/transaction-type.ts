import { MessageSysFlag } from '../message/message-const.js';

// The transaction type held in bits 2-3 of a message's sysFlag, and what each type means to
// the store: prepared (half) and rolled-back records are never consumable, and rolled-back
// records are not indexed either.

/** Transaction type bits of a sysFlag (NOT / PREPARED / COMMIT / ROLLBACK). */
export const transactionType = (sysFlag: number): number => sysFlag & MessageSysFlag.TRANSACTION_TYPE_MASK;

/** Replaces the transaction type bits of a sysFlag. */
export const withTransactionType = (sysFlag: number, type: number): number =>
  (sysFlag & ~MessageSysFlag.TRANSACTION_TYPE_MASK) | type;

/** A plain or committed message: one a ConsumeQueue gets (and the delay levels apply to). */
export function isConsumableTransactionType(sysFlag: number): boolean {
  const t = sysFlag & MessageSysFlag.TRANSACTION_TYPE_MASK;
  return t === MessageSysFlag.TRANSACTION_NOT_TYPE || t === MessageSysFlag.TRANSACTION_COMMIT_TYPE;
}

/** A rolled-back transaction record: kept in the CommitLog, not indexed. */
export const isRollbackTransactionType = (sysFlag: number): boolean =>
  (sysFlag & MessageSysFlag.TRANSACTION_TYPE_MASK) === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;
