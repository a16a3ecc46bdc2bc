import type { MQAdmin, Producer } from '@rocketmq-ts/client';
import type { StatsSampler } from '../server/sampler.js';

/** What the API handlers use: the admin client, the sampled series and a producer for resends. */
export interface ApiDeps {
  admin: MQAdmin;
  sampler: StatsSampler;
  /** Started on first use (DLQ resend), shut down with the dashboard. */
  producer(): Promise<Producer>;
  sampleIntervalMs: number;
}
