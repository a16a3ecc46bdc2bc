import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isConsumableTransactionType,
  isRollbackTransactionType,
  MessageSysFlag,
  transactionType,
  withTransactionType,
} from '../../src/index.js';

const { TRANSACTION_NOT_TYPE, TRANSACTION_PREPARED_TYPE, TRANSACTION_COMMIT_TYPE, TRANSACTION_ROLLBACK_TYPE } =
  MessageSysFlag;
// Every other bit set, so a predicate that looks past bits 2-3 is caught.
const OTHER_BITS = MessageSysFlag.COMPRESSED_FLAG | MessageSysFlag.MULTI_TAGS_FLAG | 0x7f0;

describe('transaction type', () => {
  it('reads and replaces bits 2-3 of the sysFlag only', () => {
    for (const t of [
      TRANSACTION_NOT_TYPE,
      TRANSACTION_PREPARED_TYPE,
      TRANSACTION_COMMIT_TYPE,
      TRANSACTION_ROLLBACK_TYPE,
    ]) {
      assert.equal(transactionType(OTHER_BITS | t), t);
      const replaced = withTransactionType(OTHER_BITS | TRANSACTION_PREPARED_TYPE, t);
      assert.equal(replaced, OTHER_BITS | t);
    }
  });

  it('makes plain and committed messages consumable, prepared and rolled-back ones not', () => {
    assert.equal(isConsumableTransactionType(OTHER_BITS | TRANSACTION_NOT_TYPE), true);
    assert.equal(isConsumableTransactionType(OTHER_BITS | TRANSACTION_COMMIT_TYPE), true);
    assert.equal(isConsumableTransactionType(OTHER_BITS | TRANSACTION_PREPARED_TYPE), false);
    assert.equal(isConsumableTransactionType(OTHER_BITS | TRANSACTION_ROLLBACK_TYPE), false);
  });

  it('marks only rolled-back records as not indexed', () => {
    assert.equal(isRollbackTransactionType(OTHER_BITS | TRANSACTION_ROLLBACK_TYPE), true);
    for (const t of [TRANSACTION_NOT_TYPE, TRANSACTION_PREPARED_TYPE, TRANSACTION_COMMIT_TYPE]) {
      assert.equal(isRollbackTransactionType(OTHER_BITS | t), false);
    }
  });
});
