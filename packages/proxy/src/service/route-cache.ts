import type { Clock } from '@rocketmq-ts/common';
import {
  createRequest,
  decodeTopicRouteData,
  MASTER_ID,
  RequestCode,
  ResponseCode,
  type TopicRouteData,
} from '@rocketmq-ts/protocol';
import { Code, ProxyError } from '../grpc/codes.js';
import type { BrokerTransport } from './broker-transport.js';

// Topic routes from the NameServers (GET_ROUTEINFO_BY_TOPIC), kept for `ttlMs`; a missing
// topic is not cached, so a topic created a moment ago is found on the next request.

export class RouteCache {
  private readonly routes = new Map<string, { route: TopicRouteData; at: number }>();
  private nextNamesrv = 0;

  constructor(
    private readonly transport: BrokerTransport,
    private readonly namesrvAddrs: () => string[],
    private readonly clock: Clock,
    private readonly ttlMs = 5000,
    private readonly timeoutMs = 3000,
  ) {}

  /** The route of `topic`; TOPIC_NOT_FOUND when the NameServer has none. */
  async route(topic: string): Promise<TopicRouteData> {
    const hit = this.routes.get(topic);
    const now = this.clock.now();
    if (hit !== undefined && now - hit.at < this.ttlMs) return hit.route;
    const route = await this.fetch(topic);
    if (route === undefined) {
      this.routes.delete(topic);
      throw new ProxyError(Code.TOPIC_NOT_FOUND, `topic ${topic} not found`);
    }
    this.routes.set(topic, { route, at: now });
    return route;
  }

  /** Drops a cached route (after a send to it failed). */
  invalidate(topic: string): void {
    this.routes.delete(topic);
  }

  /** Master address of `brokerName`, from the route of `topic` (or the topic named after the broker). */
  async masterAddr(topic: string, brokerName: string): Promise<string> {
    for (const t of [topic, brokerName]) {
      let route: TopicRouteData;
      try {
        route = await this.route(t);
      } catch {
        continue;
      }
      const addr = route.brokerDatas.find((b) => b.brokerName === brokerName)?.brokerAddrs.get(MASTER_ID);
      if (addr !== undefined) return addr;
    }
    throw new ProxyError(Code.INVALID_RECEIPT_HANDLE, `broker ${brokerName} not found`);
  }

  private async fetch(topic: string): Promise<TopicRouteData | undefined> {
    const addrs = this.namesrvAddrs();
    if (addrs.length === 0) throw new ProxyError(Code.INTERNAL_SERVER_ERROR, 'no NameServer address configured');
    let last: unknown;
    for (let i = 0; i < addrs.length; i++) {
      const addr = addrs[(this.nextNamesrv + i) % addrs.length]!;
      const cmd = createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic, acceptStandardJsonOnly: 'true' });
      try {
        const r = await this.transport.invoke(addr, cmd, this.timeoutMs);
        if (r.code === ResponseCode.TOPIC_NOT_EXIST) return undefined;
        if (r.code !== ResponseCode.SUCCESS) {
          last = new ProxyError(Code.INTERNAL_SERVER_ERROR, `route of ${topic}: ${r.remark ?? r.code}`);
          continue;
        }
        const route = decodeTopicRouteData(r.body ?? Buffer.alloc(0));
        if (!route.ok) throw new ProxyError(Code.INTERNAL_SERVER_ERROR, `bad route of ${topic}: ${route.error}`);
        return route.value;
      } catch (e) {
        last = e;
        this.nextNamesrv++;
      }
    }
    throw last instanceof ProxyError ? last : new ProxyError(Code.INTERNAL_SERVER_ERROR, String(last), { cause: last });
  }
}
