import type { MQAdmin } from '@rocketmq-ts/client';
import type { Logger } from '@rocketmq-ts/common';
import { RingBuffer } from './ring-buffer.js';

// Series the dashboard keeps itself, because the brokers keep none: per-broker throughput
// (deltas of GET_BROKER_RUNTIME_INFO's put/get totals) and per-group total lag
// (GET_CONSUME_STATS), sampled every `intervalMs` into fixed-size ring buffers.

export interface ThroughputPoint {
  /** Sample time, ms since the epoch. */
  t: number;
  /** Messages stored per second since the previous sample. */
  inTps: number;
  /** Messages delivered per second since the previous sample. */
  outTps: number;
}

export interface LagPoint {
  t: number;
  lag: number;
}

export interface SamplerOptions {
  intervalMs: number;
  /** Points kept per series. */
  capacity: number;
  /** Groups sampled at most (the first by name); the rest are sampled when viewed. */
  maxGroups: number;
  logger: Logger;
}

/** Groups the brokers create for themselves; their lag is not interesting. */
export const isSystemGroup = (group: string): boolean =>
  group.startsWith('CID_RMQ_SYS_') ||
  group.startsWith('CID_ONS') ||
  group === 'TOOLS_CONSUMER' ||
  group === 'FILTERSRV_CONSUMER' ||
  group === '__MONITOR_CONSUMER' ||
  group === 'SELF_TEST_C_GROUP' ||
  group === 'CID_ONSAPI_OWNER' ||
  group === 'CID_ONSAPI_PERMISSION' ||
  group === 'CID_ONSAPI_PULL' ||
  group === 'CID_SYS_RMQ_TRANS';

export class StatsSampler {
  private readonly throughput = new Map<string, RingBuffer<ThroughputPoint>>();
  private readonly lastTotals = new Map<string, { t: number; put: number; get: number }>();
  private readonly lag = new Map<string, RingBuffer<LagPoint>>();
  /** Groups someone looked at: sampled even past maxGroups. */
  private readonly watched = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly admin: MQAdmin,
    private readonly o: SamplerOptions,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.sampleOnce()
        .catch((e: unknown) => this.o.logger.debug({ err: e }, 'dashboard sample failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.o.intervalMs).unref();
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  watch(group: string): void {
    if (this.watched.size < 256) this.watched.add(group);
  }

  throughputOf(broker: string): ThroughputPoint[] {
    return this.throughput.get(broker)?.toArray() ?? [];
  }

  /** Sum over brokers, aligned on each sample round. */
  totalThroughput(): ThroughputPoint[] {
    const byRound = new Map<number, ThroughputPoint>();
    for (const series of this.throughput.values()) {
      for (const p of series.toArray()) {
        const key = Math.round(p.t / this.o.intervalMs);
        const acc = byRound.get(key);
        if (acc) {
          acc.inTps += p.inTps;
          acc.outTps += p.outTps;
        } else byRound.set(key, { ...p });
      }
    }
    return [...byRound.values()].sort((a, b) => a.t - b.t);
  }

  lagOf(group: string): LagPoint[] {
    return this.lag.get(group)?.toArray() ?? [];
  }

  /** One round: every master's totals, then the lag of the sampled groups. */
  async sampleOnce(): Promise<void> {
    const masters = await this.admin.masterAddrs();
    const now = Date.now();
    const groups = new Set<string>(this.watched);
    for (const m of masters) {
      try {
        const stats = await this.admin.brokerRuntimeStats(m.addr);
        this.recordTotals(
          m.brokerName,
          now,
          Number(stats.msgPutTotalTodayNow ?? 0),
          Number(stats.msgGetTotalTodayNow ?? 0),
        );
        const names = (await this.admin.subscriptionGroups(m.addr))
          .map((g) => g.groupName)
          .filter((g) => !isSystemGroup(g));
        for (const g of names.slice(0, this.o.maxGroups)) groups.add(g);
      } catch (e) {
        this.o.logger.debug({ err: e, broker: m.addr }, 'dashboard: broker sample failed');
      }
    }
    for (const g of groups) {
      if (this.stopped) return;
      try {
        const p = await this.admin.consumeStats(g);
        this.series(this.lag, g).push({ t: Date.now(), lag: p.totalLag });
      } catch {
        // a group with no offsets and no retry topic yet has no lag to show
      }
    }
  }

  private recordTotals(broker: string, t: number, put: number, get: number): void {
    const prev = this.lastTotals.get(broker);
    this.lastTotals.set(broker, { t, put, get });
    if (!prev || t <= prev.t) return;
    const secs = (t - prev.t) / 1000;
    // Totals restart at midnight (Java) or at a broker restart: a negative step counts as 0.
    const rate = (d: number) => (d > 0 ? Math.round((d / secs) * 100) / 100 : 0);
    this.series(this.throughput, broker).push({ t, inTps: rate(put - prev.put), outTps: rate(get - prev.get) });
  }

  private series<T>(map: Map<string, RingBuffer<T>>, key: string): RingBuffer<T> {
    let s = map.get(key);
    if (!s) {
      s = new RingBuffer<T>(this.o.capacity);
      map.set(key, s);
    }
    return s;
  }
}
