import { numberConfig } from '../admin/config-values.js';
import { lockProcessors } from '../lock/lock-processors.js';
import { DEFAULT_LOCK_MAX_LIVE_TIME_MS, RebalanceLockManager } from '../lock/rebalance-lock-manager.js';
import { queryProcessors } from '../query/query-processors.js';
import type { FeatureDeps, FeatureSet } from './ports.js';

// Entry point of the feature modules: the composition root calls installFeatures once,
// registers every returned processor and calls start()/stop() with the broker's lifecycle.
// Each module gets only the parts of FeatureDeps it uses.

export function installFeatures(deps: FeatureDeps): FeatureSet {
  const locks = new RebalanceLockManager(
    deps.clock,
    numberConfig(deps.config, 'rebalanceLockMaxLiveTime', DEFAULT_LOCK_MAX_LIVE_TIME_MS),
  );
  const processors = [...queryProcessors(deps), ...lockProcessors(locks)];
  let purge: NodeJS.Timeout | undefined;
  return {
    processors,
    async start() {
      // Expired locks are already ignored when deciding; this only frees their memory.
      purge = setInterval(() => locks.purgeExpired(), DEFAULT_LOCK_MAX_LIVE_TIME_MS);
      purge.unref();
    },
    async stop() {
      if (purge) clearInterval(purge);
      purge = undefined;
    },
  };
}
