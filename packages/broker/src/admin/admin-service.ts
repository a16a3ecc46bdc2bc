import type { FeatureDeps, FeatureProcessor } from '../runtime/ports.js';
import { brokerAdminProcessors, GET_SERIES, getTotalOf, PUT_SERIES, putTotalOf } from './broker-admin.js';
import { groupAdminProcessors } from './group-admin.js';
import { producerAdminProcessors } from './producer-admin.js';
import { topicAdminProcessors } from './topic-admin.js';
import { TpsSampler } from './tps-sampler.js';

// The admin processors plus the once-a-second sampling their TPS figures come from.

const SAMPLE_INTERVAL_MS = 1000;

export class AdminService {
  readonly processors: FeatureProcessor[];
  private readonly sampler = new TpsSampler();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: FeatureDeps) {
    const boot = deps.clock.now();
    this.sampler.track(PUT_SERIES, putTotalOf(deps), boot);
    this.sampler.track(GET_SERIES, getTotalOf(deps), boot);
    this.processors = [
      ...brokerAdminProcessors(deps, this.sampler, boot),
      ...topicAdminProcessors(deps),
      ...groupAdminProcessors(deps, this.sampler),
      ...producerAdminProcessors(deps),
    ];
  }

  /** Takes one sample now (the timer calls this; tests call it with a manual clock). */
  sample(): void {
    this.sampler.sample(this.deps.clock.now());
  }

  start(): void {
    this.timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
