import type { Logger } from '@rocketmq-ts/common';
import type { RoleService } from './ports.js';

// The services only a master runs: delayed-level delivery, transaction check-back, Pop revive
// with the pop long-polling check, and the timer wheel. Each writes into the log, which a
// slave takes only from its master. RocketMQ 5.x starts them when the broker becomes master
// and stops them when it becomes a slave (BrokerController changeToMaster/changeToSlave);
// here too: a configured master starts them once at start-up, a broker in controller mode
// whenever the controller makes it master, and a demotion stops them again. docs/controller.md.
//
// Transitions run one at a time in the order asked. A stop stops what was actually started
// (in reverse), never what the configured role suggests: in controller mode that role has
// already changed when the stop runs.

export type BrokerRoleKind = 'master' | 'slave';

export class RoleServices {
  private readonly started: RoleService[] = [];
  private role: BrokerRoleKind = 'slave';
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly services: readonly RoleService[],
    private readonly logger: Logger,
  ) {}

  /** Names of the services running now (start order). */
  get running(): readonly string[] {
    return this.started.map((s) => s.name);
  }

  /** The role the services follow now. */
  get current(): BrokerRoleKind {
    return this.role;
  }

  /**
   * Brings the services in line with `role`: master starts those not running, slave stops
   * those running. Repeating a role changes nothing. Resolves when this transition is done.
   */
  follow(role: BrokerRoleKind): Promise<void> {
    return this.enqueue(async () => {
      if (this.closed) return;
      this.role = role;
      if (role === 'master') await this.startAll();
      else await this.stopAll();
    });
  }

  /** Shutdown: stops what runs and refuses later transitions. Idempotent. */
  close(): Promise<void> {
    return this.enqueue(async () => {
      this.closed = true;
      await this.stopAll();
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step);
    // A failed transition must not block the ones after it; the caller still sees its error.
    this.queue = next.catch((err: unknown) => this.logger.error({ err }, 'master-only services transition failed'));
    return next;
  }

  private async startAll(): Promise<void> {
    for (const s of this.services) {
      if (this.started.includes(s)) continue;
      try {
        await s.start();
        this.started.push(s);
      } catch (err) {
        // The others still start (a master without timers beats one without any); the next
        // follow('master') (the controller re-confirms the role) tries this one again.
        this.logger.error({ err, service: s.name }, 'starting a master-only service failed');
      }
    }
    if (this.started.length > 0) this.logger.info({ services: this.running }, 'master-only services started');
  }

  private async stopAll(): Promise<void> {
    if (this.started.length === 0) return;
    const names = this.running;
    while (this.started.length > 0) {
      const s = this.started.pop()!;
      await s.stop().catch((err: unknown) => this.logger.error({ err, service: s.name }, 'stopping a service failed'));
    }
    this.logger.info({ services: names }, 'master-only services stopped');
  }
}
