import { DEFAULT_MESSAGE_DELAY_LEVEL, parseDelayLevels } from '@rocketmq-ts/protocol';
import { AdminService } from '../admin/admin-service.js';
import { numberConfig, stringConfig } from '../admin/config-values.js';
import { lockProcessors } from '../lock/lock-processors.js';
import { DEFAULT_LOCK_MAX_LIVE_TIME_MS, RebalanceLockManager } from '../lock/rebalance-lock-manager.js';
import { queryProcessors } from '../query/query-processors.js';
import { sendBackProcessor } from '../retry/send-back.js';
import { scheduleProcessors } from '../schedule/schedule-processors.js';
import { DEFAULT_FLUSH_DELAY_OFFSET_INTERVAL_MS, ScheduleMessageService } from '../schedule/schedule-service.js';
import { endTransactionProcessor } from '../transaction/end-transaction.js';
import { TransactionService } from '../transaction/transaction-service.js';
import { DEFAULT_CHECK_POLICY } from '../transaction/transaction-state.js';
import type { FeatureDeps, FeatureProcessor, FeatureSet } from './ports.js';

// Entry point of the feature modules: the composition root calls installFeatures once,
// registers every returned processor and calls start()/stop() with the broker's lifecycle.
// Each module gets only the parts of FeatureDeps it uses.
//
// Codes served: 12 QUERY_MESSAGE, 33 VIEW_MESSAGE_BY_ID, 36 CONSUMER_SEND_MSG_BACK,
// 37 END_TRANSACTION, 41 LOCK_BATCH_MQ, 42 UNLOCK_BATCH_MQ, 45 GET_ALL_DELAY_OFFSET; admin: 17, 21, 26, 28, 43,
// 200, 201, 202, 203, 207, 208, 215, 222, 300, 307, 351, 352.

export function installFeatures(deps: FeatureDeps): FeatureSet {
  const levelsMs = parseDelayLevels(stringConfig(deps.config, 'messageDelayLevel', DEFAULT_MESSAGE_DELAY_LEVEL));
  const schedule = new ScheduleMessageService(
    deps,
    levelsMs,
    numberConfig(deps.config, 'flushDelayOffsetInterval', DEFAULT_FLUSH_DELAY_OFFSET_INTERVAL_MS),
  );
  const locks = new RebalanceLockManager(
    deps.clock,
    numberConfig(deps.config, 'rebalanceLockMaxLiveTime', DEFAULT_LOCK_MAX_LIVE_TIME_MS),
  );
  const admin = new AdminService(deps);
  const tx = new TransactionService(deps, {
    timeoutMs: numberConfig(deps.config, 'transactionTimeOut', DEFAULT_CHECK_POLICY.timeoutMs),
    intervalMs: numberConfig(deps.config, 'transactionCheckInterval', DEFAULT_CHECK_POLICY.intervalMs),
    maxChecks: numberConfig(deps.config, 'transactionCheckMax', DEFAULT_CHECK_POLICY.maxChecks),
  });
  const processors: FeatureProcessor[] = [
    ...queryProcessors(deps),
    sendBackProcessor(deps, levelsMs),
    endTransactionProcessor(deps, tx, levelsMs),
    ...lockProcessors(locks),
    ...scheduleProcessors(schedule),
    ...admin.processors,
  ];
  let purge: NodeJS.Timeout | undefined;
  return {
    processors,
    locks,
    schedule,
    // Only a master delivers delayed messages and checks transactions (a slave's log is the
    // master's); the composition root runs these with the role (runtime/role-services.ts).
    masterServices: [
      { name: 'schedule', start: () => schedule.startDelivery(), stop: () => schedule.stopDelivery() },
      { name: 'transaction', start: () => tx.start(), stop: () => tx.stop() },
    ],
    async start() {
      // Every role keeps the delay progress (a slave copies the master's, ready for promotion).
      await schedule.start(false);
      admin.start();
      // Expired locks are already ignored when deciding; this only frees their memory.
      purge = setInterval(() => locks.purgeExpired(), DEFAULT_LOCK_MAX_LIVE_TIME_MS);
      purge.unref();
    },
    async stop() {
      if (purge) clearInterval(purge);
      purge = undefined;
      admin.stop();
      await schedule.stop();
    },
  };
}
