import { MASTER_ID, type MessageQueue, type TopicRouteData } from '@rocketmq-ts/protocol';
import { type TopicPublishInfo, toPublishInfo, toSubscribeQueues } from '../route/topic-route.js';

/**
 * What a client knows of the cluster: each topic's route, the publish info derived from it,
 * and the brokers (name → id → address) merged from every route seen (Java's
 * topicRouteTable, topicPublishInfoTable and brokerAddrTable of MQClientInstance).
 */
export class RouteTable {
  private readonly routes = new Map<string, TopicRouteData>();
  private readonly publishInfo = new Map<string, TopicPublishInfo>();
  private readonly brokerAddrs = new Map<string, Map<number, string>>();

  route(topic: string): TopicRouteData | undefined {
    return this.routes.get(topic);
  }

  /** Takes a topic's fresh route; returns whether it names a broker address not known before. */
  apply(topic: string, route: TopicRouteData): boolean {
    this.routes.set(topic, route);
    const newBroker = this.addBrokers(route);
    this.publishInfo.set(topic, toPublishInfo(topic, route));
    return newBroker;
  }

  /** Publish info not backed by the topic's own route (the template topic's, for auto-creation). */
  setPublishInfo(topic: string, info: TopicPublishInfo): void {
    this.addBrokers(info.route);
    this.publishInfo.set(topic, info);
  }

  /** Takes the brokers of a route; returns whether one of their addresses is new. */
  addBrokers(route: TopicRouteData): boolean {
    let newBroker = false;
    for (const bd of route.brokerDatas) {
      const known = this.brokerAddrs.get(bd.brokerName);
      for (const a of bd.brokerAddrs.values()) if (![...(known?.values() ?? [])].includes(a)) newBroker = true;
      this.brokerAddrs.set(bd.brokerName, new Map<number, string>(bd.brokerAddrs));
    }
    return newBroker;
  }

  getPublishInfo(topic: string): TopicPublishInfo | undefined {
    return this.publishInfo.get(topic);
  }

  invalidatePublishInfo(topic: string): void {
    this.publishInfo.delete(topic);
  }

  subscribeQueues(topic: string): MessageQueue[] | undefined {
    const route = this.routes.get(topic);
    return route ? toSubscribeQueues(topic, route) : undefined;
  }

  masterAddr(brokerName: string): string | undefined {
    return this.brokerAddrs.get(brokerName)?.get(MASTER_ID);
  }

  /**
   * Where to pull or commit for a broker group (RocketMQ's findBrokerAddressInSubscribe): the
   * wanted id; for a slave id its neighbour (id + 1); else any member (the master when alive).
   */
  subscribeAddr(brokerName: string, brokerId: number): { addr: string; brokerId: number } | undefined {
    const addrs = this.brokerAddrs.get(brokerName);
    if (!addrs || addrs.size === 0) return undefined;
    for (const id of brokerId === MASTER_ID ? [brokerId] : [brokerId, brokerId + 1]) {
      const a = addrs.get(id);
      if (a !== undefined) return { addr: a, brokerId: id };
    }
    const master = addrs.get(MASTER_ID);
    if (master !== undefined) return { addr: master, brokerId: MASTER_ID };
    const [id, addr] = [...addrs].sort((x, y) => x[0] - y[0])[0]!;
    return { addr, brokerId: id };
  }

  /** Any broker address serving a topic (master preferred). */
  anyBrokerAddrOf(topic: string): string | undefined {
    const route = this.routes.get(topic);
    if (!route) return undefined;
    const bds = route.brokerDatas;
    if (bds.length === 0) return undefined;
    const bd = bds[Math.floor(Math.random() * bds.length)]!;
    return bd.brokerAddrs.get(MASTER_ID) ?? bd.brokerAddrs.values().next().value;
  }

  /** Every known broker: name → id → address. */
  brokers(): ReadonlyMap<string, ReadonlyMap<number, string>> {
    return this.brokerAddrs;
  }

  /** Every known broker address. */
  addrs(): string[] {
    const out: string[] = [];
    for (const addrs of this.brokerAddrs.values()) for (const a of addrs.values()) out.push(a);
    return out;
  }

  /**
   * Forgets broker addresses no route names any more (Java's cleanOfflineBroker), so a
   * broker that left the cluster stops getting heartbeats; a name left with no address goes
   * too. Returns the addresses removed.
   */
  cleanOfflineBrokers(): string[] {
    const live = new Set<string>();
    const collect = (route: TopicRouteData) => {
      for (const bd of route.brokerDatas) for (const a of bd.brokerAddrs.values()) live.add(a);
    };
    for (const route of this.routes.values()) collect(route);
    for (const info of this.publishInfo.values()) collect(info.route);
    const removed: string[] = [];
    for (const [name, addrs] of this.brokerAddrs) {
      for (const [id, addr] of addrs) {
        if (live.has(addr)) continue;
        addrs.delete(id);
        removed.push(addr);
      }
      if (addrs.size === 0) this.brokerAddrs.delete(name);
    }
    return removed;
  }
}
