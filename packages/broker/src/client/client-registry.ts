import type { Clock, Logger } from '@rocketmq-ts/common';
import { type ConsumerData, ConsumerGroupRequestHeader, createRequest, RequestCode } from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import type { ClientChannel, ClientRegistry, ConsumerGroupInfo } from '../runtime/ports.js';

type Subscription = ConsumerGroupInfo['subscriptions'] extends Map<string, infer S> ? S : never;

/** A client as seen through one connection; heartbeats refresh `lastUpdateTimestamp`. */
class Channel implements ClientChannel {
  constructor(
    readonly connection: Connection,
    readonly clientId: string,
    readonly language: string,
    readonly version: number,
    public lastUpdateTimestamp: number,
  ) {}
  get remoteAddress(): string {
    return this.connection.remoteAddress;
  }
  request(cmd: Parameters<ClientChannel['request']>[0], timeoutMs: number) {
    return this.connection.request(cmd, timeoutMs);
  }
  oneway(cmd: Parameters<ClientChannel['oneway']>[0]): void {
    this.connection.oneway(cmd);
  }
}

class ConsumerGroupState implements ConsumerGroupInfo {
  consumeType = 'CONSUME_PASSIVELY';
  messageModel = 'CLUSTERING';
  consumeFromWhere = 'CONSUME_FROM_LAST_OFFSET';
  readonly byConnection = new Map<Connection, Channel>();
  subscriptions = new Map<string, Subscription>();
  constructor(readonly groupName: string) {}
  get channels(): ClientChannel[] {
    return [...this.byConnection.values()];
  }
}

/** Who the client is, from the request header of its heartbeat. */
interface ClientIdentity {
  clientId: string;
  language: string;
  version: number;
}

interface ClientRegistryOptions {
  /** Silence after which a client is dropped (Java channelExpiredTimeout, 120 s). */
  channelExpiredTimeoutMs: number;
  /** Whether membership changes of a group are pushed to its members. */
  notifyEnabled(group: string): boolean;
  logger: Logger;
  clock: Clock;
}

/**
 * Producer and consumer groups with their live client channels (Java ProducerManager and
 * ConsumerManager). A consumer group's membership changes (join, leave, expiry, connection
 * close) are pushed to every remaining member as NOTIFY_CONSUMER_IDS_CHANGED so clients
 * rebalance at once instead of on their next periodic rebalance.
 */
export class ClientGroupRegistry implements ClientRegistry {
  private readonly consumers = new Map<string, ConsumerGroupState>();
  private readonly producers = new Map<string, Map<Connection, Channel>>();

  constructor(private readonly opts: ClientRegistryOptions) {}

  consumerGroup(group: string): ConsumerGroupInfo | undefined {
    const g = this.consumers.get(group);
    return g && g.byConnection.size > 0 ? g : undefined;
  }

  consumerGroups(): Iterable<ConsumerGroupInfo> {
    return [...this.consumers.values()].filter((g) => g.byConnection.size > 0);
  }

  producerChannels(group: string): ClientChannel[] {
    return [...(this.producers.get(group)?.values() ?? [])];
  }

  /**
   * A live producer connection of the client `clientId` (Java's ProducerManager.findChannel):
   * where request-reply pushes the reply. The most recently heartbeated one if there are several.
   */
  findProducerChannel(clientId: string): ClientChannel | undefined {
    let found: Channel | undefined;
    for (const m of this.producers.values()) {
      for (const ch of m.values()) {
        if (ch.clientId !== clientId || ch.connection.closed) continue;
        if (found === undefined || ch.lastUpdateTimestamp > found.lastUpdateTimestamp) found = ch;
      }
    }
    return found;
  }

  producerGroups(): string[] {
    return [...this.producers.keys()];
  }

  /** Distinct client ids of a consumer group, sorted. */
  consumerIds(group: string): string[] {
    const g = this.consumers.get(group);
    if (!g) return [];
    return [...new Set([...g.byConnection.values()].map((c) => c.clientId))].sort();
  }

  /**
   * Registers or refreshes a consumer; returns whether membership or subscriptions changed.
   * A closed connection is ignored: its close event has passed, so nothing but the 120 s
   * expiry would remove the channel.
   */
  registerConsumer(conn: Connection, who: ClientIdentity, data: ConsumerData): boolean {
    if (conn.closed) return false;
    const now = this.opts.clock.now();
    let g = this.consumers.get(data.groupName);
    if (!g) {
      g = new ConsumerGroupState(data.groupName);
      this.consumers.set(data.groupName, g);
    }
    g.consumeType = data.consumeType;
    g.messageModel = data.messageModel;
    g.consumeFromWhere = data.consumeFromWhere;
    let changed = false;
    const existing = g.byConnection.get(conn);
    if (existing && existing.clientId === who.clientId) {
      existing.lastUpdateTimestamp = now;
    } else {
      g.byConnection.set(conn, new Channel(conn, who.clientId, who.language, who.version, now));
      changed = true;
      this.opts.logger.info({ group: data.groupName, clientId: who.clientId }, 'consumer registered');
    }
    const subs = new Map<string, Subscription>();
    for (const s of data.subscriptionDataSet) {
      subs.set(s.topic, {
        subString: s.subString,
        subVersion: s.subVersion,
        expressionType: s.expressionType,
        codeSet: s.codeSet,
        tagsSet: s.tagsSet,
      });
    }
    if (subscriptionsDiffer(g.subscriptions, subs)) changed = true;
    g.subscriptions = subs;
    if (changed) this.notifyChanged(g);
    return changed;
  }

  registerProducer(conn: Connection, who: ClientIdentity, group: string): void {
    if (conn.closed) return;
    let m = this.producers.get(group);
    if (!m) {
      m = new Map();
      this.producers.set(group, m);
    }
    const existing = m.get(conn);
    if (existing && existing.clientId === who.clientId) existing.lastUpdateTimestamp = this.opts.clock.now();
    else m.set(conn, new Channel(conn, who.clientId, who.language, who.version, this.opts.clock.now()));
  }

  unregisterConsumer(group: string, conn: Connection): void {
    const g = this.consumers.get(group);
    if (g?.byConnection.delete(conn)) {
      this.opts.logger.info({ group, remoteAddress: conn.remoteAddress }, 'consumer unregistered');
      this.afterRemoval(g);
    }
  }

  unregisterProducer(group: string, conn: Connection): void {
    const m = this.producers.get(group);
    if (m?.delete(conn) && m.size === 0) this.producers.delete(group);
  }

  /** The connection is gone: drop it from every group. */
  connectionClosed(conn: Connection): void {
    for (const g of [...this.consumers.values()]) {
      if (g.byConnection.delete(conn)) this.afterRemoval(g);
    }
    for (const [group, m] of [...this.producers]) {
      if (m.delete(conn) && m.size === 0) this.producers.delete(group);
    }
  }

  /** Drops clients silent for longer than the expiry (run periodically). */
  scanExpired(): void {
    const cutoff = this.opts.clock.now() - this.opts.channelExpiredTimeoutMs;
    for (const g of [...this.consumers.values()]) {
      let removed = false;
      for (const [conn, ch] of [...g.byConnection]) {
        if (ch.lastUpdateTimestamp < cutoff) {
          g.byConnection.delete(conn);
          removed = true;
          this.opts.logger.warn({ group: g.groupName, clientId: ch.clientId }, 'consumer expired after silence');
          conn.close();
        }
      }
      if (removed) this.afterRemoval(g);
    }
    for (const [group, m] of [...this.producers]) {
      for (const [conn, ch] of [...m]) if (ch.lastUpdateTimestamp < cutoff) m.delete(conn);
      if (m.size === 0) this.producers.delete(group);
    }
  }

  private afterRemoval(g: ConsumerGroupState): void {
    if (g.byConnection.size === 0) {
      this.consumers.delete(g.groupName);
      return;
    }
    this.notifyChanged(g);
  }

  private notifyChanged(g: ConsumerGroupState): void {
    if (!this.opts.notifyEnabled(g.groupName)) return;
    const ext = ConsumerGroupRequestHeader.encode({ consumerGroup: g.groupName });
    for (const ch of g.byConnection.values()) {
      if (ch.connection.closed) continue;
      // Oneway: clients answer nothing, and a slow client must not hold up the broker.
      ch.connection.oneway(createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { ...ext }));
    }
  }
}

function subscriptionsDiffer(a: Map<string, Subscription>, b: Map<string, Subscription>): boolean {
  if (a.size !== b.size) return true;
  for (const [topic, s] of b) {
    const o = a.get(topic);
    if (!o || o.subString !== s.subString || o.expressionType !== s.expressionType) return true;
  }
  return false;
}
