import type { Logger } from '@rocketmq-ts/common';
import {
  AUTO_CREATE_TOPIC_KEY_TOPIC,
  MASTER_ID,
  type MessageQueue,
  type RemotingCommand,
  type TopicRouteData,
} from '@rocketmq-ts/protocol';
import { ClientAPI } from './client-api.js';
import type { ResolvedClientConfig } from './client-config.js';
import type { OffsetBackend } from './consumer/offset-store.js';
import { ClientErrorCode, MQClientError } from './errors.js';
import { registerBrokerRequestHandlers } from './instance/broker-requests.js';
import type { ConsumerInner, ProducerInner } from './instance/members.js';
import { NameServerClient } from './instance/namesrv-client.js';
import { FailureRouteRefresher } from './instance/route-refresher.js';
import { RouteTable } from './instance/route-table.js';
import { RequestFutureTable } from './producer/request-reply.js';
import { routeFromTemplate, type TopicPublishInfo, toPublishInfo, toSubscribeQueues } from './route/topic-route.js';
import type { ClientTransport } from './transport.js';

export type { ConsumerInner, ProducerInner } from './instance/members.js';

export type TransportFactory = (config: ResolvedClientConfig) => ClientTransport;

interface Entry {
  instance: MQClientInstance;
  refs: number;
}
const instances = new Map<string, Entry>();

/**
 * The per-clientId core shared by producers, consumers and admin clients created with the
 * same instanceName (Java's MQClientInstance): one transport, one route cache refreshed from
 * the NameServers, one heartbeat to the brokers, one rebalance/offset-persist schedule.
 */
export class MQClientInstance {
  readonly api: ClientAPI;
  readonly logger: Logger;
  /** Request-reply: this client's requests waiting for their reply, by correlation id. */
  readonly replies = new RequestFutureTable();
  private readonly namesrv: NameServerClient;
  private readonly table = new RouteTable();
  private readonly producers = new Map<string, ProducerInner>();
  private readonly consumers = new Map<string, ConsumerInner>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly routeFetches = new Map<string, Promise<TopicRouteData | undefined>>();
  private readonly failureRefresher = new FailureRouteRefresher(
    (topic) => this.updateTopicRoute(topic),
    (err, topic) => this.logger.warn({ err, topic }, 'route refresh after a broker failure failed'),
  );
  private rebalanceTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** Settles when the last heartbeat or unregistration queued so far has finished. */
  private heartbeatLock: Promise<void> = Promise.resolve();
  private heartbeatQueued: Promise<void> | undefined;
  private rebalancing: Promise<void> | undefined;
  private rebalanceAgain = false;
  private rebalanceMisses = 0;
  private missedThisRun = false;
  private started = false;
  private closed = false;

  private constructor(
    readonly config: ResolvedClientConfig,
    readonly transport: ClientTransport,
  ) {
    this.api = new ClientAPI(transport, config.requestTimeoutMs);
    this.logger = config.logger.child({ clientId: config.clientId });
    this.namesrv = new NameServerClient(this.api, config.namesrvAddrs);
    registerBrokerRequestHandlers(transport, {
      logger: this.logger,
      producer: (group) => this.producers.get(group),
      consumer: (group) => this.consumers.get(group),
      rebalanceSoon: () => this.rebalanceSoon(),
      onReply: (reply) => this.replies.complete(reply),
    });
  }

  get clientId(): string {
    return this.config.clientId;
  }

  /** Gets (or creates) the instance for a clientId; pair every call with release(). */
  static acquire(config: ResolvedClientConfig, factory: TransportFactory): MQClientInstance {
    let e = instances.get(config.clientId);
    if (!e || e.instance.closed) {
      e = { instance: new MQClientInstance(config, factory(config)), refs: 0 };
      instances.set(config.clientId, e);
    }
    e.refs++;
    return e.instance;
  }

  /** Drops one reference; the last one stops timers and closes every connection. */
  async release(): Promise<void> {
    const e = instances.get(this.clientId);
    if (e && e.instance === this && --e.refs > 0) return;
    if (e?.instance === this) instances.delete(this.clientId);
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.failureRefresher.close();
    if (this.rebalanceTimer) clearTimeout(this.rebalanceTimer);
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    await this.transport.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Starts the periodic tasks once; later calls are no-ops. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const every = (ms: number, fn: () => Promise<void>) => {
      this.timers.push(
        setInterval(() => {
          fn().catch((e: unknown) => this.logger.warn({ err: e }, 'periodic task failed'));
        }, ms),
      );
    };
    every(this.config.pollNameServerIntervalMs, () => this.refreshAllRoutes());
    every(this.config.heartbeatBrokerIntervalMs, () => {
      this.cleanOfflineBrokers();
      return this.sendHeartbeatToAllBrokers();
    });
    every(this.config.persistConsumerOffsetIntervalMs, () => this.persistAllOffsets());
    every(20_000, () => this.rebalanceNow());
  }

  registerProducer(p: ProducerInner): void {
    if (this.producers.has(p.group))
      throw new MQClientError(`producer group ${p.group} already started in ${this.clientId}`, {
        code: ClientErrorCode.ILLEGAL_ARGUMENT,
      });
    this.producers.set(p.group, p);
  }
  unregisterProducer(group: string): void {
    this.producers.delete(group);
  }
  registerConsumer(c: ConsumerInner): void {
    if (this.consumers.has(c.group))
      throw new MQClientError(`consumer group ${c.group} already started in ${this.clientId}`, {
        code: ClientErrorCode.ILLEGAL_ARGUMENT,
      });
    this.consumers.set(c.group, c);
  }
  unregisterConsumer(group: string): void {
    this.consumers.delete(group);
  }
  /**
   * A consumer shutting down: stop heartbeating its group, then tell every known broker
   * (UNREGISTER_CLIENT) so the group rebalances without waiting for the 120 s expiry.
   * Failures are ignored: the broker also drops the client when its connection closes.
   */
  async unregisterConsumerEverywhere(group: string): Promise<void> {
    this.unregisterConsumer(group);
    await this.unregisterClientEverywhere(undefined, group);
  }
  /** The producer's counterpart of unregisterConsumerEverywhere. */
  async unregisterProducerEverywhere(group: string): Promise<void> {
    this.unregisterProducer(group);
    await this.unregisterClientEverywhere(group, undefined);
  }
  private async unregisterClientEverywhere(producerGroup?: string, consumerGroup?: string): Promise<void> {
    // After any heartbeat still naming the group (Java holds its heartbeat lock here too): a
    // broker that handles the two out of order would otherwise register us again.
    await this.withHeartbeatLock(() =>
      Promise.all(
        this.knownBrokerAddrs().map((a) =>
          this.api.unregisterClient(a, this.clientId, producerGroup, consumerGroup).catch(() => undefined),
        ),
      ),
    );
  }

  // ---- NameServer -------------------------------------------------------------------

  /** Any request to the NameServers, with failover; the response whatever its code. */
  invokeNamesrv(build: () => RemotingCommand, timeoutMs?: number): Promise<RemotingCommand> {
    return this.namesrv.invoke(build, timeoutMs);
  }

  /** Route of a topic from the NameServer (with failover); undefined when it has none. */
  fetchRoute(topic: string, timeoutMs?: number): Promise<TopicRouteData | undefined> {
    return this.namesrv.fetchRoute(topic, timeoutMs);
  }

  /** Refreshes one topic's route into the cache; returns it (undefined = no route). */
  updateTopicRoute(topic: string): Promise<TopicRouteData | undefined> {
    // Concurrent callers (64 senders starting at once) share one NameServer request.
    let p = this.routeFetches.get(topic);
    if (!p) {
      p = this.fetchRoute(topic).then((route) => {
        if (route) this.applyRoute(topic, route);
        return route;
      });
      this.routeFetches.set(topic, p);
      const forget = () => this.routeFetches.delete(topic);
      p.then(forget, forget);
    }
    return p;
  }

  /**
   * A request to a broker of `topic` got no answer (see isNoAnswer): re-reads the topic's route
   * now, at most once a second per topic, rather than at the next poll (30 s by default), so a
   * master replaced by failover is found within about a second. Settles when the read is over;
   * never rejects. The Java client waits for its poll (docs/controller.md, "Failover time").
   */
  refreshRouteAfterFailure(topic: string): Promise<void> {
    return this.failureRefresher.refresh(topic);
  }

  private applyRoute(topic: string, route: TopicRouteData): void {
    // A broker we have not introduced ourselves to yet: heartbeat now rather than within
    // 30 s, so it knows our groups (transaction checks, consumer lists) from the start.
    if (this.table.apply(topic, route) && this.started) this.heartbeatSoon();
  }

  /**
   * Drops brokers no cached route names any more (Java's cleanOfflineBroker, run before
   * each periodic heartbeat), so a broker that left the cluster stops getting heartbeats.
   */
  cleanOfflineBrokers(): void {
    const removed = this.table.cleanOfflineBrokers();
    if (removed.length > 0) this.logger.info({ removed }, 'offline brokers removed from the route table');
  }

  private async refreshAllRoutes(): Promise<void> {
    const topics = new Set<string>();
    for (const p of this.producers.values()) for (const t of p.publishTopics()) topics.add(t);
    for (const c of this.consumers.values()) for (const s of c.consumerData().subscriptionDataSet) topics.add(s.topic);
    for (const t of topics) {
      try {
        await this.updateTopicRoute(t);
      } catch (e) {
        this.logger.warn({ err: e, topic: t }, 'route refresh failed');
      }
    }
  }

  /**
   * Publish info for a topic: cached, else fetched; if the NameServer has no route, the
   * template topic's route so the broker auto-creates the topic on first send (as Java does).
   */
  async getPublishInfo(
    topic: string,
    defaultTopic = AUTO_CREATE_TOPIC_KEY_TOPIC,
    defaultQueueNums = 4,
  ): Promise<TopicPublishInfo> {
    const cached = this.table.getPublishInfo(topic);
    if (cached && cached.queues.length > 0) return cached;
    const route = await this.updateTopicRoute(topic);
    if (route) {
      const info = this.table.getPublishInfo(topic)!;
      if (info.queues.length > 0) return info;
    }
    const template = await this.fetchRoute(defaultTopic);
    if (template) {
      const info = toPublishInfo(topic, routeFromTemplate(template, defaultQueueNums));
      // Cached until the periodic refresh finds the topic's own route (as Java does), so
      // sends to a new topic do not ask the NameServer twice each.
      if (info.queues.length > 0) {
        this.table.setPublishInfo(topic, info);
        return info;
      }
      this.table.addBrokers(template);
    }
    throw new MQClientError(`no route info of topic ${topic}`, { code: ClientErrorCode.NO_ROUTE });
  }

  /** Readable queues of a topic from a fresh route; throws NO_ROUTE when there is none. */
  async fetchSubscribeQueues(topic: string): Promise<MessageQueue[]> {
    const route = (await this.updateTopicRoute(topic)) ?? this.table.route(topic);
    if (!route) throw new MQClientError(`no route info of topic ${topic}`, { code: ClientErrorCode.NO_ROUTE });
    return toSubscribeQueues(topic, route);
  }

  cachedSubscribeQueues(topic: string): MessageQueue[] | undefined {
    return this.table.subscribeQueues(topic);
  }

  /** Marks a topic's cached publish info stale (after send failures). */
  invalidatePublishInfo(topic: string): void {
    this.table.invalidatePublishInfo(topic);
  }

  masterAddr(brokerName: string): string | undefined {
    return this.table.masterAddr(brokerName);
  }

  /**
   * A consumer group's offsets on the master of each queue's broker (QUERY/UPDATE_CONSUMER_OFFSET),
   * or on a slave while the group has no master (RocketMQ does the same).
   */
  offsetBackend(group: string): OffsetBackend {
    return {
      query: async (mq) =>
        this.api.queryConsumerOffset((await this.requireSubscribeAddr(mq.brokerName, mq.topic, 0)).addr, group, mq),
      update: async (mq, offset) =>
        this.api.updateConsumerOffset(
          (await this.requireSubscribeAddr(mq.brokerName, mq.topic, 0)).addr,
          group,
          mq,
          offset,
        ),
    };
  }

  /** Broker id each queue's last pull answer suggested (suggestWhichBrokerId); 0 when none. */
  private readonly pullSuggestions = new Map<string, number>();

  /** Where the next pull of `mq` goes: the suggested member, falling back as RocketMQ does. */
  pullTarget(mq: MessageQueue): { addr: string; brokerId: number } | undefined {
    return this.table.subscribeAddr(mq.brokerName, this.pullSuggestions.get(pullKey(mq)) ?? 0);
  }

  async requirePullTarget(mq: MessageQueue): Promise<{ addr: string; brokerId: number }> {
    return this.requireSubscribeAddr(mq.brokerName, mq.topic, this.pullSuggestions.get(pullKey(mq)) ?? 0);
  }

  /** Remembers a pull answer's suggestWhichBrokerId for the queue. */
  suggestPullBroker(mq: MessageQueue, brokerId: number): void {
    const key = pullKey(mq);
    if (brokerId === 0) this.pullSuggestions.delete(key);
    else this.pullSuggestions.set(key, brokerId);
  }

  /** A broker group's master, or another member while it has none (offset look-ups, RocketMQ's fallback). */
  async requireReadAddr(brokerName: string, topic: string): Promise<string> {
    return (await this.requireSubscribeAddr(brokerName, topic, 0)).addr;
  }

  private async requireSubscribeAddr(
    brokerName: string,
    topic: string,
    brokerId: number,
  ): Promise<{ addr: string; brokerId: number }> {
    let found = this.table.subscribeAddr(brokerName, brokerId);
    if (!found) {
      await this.updateTopicRoute(topic).catch(() => undefined);
      found = this.table.subscribeAddr(brokerName, brokerId);
    }
    if (!found) throw new MQClientError(`broker ${brokerName} not found`, { code: ClientErrorCode.BROKER_NOT_FOUND });
    return found;
  }

  /** Master address of a broker, refreshing the topic's route once if unknown. */
  async requireMasterAddr(brokerName: string, topic: string): Promise<string> {
    let addr = this.masterAddr(brokerName);
    if (!addr) {
      await this.updateTopicRoute(topic).catch(() => undefined);
      addr = this.masterAddr(brokerName);
    }
    if (!addr) throw new MQClientError(`broker ${brokerName} not found`, { code: ClientErrorCode.BROKER_NOT_FOUND });
    return addr;
  }

  /** Any broker address serving a topic (master preferred): where group membership is asked. */
  anyBrokerAddrOf(topic: string): string | undefined {
    return this.table.anyBrokerAddrOf(topic);
  }

  // ---- heartbeat, rebalance, offsets -------------------------------------------------

  /**
   * Heartbeats every known broker. Heartbeats and unregistrations run one at a time; a call
   * made while one waits its turn shares it, since it will read the groups when it starts.
   */
  sendHeartbeatToAllBrokers(): Promise<void> {
    if (!this.heartbeatQueued) {
      const queued = this.withHeartbeatLock(() => {
        this.heartbeatQueued = undefined;
        return this.heartbeatOnce();
      });
      this.heartbeatQueued = queued;
    }
    return this.heartbeatQueued;
  }

  private withHeartbeatLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.heartbeatLock.then(fn);
    this.heartbeatLock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async heartbeatOnce(): Promise<void> {
    if (this.producers.size === 0 && this.consumers.size === 0) return;
    const data = {
      clientID: this.clientId,
      producerDataSet: [...this.producers.keys()].map((groupName) => ({ groupName })),
      consumerDataSet: [...this.consumers.values()].map((c) => c.consumerData()),
    };
    const mastersOnly = this.consumers.size === 0;
    const jobs: Promise<void>[] = [];
    for (const [name, addrs] of this.table.brokers()) {
      for (const [id, addr] of addrs) {
        if (mastersOnly && id !== MASTER_ID) continue;
        jobs.push(
          this.api.heartbeat(addr, data).catch((e: unknown) => {
            this.logger.warn({ err: e, broker: name, addr }, 'heartbeat failed');
          }),
        );
      }
    }
    await Promise.all(jobs);
  }

  /**
   * The broker does not list us in a group yet (a heartbeat was lost or is still on its way):
   * heartbeat again and rebalance in a second, instead of idling until the 20 s period.
   */
  retryMembershipSoon(): void {
    this.heartbeatSoon();
    this.retryRebalanceSoon();
  }

  /**
   * A rebalance could not be completed (no route yet, broker unreachable, not listed yet):
   * run it again soon rather than at the 20 s period, as Java does after an unbalanced round.
   */
  retryRebalanceSoon(): void {
    this.missedThisRun = true;
    // 1 s, 2 s, 4 s … capped at the periodic 20 s, so a broker that never answers is not flooded.
    const delay = Math.min(1000 * 2 ** Math.min(this.rebalanceMisses++, 5), 20_000);
    this.rebalanceSoon(delay);
  }

  private heartbeatSoon(): void {
    if (this.closed || this.heartbeatTimer) return;
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = undefined;
      void this.sendHeartbeatToAllBrokers();
    }, 0);
  }

  /** Brokers this client has routes to, for unregistering on close. */
  knownBrokerAddrs(): string[] {
    return this.table.addrs();
  }

  /** Runs a rebalance of every consumer soon (coalescing bursts of notifications). */
  rebalanceSoon(delayMs = 10): void {
    if (this.closed || this.rebalanceTimer) return;
    this.rebalanceTimer = setTimeout(() => {
      this.rebalanceTimer = undefined;
      this.rebalanceNow().catch((e: unknown) => this.logger.warn({ err: e }, 'rebalance failed'));
    }, delayMs);
  }

  /** Rebalances every consumer; overlapping calls run once more after the current one. */
  async rebalanceNow(): Promise<void> {
    if (this.rebalancing) {
      this.rebalanceAgain = true;
      return this.rebalancing;
    }
    this.rebalancing = (async () => {
      do {
        this.rebalanceAgain = false;
        this.missedThisRun = false;
        for (const c of [...this.consumers.values()]) {
          try {
            await c.doRebalance();
          } catch (e) {
            this.logger.warn({ err: e, group: c.group }, 'rebalance failed');
          }
        }
      } while (this.rebalanceAgain && !this.closed);
      if (!this.missedThisRun) this.rebalanceMisses = 0;
    })();
    try {
      await this.rebalancing;
    } finally {
      this.rebalancing = undefined;
    }
  }

  private async persistAllOffsets(): Promise<void> {
    for (const c of this.consumers.values()) await c.persistOffsets();
  }
}

const pullKey = (mq: MessageQueue): string => `${mq.topic}\u0001${mq.brokerName}\u0001${mq.queueId}`;
