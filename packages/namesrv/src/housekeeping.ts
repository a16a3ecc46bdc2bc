import { type Logger, silentLogger } from '@rocketmq-ts/common';
import type { RouteInfoManager } from './route-info.js';
import type { BrokerLiveInfo } from './route-info-types.js';

// Broker lease expiry. A broker that has not re-registered (or heartbeated) within its
// heartbeatTimeoutMillis (default 120 s) is dropped by a scan every
// scanNotActiveBrokerInterval (5 s); its connection is closed as well. The lease decision
// uses the RouteInfoManager's injected Clock, so tests drive expiry with scanOnce().

export class Housekeeping {
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(
    private readonly routeInfo: RouteInfoManager,
    private readonly intervalMs: number,
    logger: Logger = silentLogger,
  ) {
    this.log = logger;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.scanOnce(), this.intervalMs);
    // The server keeps the process alive; this timer alone should not.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Removes expired brokers, closes their connections and returns them. */
  scanOnce(): BrokerLiveInfo[] {
    const expired = this.routeInfo.scanNotActiveBroker();
    for (const live of expired) {
      try {
        live.channel?.close();
      } catch (err) {
        this.log.warn({ err, brokerAddr: live.brokerAddr }, 'closing expired broker connection failed');
      }
    }
    return expired;
  }
}
