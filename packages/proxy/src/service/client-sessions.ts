import type { Clock } from '@rocketmq-ts/common';
import { ClientType, type Settings, type TelemetryCommand } from '../grpc/types.js';
import { durationOf } from './convert.js';
import type { GroupSettings } from './metadata.js';

// The clients the proxy knows (the Java proxy's GrpcClientSettingsManager and channel
// manager): the Settings each sent on its Telemetry stream, completed with the server's
// values, and the streams through which the proxy pushes commands to it.

/** A Telemetry stream's writing end. */
export interface TelemetryChannel {
  write(cmd: TelemetryCommand): void;
  readonly closed: boolean;
}

export interface ClientSession {
  clientId: string;
  settings: Settings;
  channels: Set<TelemetryChannel>;
  lastSeen: number;
}

export interface ServerSettings {
  maxBodySize: number;
  validateMessageType: boolean;
  receiveBatchSize: number;
  longPollingTimeoutMs: number;
}

/** Retry delays of the CUSTOMIZED policy (the broker's messageDelayLevel from level 3 on), in seconds. */
const CUSTOMIZED_BACKOFF_S = [1, 5, 10, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 1200, 1800, 3600, 7200];

const isConsumer = (t: number | undefined): boolean =>
  t === ClientType.PUSH_CONSUMER || t === ClientType.SIMPLE_CONSUMER || t === ClientType.PULL_CONSUMER;

export class ClientSessions {
  private readonly sessions = new Map<string, ClientSession>();

  constructor(
    private readonly server: ServerSettings,
    private readonly clock: Clock,
  ) {}

  get(clientId: string): ClientSession | undefined {
    return this.sessions.get(clientId);
  }

  touch(clientId: string): void {
    const s = this.sessions.get(clientId);
    if (s) s.lastSeen = this.clock.now();
  }

  /**
   * Stores a client's Settings and returns what the server answers with: the client's own
   * fields completed with the server's (Java's defaults) so that clients that require them
   * (a backoff strategy, a non-zero max body size, a receive batch size) can start.
   */
  update(clientId: string, settings: Settings, channel: TelemetryChannel, group?: GroupSettings): Settings {
    const merged = this.complete(settings, group);
    let s = this.sessions.get(clientId);
    if (!s) {
      s = { clientId, settings: merged, channels: new Set(), lastSeen: this.clock.now() };
      this.sessions.set(clientId, s);
    }
    s.settings = merged;
    s.channels.add(channel);
    s.lastSeen = this.clock.now();
    return merged;
  }

  private complete(settings: Settings, group: GroupSettings | undefined): Settings {
    const out: Settings = { ...settings, metric: { on: false } };
    if (settings.publishing) {
      out.backoffPolicy = {
        maxAttempts: settings.backoffPolicy?.maxAttempts || 3,
        exponentialBackoff: { initial: durationOf(10), max: durationOf(1000), multiplier: 2 },
      };
      out.publishing = {
        ...settings.publishing,
        maxBodySize: this.server.maxBodySize,
        validateMessageType: this.server.validateMessageType,
      };
    } else if (settings.subscription || isConsumer(settings.clientType)) {
      const g = group ?? { consumeMessageOrderly: false, retryMaxTimes: 16 };
      out.backoffPolicy = {
        maxAttempts: g.retryMaxTimes + 1,
        customizedBackoff: { next: CUSTOMIZED_BACKOFF_S.map((s) => durationOf(s * 1000)) },
      };
      out.subscription = {
        ...settings.subscription,
        fifo: g.consumeMessageOrderly,
        receiveBatchSize: this.server.receiveBatchSize,
        longPollingTimeout: durationOf(this.server.longPollingTimeoutMs),
      };
    }
    return out;
  }

  /** Forgets a client's stream; the session stays until NotifyClientTermination or expiry. */
  dropChannel(clientId: string, channel: TelemetryChannel): void {
    this.sessions.get(clientId)?.channels.delete(channel);
  }

  remove(clientId: string): ClientSession | undefined {
    const s = this.sessions.get(clientId);
    this.sessions.delete(clientId);
    return s;
  }

  /** A live Telemetry channel of a producer publishing `topic` (transaction checks go there). */
  producerChannel(topic: string, rotate: number): TelemetryChannel | undefined {
    const live: TelemetryChannel[] = [];
    for (const s of this.sessions.values()) {
      if (!s.settings.publishing?.topics?.some((t) => t.name === topic)) continue;
      for (const ch of s.channels) if (!ch.closed) live.push(ch);
    }
    return live.length === 0 ? undefined : live[rotate % live.length];
  }

  /** Every producer group (= topic) of the known producers, for heartbeats to brokers. */
  producerGroups(): Set<string> {
    const out = new Set<string>();
    for (const s of this.sessions.values())
      for (const t of s.settings.publishing?.topics ?? []) if (t.name) out.add(t.name);
    return out;
  }

  /** Sessions not seen for `idleMs` (no RPC, no stream) are dropped; returns their ids. */
  expire(idleMs: number): string[] {
    const now = this.clock.now();
    const gone: string[] = [];
    for (const s of this.sessions.values()) {
      const live = [...s.channels].some((c) => !c.closed);
      if (!live && now - s.lastSeen > idleMs) gone.push(s.clientId);
    }
    for (const id of gone) this.sessions.delete(id);
    return gone;
  }
}
