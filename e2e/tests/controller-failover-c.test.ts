// Controller mode, failover trials 21–30 of the 50 that run in npm test (issue 15); the trials
// and what each one checks: e2e/tests/controller-failover-trials.ts.
import { failoverTrialsSuite } from './controller-failover-trials.js';

failoverTrialsSuite(21, 30);
