import type { RemotingCommand, TopicRouteData } from '@rocketmq-ts/protocol';
import type { ClientAPI } from '../client-api.js';
import { MQClientError, toClientError } from '../errors.js';

/**
 * The NameServers of a client, with one failover loop for every request to them (kafkajs
 * keeps one `withBroker` the same way). A random address is current at first; the one that
 * answers stays current.
 */
export class NameServerClient {
  private current: number;

  constructor(
    private readonly api: ClientAPI,
    private readonly addrs: readonly string[],
  ) {
    this.current = Math.floor(Math.random() * addrs.length);
  }

  /**
   * Runs `fn` against the current NameServer, moving to the next one while no answer comes
   * back (connect, send, timeout, closed or an unreadable reply: MQClientError). An answer
   * with an error code (MQBrokerError) ends the loop: another NameServer would say the same.
   */
  async withNameServer<T>(fn: (addr: string) => Promise<T>): Promise<T> {
    const addrs = this.addrs;
    let last: unknown;
    for (let i = 0; i < addrs.length; i++) {
      const idx = (this.current + i) % addrs.length;
      try {
        const r = await fn(addrs[idx]!);
        this.current = idx;
        return r;
      } catch (e) {
        last = e;
        if (!(e instanceof MQClientError)) break;
      }
    }
    throw toClientError(last);
  }

  /** Any request; the response comes back whatever its code. */
  invoke(build: () => RemotingCommand, timeoutMs?: number): Promise<RemotingCommand> {
    return this.withNameServer((addr) => this.api.invoke(addr, build(), timeoutMs));
  }

  /** Route of a topic; undefined when the NameServer has none. */
  fetchRoute(topic: string, timeoutMs?: number): Promise<TopicRouteData | undefined> {
    return this.withNameServer((addr) => this.api.getTopicRoute(addr, topic, timeoutMs));
  }
}
