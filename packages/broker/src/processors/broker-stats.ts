import type { BrokerStatsView } from '../runtime/ports.js';

/**
 * Message counters since boot, bumped by the send and pull paths (two additions per request,
 * nothing per message); the admin module samples them for TPS figures.
 */
export class BrokerStats implements BrokerStatsView {
  private puts = 0;
  private gets = 0;
  private readonly byGroup = new Map<string, number>();

  addPut(messages: number): void {
    this.puts += messages;
  }

  addGet(group: string, messages: number): void {
    this.gets += messages;
    this.byGroup.set(group, (this.byGroup.get(group) ?? 0) + messages);
  }

  putTotal(): number {
    return this.puts;
  }

  getTotal(): number {
    return this.gets;
  }

  groupGetTotal(group: string): number {
    return this.byGroup.get(group) ?? 0;
  }
}
