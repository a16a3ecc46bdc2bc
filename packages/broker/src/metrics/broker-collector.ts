import type { Clock } from '@rocketmq-ts/common';
import { isSystemTopic } from '@rocketmq-ts/protocol';
import type { MessageStore } from '@rocketmq-ts/store';
import type { ClientChannel, ConsumerGroupInfo } from '../runtime/ports.js';
import type { BrokerMetrics } from './broker-metrics.js';
import type { MetricFamily, NumberPoint } from './metric-family.js';

// Gauges read at scrape time (Java registers them as OpenTelemetry callbacks): topic and group
// counts, connections, consumer lag / inflight / ready from the offsets, and the store's
// sizes. Nothing here runs unless someone scrapes or an export is due.

export interface CollectorDeps {
  metrics: BrokerMetrics;
  store: Pick<
    MessageStore,
    'getMaxOffsetInQueue' | 'getMessageStoreTimestamp' | 'getMinPhyOffset' | 'getMaxPhyOffset' | 'runtimeInfo'
  >;
  topics: { all(): Iterable<{ topicName: string }> };
  groups: { all(): Iterable<unknown> };
  offsets: { entries(): Iterable<{ group: string; topic: string; queues: ReadonlyMap<number, number> }> };
  clients: {
    consumerGroups(): Iterable<ConsumerGroupInfo>;
    producerGroups(): string[];
    producerChannels(group: string): ClientChannel[];
  };
  /** Pop messages handed out and not acked, per queue. */
  popInflight?: (group: string, topic: string, queueId: number) => number;
  /** Pop messages revived (re-put to retry or DLQ) since start. */
  popRevived?: () => number;
  /** The timer wheel's runtime figures (TimerMessageService.runtimeInfo); absent when the wheel is off. */
  timer?: () => Readonly<Record<string, string>>;
  brokerPermission: () => number;
  /** Upper bound of queues whose lag latency is looked up per scrape (each is a store read). */
  maxLatencyLookups?: number;
  clock: Clock;
}

const isSysGroup = (group: string): boolean => group.startsWith('CID_RMQ_SYS_') || group.startsWith('CID_SYS_RMQ_');

function count<T>(it: Iterable<T>): number {
  let n = 0;
  for (const _ of it) n++;
  return n;
}

function gauge(name: string, help: string, points: NumberPoint[], unit?: string): MetricFamily {
  return unit === undefined ? { name, help, kind: 'gauge', points } : { name, help, unit, kind: 'gauge', points };
}

/** A master's replication state: commit log end and each slave's acknowledged offset. */
export interface HaView {
  masterMaxOffset: number;
  inSyncSlaves: number;
  slaves: { addr: string; ackOffset: number }[];
}

/** Per (group, topic): the figures of Java's ConsumerLagCalculator, summed over queues. */
export interface GroupLag {
  group: string;
  topic: string;
  lag: number;
  inflight: number;
  ready: number;
  /** ms since the oldest unconsumed message was stored (0 without lag). */
  lagLatencyMs: number;
}

export class BrokerCollector {
  /** Open remoting connections; set by the lifecycle once the listeners exist. */
  connections: () => number = () => 0;
  /** Replication as a master sees it (set by the lifecycle, which owns replication). */
  ha: () => HaView | undefined = () => undefined;

  constructor(private readonly d: CollectorDeps) {}

  /** Lag of every group with committed offsets on this broker (also used by live readers). */
  async lag(): Promise<GroupLag[]> {
    const { store, metrics, clock } = this.d;
    const now = clock.now();
    let lookups = this.d.maxLatencyLookups ?? 1000;
    const out: GroupLag[] = [];
    for (const { group, topic, queues } of this.d.offsets.entries()) {
      const row: GroupLag = { group, topic, lag: 0, inflight: 0, ready: 0, lagLatencyMs: 0 };
      for (const [queueId, committed] of queues) {
        const max = store.getMaxOffsetInQueue(topic, queueId);
        const consumed = Math.max(0, committed);
        const pulled = Math.max(consumed, metrics.pullOffset(group, topic, queueId));
        const lag = Math.max(0, max - consumed);
        row.lag += lag;
        const pop = this.d.popInflight?.(group, topic, queueId) ?? 0;
        row.inflight += Math.max(0, pulled - consumed) + pop;
        row.ready += Math.max(0, max - pulled);
        if (lag > 0 && lookups-- > 0) {
          const stored = await store.getMessageStoreTimestamp(topic, queueId, consumed);
          if (stored > 0) row.lagLatencyMs = Math.max(row.lagLatencyMs, now - stored);
        }
      }
      out.push(row);
    }
    return out;
  }

  async families(): Promise<MetricFamily[]> {
    const d = this.d;
    const lagPoints: NumberPoint[] = [];
    const latencyPoints: NumberPoint[] = [];
    const inflightPoints: NumberPoint[] = [];
    const readyPoints: NumberPoint[] = [];
    for (const r of await this.lag()) {
      const labels = {
        consumer_group: r.group,
        topic: r.topic,
        is_retry: String(r.topic.startsWith('%RETRY%')),
        is_system: String(isSystemTopic(r.topic) || isSysGroup(r.group)),
      };
      lagPoints.push({ labels, value: r.lag });
      latencyPoints.push({ labels, value: r.lagLatencyMs });
      inflightPoints.push({ labels, value: r.inflight });
      readyPoints.push({ labels, value: r.ready });
    }
    const producerConns = new Map<string, { labels: Record<string, string>; value: number }>();
    for (const g of d.clients.producerGroups()) {
      for (const ch of d.clients.producerChannels(g)) {
        const labels = { language: ch.language.toLowerCase(), version: String(ch.version), protocol_type: 'remoting' };
        const k = `${labels.language}\u0001${labels.version}`;
        const e = producerConns.get(k) ?? { labels, value: 0 };
        e.value++;
        producerConns.set(k, e);
      }
    }
    const consumerConns = new Map<string, { labels: Record<string, string>; value: number }>();
    for (const g of d.clients.consumerGroups()) {
      for (const ch of g.channels) {
        const labels = {
          consumer_group: g.groupName,
          language: ch.language.toLowerCase(),
          version: String(ch.version),
          consume_mode: g.consumeType === 'CONSUME_ACTIVELY' ? 'pull' : 'push',
          protocol_type: 'remoting',
          is_system: String(isSysGroup(g.groupName)),
        };
        const k = `${g.groupName}\u0001${labels.language}\u0001${labels.version}\u0001${labels.consume_mode}`;
        const e = consumerConns.get(k) ?? { labels, value: 0 };
        e.value++;
        consumerConns.set(k, e);
      }
    }
    const info = d.store.runtimeInfo();
    const maxPhy = d.store.getMaxPhyOffset();
    const flushed = Number(info.commitLogFlushedOffset ?? maxPhy);
    const storeLabels = { storage_type: 'local', storage_medium: 'disk' };
    return [
      gauge('rocketmq_broker_permission', 'Broker permission', [{ labels: {}, value: d.brokerPermission() }]),
      gauge('rocketmq_topic_number', 'Active topic number', [{ labels: {}, value: count(d.topics.all()) }]),
      gauge('rocketmq_consumer_group_number', 'Active subscription group number', [
        { labels: {}, value: count(d.groups.all()) },
      ]),
      gauge('rocketmq_producer_connections', 'Producer connections', [...producerConns.values()]),
      gauge('rocketmq_consumer_connections', 'Consumer connections', [...consumerConns.values()]),
      gauge('rocketmq_connections', 'Open remoting connections of the broker', [
        { labels: { protocol_type: 'remoting' }, value: this.connections() },
      ]),
      gauge('rocketmq_consumer_lag_messages', 'Consumer lag messages', lagPoints),
      gauge('rocketmq_consumer_lag_latency', 'Consumer lag time', latencyPoints, 'milliseconds'),
      gauge('rocketmq_consumer_inflight_messages', 'Consumer inflight messages', inflightPoints),
      gauge('rocketmq_consumer_ready_messages', 'Consumer ready messages', readyPoints),
      {
        name: 'rocketmq_pop_revive_retry_messages_total',
        help: 'Total number of retry messages put by pop revive',
        kind: 'counter',
        points: d.popRevived ? [{ labels: { put_status: 'PUT_OK' }, value: d.popRevived() }] : [],
      },
      ...this.timerFamilies(),
      ...this.haFamilies(),
      gauge(
        'rocketmq_storage_size',
        'Broker storage size (CommitLog bytes retained)',
        [{ labels: storeLabels, value: Math.max(0, maxPhy - d.store.getMinPhyOffset()) }],
        'bytes',
      ),
      gauge(
        'rocketmq_storage_flush_behind_bytes',
        'Broker flush behind bytes',
        [{ labels: storeLabels, value: Math.max(0, maxPhy - flushed) }],
        'bytes',
      ),
      gauge(
        'rocketmq_storage_dispatch_behind_bytes',
        'Broker dispatch behind bytes',
        [{ labels: storeLabels, value: Number(info.dispatchBehindBytes ?? 0) }],
        'bytes',
      ),
    ];
  }

  /**
   * DefaultStoreMetricsManager's timer instruments, from the wheel's counters: enqueue lag is
   * rmq_sys_wheel_timer messages not yet filed, dequeue latency the seconds the read pointer is
   * behind now, the totals without the topic label (the wheel counts per broker, not per topic).
   */
  private timerFamilies(): MetricFamily[] {
    const info = this.d.timer?.();
    if (info === undefined) return [];
    const n = (k: string): number => Number(info[k] ?? 0);
    const one = (value: number): NumberPoint[] => [{ labels: {}, value }];
    return [
      gauge('rocketmq_timer_enqueue_lag', 'Timer enqueue messages lag', one(n('timerOffsetBehind'))),
      gauge('rocketmq_timer_dequeue_latency', 'Timer dequeue latency', one(n('timerReadBehind')), 'seconds'),
      gauge('rocketmq_timing_messages', 'Current message number in timing', one(n('timerCongestNum'))),
      {
        name: 'rocketmq_timer_enqueue_total',
        help: 'Total number of timer enqueue',
        kind: 'counter',
        points: one(n('timerEnqueueTotal')),
      },
      {
        name: 'rocketmq_timer_dequeue_total',
        help: 'Total number of timer dequeue',
        kind: 'counter',
        points: one(n('timerDequeueTotal')),
      },
    ];
  }

  /**
   * Replication on a master (RocketMQ 5.x exports none; names of our own under rocketmq_ha_):
   * bytes each slave is behind the commit log end, and the in-sync slave count.
   */
  private haFamilies(): MetricFamily[] {
    const ha = this.ha();
    if (ha === undefined) return [];
    return [
      gauge(
        'rocketmq_ha_slave_lag',
        'Commit log bytes a slave has not acknowledged',
        ha.slaves.map((s) => ({
          labels: { slave_addr: s.addr },
          value: Math.max(0, ha.masterMaxOffset - s.ackOffset),
        })),
        'bytes',
      ),
      gauge('rocketmq_ha_in_sync_slaves', 'Slaves within haMaxGapNotInSync', [{ labels: {}, value: ha.inSyncSlaves }]),
    ];
  }
}
