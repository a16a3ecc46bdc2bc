import type { Clock } from '@rocketmq-ts/common';
import type { BrokerLiveInfo } from './elect-policy.js';
import type { Liveness } from './replicas-info.js';

// Broker liveness on one controller node (RocketMQ's DefaultBrokerHeartbeatManager): an entry
// per (cluster, brokerName, brokerId), alive while last + timeout ≥ now. Each node keeps its
// own table (heartbeats go to every controller); only the leader acts on expiries. Time is
// injected, so tests move it by hand.

export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000;
const INT_MAX = 2147483647;

export interface HeartbeatEntry extends BrokerLiveInfo {
  clusterName: string;
  brokerName: string;
  brokerAddr: string;
  lastUpdate: number;
  timeoutMs: number;
  /** Connection the last heartbeat came on; its close marks the broker inactive at once. */
  channel?: unknown;
}

export interface HeartbeatInput {
  clusterName: string;
  brokerName: string;
  brokerAddr: string;
  brokerId: number;
  timeoutMs?: number | undefined;
  epoch?: number | undefined;
  maxOffset?: number | undefined;
  confirmOffset?: number | undefined;
  electionPriority?: number | undefined;
  channel?: unknown;
}

const key = (cluster: string, name: string, id: number) => `${cluster}\u0000${name}\u0000${id}`;

export class BrokerHeartbeatManager implements Liveness {
  private readonly table = new Map<string, HeartbeatEntry>();

  constructor(private readonly clock: Clock) {}

  onHeartbeat(hb: HeartbeatInput): void {
    const k = key(hb.clusterName, hb.brokerName, hb.brokerId);
    const now = this.clock.now();
    const prev = this.table.get(k);
    const epoch = hb.epoch ?? -1;
    const maxOffset = hb.maxOffset ?? -1;
    const entry: HeartbeatEntry = {
      clusterName: hb.clusterName,
      brokerName: hb.brokerName,
      brokerAddr: hb.brokerAddr,
      brokerId: hb.brokerId,
      lastUpdate: now,
      timeoutMs: hb.timeoutMs && hb.timeoutMs > 0 ? hb.timeoutMs : DEFAULT_HEARTBEAT_TIMEOUT_MS,
      epoch,
      maxOffset,
      confirmOffset: hb.confirmOffset ?? -1,
      electionPriority: hb.electionPriority ?? INT_MAX,
      channel: hb.channel,
    };
    // (epoch, maxOffset) only move up, as in RocketMQ; a new address (restart) resets them.
    if (prev && prev.brokerAddr === hb.brokerAddr) {
      if (prev.epoch > epoch || (prev.epoch === epoch && prev.maxOffset > maxOffset)) {
        entry.epoch = prev.epoch;
        entry.maxOffset = prev.maxOffset;
      }
    }
    this.table.set(k, entry);
  }

  liveInfo(clusterName: string, brokerName: string, brokerId: number): BrokerLiveInfo | undefined {
    const e = this.table.get(key(clusterName, brokerName, brokerId));
    if (!e || e.lastUpdate + e.timeoutMs < this.clock.now()) return undefined;
    return e;
  }

  /** Removes expired entries and returns them (the caller fires "broker inactive"). */
  scanExpired(): HeartbeatEntry[] {
    const now = this.clock.now();
    const out: HeartbeatEntry[] = [];
    for (const [k, e] of this.table) {
      if (e.lastUpdate + e.timeoutMs < now) {
        this.table.delete(k);
        out.push(e);
      }
    }
    return out;
  }

  /** A broker's connection closed: drop every entry that heartbeated over it. */
  onChannelClosed(channel: unknown): HeartbeatEntry[] {
    const out: HeartbeatEntry[] = [];
    for (const [k, e] of this.table) {
      if (e.channel === channel) {
        this.table.delete(k);
        out.push(e);
      }
    }
    return out;
  }

  entries(): HeartbeatEntry[] {
    return [...this.table.values()];
  }
}
