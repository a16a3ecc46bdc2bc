import { type BrokerMetrics, type HistogramPoint, RPC_LATENCY_BOUNDS } from '@rocketmq-ts/broker';
import type { RpcObserver } from './server-api.js';

// The proxy's unary RPCs as RocketMQ's rocketmq_rpc_latency histogram (milliseconds, the
// remoting view's buckets) with protocol_type="grpc": request_code is the RPC in snake case
// (send_message, ack_message, …), response_code the apache.rocketmq.v2.Code of its Status.
// Recording is a Map lookup and a few additions; labels are built at scrape time.

class Series {
  count = 0;
  sum = 0;
  readonly counts = new Array<number>(RPC_LATENCY_BOUNDS.length + 1).fill(0);
  constructor(
    readonly rpc: string,
    readonly code: number,
  ) {}
}

const snake = (rpc: string): string => rpc.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

export class GrpcRpcMetrics {
  private readonly series = new Map<string, Map<number, Series>>();

  readonly observe: RpcObserver = (rpc, code, ms) => {
    let byCode = this.series.get(rpc);
    if (byCode === undefined) {
      byCode = new Map();
      this.series.set(rpc, byCode);
    }
    let s = byCode.get(code);
    if (s === undefined) {
      s = new Series(rpc, code);
      byCode.set(code, s);
    }
    s.count++;
    s.sum += ms;
    let i = 0;
    while (i < RPC_LATENCY_BOUNDS.length && ms > RPC_LATENCY_BOUNDS[i]!) i++;
    s.counts[i]!++;
  };

  points(): HistogramPoint[] {
    const out: HistogramPoint[] = [];
    for (const byCode of this.series.values()) {
      for (const s of byCode.values()) {
        out.push({
          labels: {
            protocol_type: 'grpc',
            request_code: snake(s.rpc),
            response_code: String(s.code),
            is_long_polling: 'false',
            result: 'success',
          },
          bounds: RPC_LATENCY_BOUNDS,
          counts: [...s.counts],
          sum: s.sum,
          count: s.count,
        });
      }
    }
    return out;
  }

  /** Exports these series with the broker's rocketmq_rpc_latency; returns the detach. */
  attach(metrics: Pick<BrokerMetrics, 'addRpcLatencySource'>): () => void {
    return metrics.addRpcLatencySource(() => this.points());
  }
}

/** Calls every observer given. */
export function observeAll(...observers: (RpcObserver | undefined)[]): RpcObserver | undefined {
  const list = observers.filter((o): o is RpcObserver => o !== undefined);
  if (list.length <= 1) return list[0];
  return (rpc, code, ms) => {
    for (const o of list) o(rpc, code, ms);
  };
}
