import { type Clock, systemClock } from '@rocketmq-ts/common';
import type { MessageQueue } from '@rocketmq-ts/protocol';

// Latency-based fault avoidance (Java's MQFaultStrategy): a broker whose last send was slow
// or failed is skipped for a while. Thresholds are RocketMQ 5.x's defaults: latency at or
// above latencyMax[i] makes the broker unavailable for notAvailableDuration[i] ms.
const LATENCY_MAX = [50, 100, 550, 1800, 3000, 5000, 15000];
const NOT_AVAILABLE = [0, 0, 2000, 5000, 6000, 10000, 30000];
/** A failed send is treated as this much latency. */
const ISOLATION_LATENCY = 10_000;

export function notAvailableDuration(latencyMs: number): number {
  for (let i = LATENCY_MAX.length - 1; i >= 0; i--) if (latencyMs >= LATENCY_MAX[i]!) return NOT_AVAILABLE[i]!;
  return 0;
}

interface FaultItem {
  latency: number;
  availableAt: number;
}

export class FaultStrategy {
  private readonly items = new Map<string, FaultItem>();
  private index = Math.floor(Math.random() * 1024);

  constructor(
    readonly enabled = true,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Records the outcome of a send to a broker. */
  update(brokerName: string, latencyMs: number, failed: boolean): void {
    if (!this.enabled) return;
    const latency = failed ? ISOLATION_LATENCY : latencyMs;
    this.items.set(brokerName, { latency, availableAt: this.clock.now() + notAvailableDuration(latency) });
  }

  isAvailable(brokerName: string): boolean {
    const it = this.items.get(brokerName);
    return !it || this.clock.now() >= it.availableAt;
  }

  /**
   * Picks the next queue round-robin, skipping brokers in their penalty window and, on a
   * retry, the broker that just failed. When every broker is penalised, falls back to the
   * plain round-robin choice avoiding `lastBrokerName` if possible.
   */
  select(queues: readonly MessageQueue[], lastBrokerName?: string): MessageQueue | undefined {
    const n = queues.length;
    if (n === 0) return undefined;
    if (this.enabled) {
      for (let i = 0; i < n; i++) {
        const q = queues[this.next() % n]!;
        if (q.brokerName !== lastBrokerName && this.isAvailable(q.brokerName)) return q;
      }
      for (let i = 0; i < n; i++) {
        const q = queues[this.next() % n]!;
        if (this.isAvailable(q.brokerName)) return q;
      }
    }
    for (let i = 0; i < n; i++) {
      const q = queues[this.next() % n]!;
      if (q.brokerName !== lastBrokerName) return q;
    }
    return queues[this.next() % n];
  }

  private next(): number {
    this.index = (this.index + 1) & 0x3fffffff;
    return this.index;
  }
}
