// A slave's copy of its master's metadata (RocketMQ SlaveSynchronize): topic configs, consumer
// offsets, delay progress and subscription groups, fetched with the admin requests the master
// serves anyway, in RocketMQ's order. The schedule (first after 3 s, then every
// slaveSyncInterval, 10 s by default) is 4.x's; docs/replication.md says why.
import type { Logger } from '@rocketmq-ts/common';
import { createRequest, parseFastjson, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import type { RemotingClient } from '@rocketmq-ts/remoting';
import type { ConsumerOffsetManager } from '../offset/consumer-offset-manager.js';
import type { SubscriptionGroupManager } from '../subscription/subscription-group-manager.js';
import type { TopicConfigManager } from '../topic/topic-config-manager.js';

export interface SlaveSyncDeps {
  client: Pick<RemotingClient, 'invoke'>;
  /** The master's remoting address; undefined while unknown or gone. */
  masterAddr(): string | undefined;
  /** This broker's own address (never sync from oneself). */
  selfAddr: string;
  topics: Pick<TopicConfigManager, 'adoptFromMaster'>;
  groups: Pick<SubscriptionGroupManager, 'adoptFromMaster'>;
  offsets: Pick<ConsumerOffsetManager, 'commit' | 'persist'>;
  delayOffsets?: (text: string) => Promise<void>;
  intervalMs: number;
  timeoutMs: number;
  logger: Logger;
}

const FIRST_SYNC_MS = 3000;

export class SlaveSynchronize {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Completed passes (tests and status). */
  passes = 0;
  lastSyncTimestamp = 0;

  constructor(private readonly deps: SlaveSyncDeps) {}

  start(): void {
    const first = setTimeout(
      () => {
        void this.syncAll();
        this.timer = setInterval(() => void this.syncAll(), this.deps.intervalMs);
        this.timer.unref();
      },
      Math.min(FIRST_SYNC_MS, this.deps.intervalMs),
    );
    first.unref();
    this.timer = first;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass; concurrent calls share it. */
  syncAll(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const master = this.deps.masterAddr();
    if (!master || master === this.deps.selfAddr) return;
    const steps: Array<[string, () => Promise<void>]> = [
      ['topic config', () => this.syncTopics(master)],
      ['consumer offsets', () => this.syncOffsets(master)],
      ['delay offsets', () => this.syncDelay(master)],
      ['subscription groups', () => this.syncGroups(master)],
    ];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (err) {
        this.deps.logger.warn({ err, master, what }, 'slave sync step failed');
      }
    }
    this.passes++;
    this.lastSyncTimestamp = Date.now();
  }

  private async fetch(master: string, code: number): Promise<string | undefined> {
    const res = await this.deps.client.invoke(master, createRequest(code, {}), this.deps.timeoutMs);
    if (res.code !== ResponseCode.SUCCESS || !res.body) return undefined;
    return res.body.toString('utf8');
  }

  private async fetchJson(master: string, code: number): Promise<Record<string, unknown> | undefined> {
    const text = await this.fetch(master, code);
    if (text === undefined) return undefined;
    const parsed = parseFastjson(text);
    return parsed.ok && typeof parsed.value === 'object' && parsed.value !== null
      ? (parsed.value as Record<string, unknown>)
      : undefined;
  }

  private async syncTopics(master: string): Promise<void> {
    const raw = await this.fetchJson(master, RequestCode.GET_ALL_TOPIC_CONFIG);
    if (raw && (await this.deps.topics.adoptFromMaster(raw))) this.deps.logger.info({ master }, 'topic config synced');
  }

  private async syncOffsets(master: string): Promise<void> {
    const raw = await this.fetchJson(master, RequestCode.GET_ALL_CONSUMER_OFFSET);
    const table = raw?.offsetTable;
    if (typeof table !== 'object' || table === null) return;
    // The master's offsets win (RocketMQ putAll), key `topic@group`.
    for (const [key, queues] of Object.entries(table as Record<string, unknown>)) {
      const at = key.lastIndexOf('@');
      if (at <= 0 || typeof queues !== 'object' || queues === null) continue;
      const topic = key.slice(0, at);
      const group = key.slice(at + 1);
      for (const [q, off] of Object.entries(queues as Record<string, unknown>)) {
        const queueId = Number(q);
        const offset = Number(off);
        if (Number.isInteger(queueId) && Number.isSafeInteger(offset))
          this.deps.offsets.commit(group, topic, queueId, offset);
      }
    }
    await this.deps.offsets.persist();
  }

  private async syncDelay(master: string): Promise<void> {
    if (!this.deps.delayOffsets) return;
    const text = await this.fetch(master, RequestCode.GET_ALL_DELAY_OFFSET);
    if (text !== undefined) await this.deps.delayOffsets(text);
  }

  private async syncGroups(master: string): Promise<void> {
    const raw = await this.fetchJson(master, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
    if (raw && (await this.deps.groups.adoptFromMaster(raw)))
      this.deps.logger.info({ master }, 'subscription groups synced');
  }
}
