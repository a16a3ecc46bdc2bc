import { isSystemTopic, RequestCode } from '@rocketmq-ts/protocol';
import { bucketIndex, type HistogramPoint, type MetricFamily, type NumberPoint } from './metric-family.js';

// The counters the send, pull and pop paths bump (RocketMQ 5.x's BrokerMetricsManager names
// and labels). A request costs one Map lookup and a few additions on plain numbers; labels,
// strings and families are only built at scrape time (snapshot()). docs/metrics.md has the
// measured cost.

/** Java's TopicMessageType metrics values, in this order. */
export const MESSAGE_TYPES = ['normal', 'fifo', 'delay', 'transaction'] as const;
export type MessageTypeIndex = 0 | 1 | 2 | 3;
export const MessageTypeIdx = { NORMAL: 0, FIFO: 1, DELAY: 2, TRANSACTION: 3 } as const;

/** rocketmq_message_size buckets (bytes): 1 KiB, 4 KiB, 512 KiB, 1 MiB, 2 MiB, 4 MiB. */
export const MESSAGE_SIZE_BOUNDS = [1024, 4096, 512 * 1024, 1024 * 1024, 2 * 1024 * 1024, 4 * 1024 * 1024];
/** rocketmq_rpc_latency buckets (ms), as RemotingMetricsManager's view. */
export const RPC_LATENCY_BOUNDS = [1, 3, 5, 7, 10, 100, 1000, 2000, 3000];

class InRecord {
  messages = 0;
  bytes = 0;
  sizeSum = 0;
  readonly sizeCounts = new Array<number>(MESSAGE_SIZE_BOUNDS.length + 1).fill(0);
}

/** messages out of one (topic, group), and how far the group has pulled each queue. */
export class OutRecord {
  messages = 0;
  bytes = 0;
  /** Next offset to pull per queue id (Java's pull offset table), -1 = never pulled. */
  readonly pullOffsets: number[] = [];
  constructor(
    readonly topic: string,
    readonly group: string,
  ) {}
}

class RpcRecord {
  count = 0;
  sum = 0;
  readonly counts = new Array<number>(RPC_LATENCY_BOUNDS.length + 1).fill(0);
  constructor(
    readonly requestCode: number,
    readonly responseCode: number,
    readonly result: string,
  ) {}
}

/** Broker-wide totals, for live throughput readers (dashboard, admin). */
export interface MetricsTotals {
  messagesIn: number;
  bytesIn: number;
  messagesOut: number;
  bytesOut: number;
}

// '%' first: a plain topic is told apart by one character compare.
const isRetryOrDlq = (topic: string): boolean =>
  topic.charCodeAt(0) === 37 && (topic.startsWith('%RETRY%') || topic.startsWith('%DLQ%'));
const isSysGroup = (group: string): boolean => group.startsWith('CID_RMQ_SYS_') || group.startsWith('CID_SYS_RMQ_');

export class BrokerMetrics {
  private readonly inByTopic = new Map<string, (InRecord | undefined)[]>();
  /** Keyed `group` → `topic` → record: two lookups, no string building per pull. */
  private readonly outByGroup = new Map<string, Map<string, OutRecord>>();
  private readonly rpc = new Map<number, RpcRecord>();
  private readonly totals: MetricsTotals = { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0 };
  /** Messages moved to a DLQ, per group (rocketmq_send_to_dlq_messages_total). */
  private readonly dlqByGroup = new Map<string, number>();
  private readonly txEnd = { commit: new Map<string, number>(), rollback: new Map<string, number>() };
  /** Mode of the gRPC proxy serving in this process ('local'), for rocketmq_proxy_up. */
  private proxyMode: string | undefined;
  /** rocketmq_rpc_latency points of other protocols served in this process (the Local gRPC proxy). */
  private readonly rpcSources = new Set<() => HistogramPoint[]>();

  /** Adds `points` to rocketmq_rpc_latency at every scrape; returns its removal. */
  addRpcLatencySource(points: () => HistogramPoint[]): () => void {
    this.rpcSources.add(points);
    return () => this.rpcSources.delete(points);
  }

  /**
   * A proxy runs in this process (Local mode) and is up: exported as ProxyMetricsManager's
   * rocketmq_proxy_up = 1 with node_type="proxy" and proxy_mode; undefined when it stopped.
   */
  proxyUp(mode: string | undefined): void {
    this.proxyMode = mode?.toLowerCase();
  }

  /** A stored send (Java: after PUT_OK, retry and DLQ topics left out). */
  recordPut(topic: string, type: MessageTypeIndex, messages: number, bytes: number): void {
    this.totals.messagesIn += messages;
    this.totals.bytesIn += bytes;
    if (isRetryOrDlq(topic)) return;
    let byType = this.inByTopic.get(topic);
    if (byType === undefined) {
      // Four packed slots, one per message type (a holey array is slower to index).
      byType = [undefined, undefined, undefined, undefined];
      this.inByTopic.set(topic, byType);
    }
    let r = byType[type];
    if (r === undefined) {
      r = new InRecord();
      byType[type] = r;
    }
    r.messages += messages;
    r.bytes += bytes;
    // One observation per message of the request's average size (a batch is not one message).
    r.sizeSum += bytes;
    r.sizeCounts[bucketIndex(MESSAGE_SIZE_BOUNDS, bytes / messages)]! += messages;
  }

  /** Messages handed to a consumer (pull or pop); `nextOffset` ≥ 0 advances the pull offset. */
  recordGet(topic: string, group: string, queueId: number, messages: number, bytes: number, nextOffset = -1): void {
    this.totals.messagesOut += messages;
    this.totals.bytesOut += bytes;
    const r = this.out(topic, group);
    r.messages += messages;
    r.bytes += bytes;
    if (nextOffset >= 0 && queueId >= 0) {
      while (r.pullOffsets.length <= queueId) r.pullOffsets.push(-1);
      if (nextOffset > r.pullOffsets[queueId]!) r.pullOffsets[queueId] = nextOffset;
    }
  }

  recordDlq(group: string, messages: number): void {
    this.dlqByGroup.set(group, (this.dlqByGroup.get(group) ?? 0) + messages);
  }

  recordEndTransaction(topic: string, commit: boolean): void {
    const m = commit ? this.txEnd.commit : this.txEnd.rollback;
    m.set(topic, (m.get(topic) ?? 0) + 1);
  }

  /** One remoting request answered (`result` as RemotingMetricsConstant: success, oneway, ...). */
  recordRpc(requestCode: number, responseCode: number, ms: number, result: string): void {
    // Request and response codes both fit in 16 bits; the result is one of a few values, kept
    // apart by the record itself (first one wins per code pair, the rest are rare).
    const key = requestCode * 65_536 + (responseCode & 0xffff);
    let r = this.rpc.get(key);
    if (r === undefined) {
      r = new RpcRecord(requestCode, responseCode, result);
      this.rpc.set(key, r);
    }
    r.count++;
    r.sum += ms;
    r.counts[bucketIndex(RPC_LATENCY_BOUNDS, ms)]!++;
  }

  /** The (topic, group) record, created on first use. */
  out(topic: string, group: string): OutRecord {
    let byTopic = this.outByGroup.get(group);
    if (byTopic === undefined) {
      byTopic = new Map();
      this.outByGroup.set(group, byTopic);
    }
    let r = byTopic.get(topic);
    if (r === undefined) {
      r = new OutRecord(topic, group);
      byTopic.set(topic, r);
    }
    return r;
  }

  /** The pull offset of a queue, or -1 when the group never pulled it here. */
  pullOffset(group: string, topic: string, queueId: number): number {
    return this.outByGroup.get(group)?.get(topic)?.pullOffsets[queueId] ?? -1;
  }

  /** Totals since start (cheap; meant to be sampled for live rates). */
  currentTotals(): MetricsTotals {
    return { ...this.totals };
  }

  /** Messages in per topic (every message type), retry and DLQ topics excluded. */
  topicInTotals(): Map<string, { messages: number; bytes: number }> {
    const m = new Map<string, { messages: number; bytes: number }>();
    for (const [topic, byType] of this.inByTopic) {
      let messages = 0;
      let bytes = 0;
      for (const r of byType) {
        if (r === undefined) continue;
        messages += r.messages;
        bytes += r.bytes;
      }
      m.set(topic, { messages, bytes });
    }
    return m;
  }

  /** Counter and histogram families of the traffic so far. */
  families(): MetricFamily[] {
    const inMsgs: NumberPoint[] = [];
    const inBytes: NumberPoint[] = [];
    const sizes: HistogramPoint[] = [];
    for (const [topic, byType] of this.inByTopic) {
      byType.forEach((r, type) => {
        if (r === undefined) return;
        const labels = { topic, message_type: MESSAGE_TYPES[type]!, is_system: String(isSystemTopic(topic)) };
        inMsgs.push({ labels, value: r.messages });
        inBytes.push({ labels, value: r.bytes });
        sizes.push({
          labels,
          bounds: MESSAGE_SIZE_BOUNDS,
          counts: r.sizeCounts,
          sum: r.sizeSum,
          count: r.messages,
        });
      });
    }
    const outMsgs: NumberPoint[] = [];
    const outBytes: NumberPoint[] = [];
    for (const byTopic of this.outByGroup.values()) {
      for (const r of byTopic.values()) {
        if (isRetryOrDlq(r.topic) || r.messages === 0) continue;
        const labels = {
          topic: r.topic,
          consumer_group: r.group,
          is_system: String(isSystemTopic(r.topic) || isSysGroup(r.group)),
        };
        outMsgs.push({ labels, value: r.messages });
        outBytes.push({ labels, value: r.bytes });
      }
    }
    const rpc: HistogramPoint[] = [];
    for (const r of this.rpc.values()) {
      rpc.push({
        labels: {
          protocol_type: 'remoting',
          request_code: String(r.requestCode),
          response_code: String(r.responseCode),
          is_long_polling: String(LONG_POLLING_CODES.has(r.requestCode)),
          result: r.result,
        },
        bounds: RPC_LATENCY_BOUNDS,
        counts: r.counts,
        sum: r.sum,
        count: r.count,
      });
    }
    for (const points of this.rpcSources) rpc.push(...points());
    const dlq: NumberPoint[] = [...this.dlqByGroup].map(([group, value]) => ({
      labels: { consumer_group: group, is_system: String(isSysGroup(group)) },
      value,
    }));
    const tx = (m: Map<string, number>): NumberPoint[] =>
      [...m].map(([topic, value]) => ({ labels: { topic }, value }));
    return [
      {
        name: 'rocketmq_messages_in_total',
        help: 'Total number of incoming messages',
        kind: 'counter',
        points: inMsgs,
      },
      {
        name: 'rocketmq_messages_out_total',
        help: 'Total number of outgoing messages',
        kind: 'counter',
        points: outMsgs,
      },
      {
        name: 'rocketmq_throughput_in_total',
        help: 'Total traffic of incoming messages',
        kind: 'counter',
        points: inBytes,
      },
      {
        name: 'rocketmq_throughput_out_total',
        help: 'Total traffic of outgoing messages',
        kind: 'counter',
        points: outBytes,
      },
      {
        name: 'rocketmq_message_size',
        help: 'Incoming messages size',
        unit: 'bytes',
        kind: 'histogram',
        points: sizes,
      },
      { name: 'rocketmq_rpc_latency', help: 'Rpc latency', unit: 'milliseconds', kind: 'histogram', points: rpc },
      {
        name: 'rocketmq_send_to_dlq_messages_total',
        help: 'Consumer send to DLQ messages',
        kind: 'counter',
        points: dlq,
      },
      {
        name: 'rocketmq_commit_messages_total',
        help: 'Total number of commit messages',
        kind: 'counter',
        points: tx(this.txEnd.commit),
      },
      ...(this.proxyMode === undefined
        ? []
        : [
            {
              name: 'rocketmq_proxy_up',
              help: 'proxy status',
              kind: 'gauge' as const,
              points: [{ labels: { node_type: 'proxy', proxy_mode: this.proxyMode }, value: 1 }],
            },
          ]),
      {
        name: 'rocketmq_rollback_messages_total',
        help: 'Total number of rollback messages',
        kind: 'counter',
        points: tx(this.txEnd.rollback),
      },
    ];
  }
}

/** PULL_MESSAGE, LITE_PULL_MESSAGE, POP_MESSAGE, NOTIFICATION: the requests that long-poll. */
const LONG_POLLING_CODES = new Set<number>([
  RequestCode.PULL_MESSAGE,
  RequestCode.LITE_PULL_MESSAGE,
  RequestCode.POP_MESSAGE,
  RequestCode.NOTIFICATION,
]);
