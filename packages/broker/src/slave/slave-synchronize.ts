// A slave's copy of its master's metadata (RocketMQ SlaveSynchronize): topic configs, consumer
// offsets, delay progress and subscription groups, fetched with the admin requests the master
// serves anyway, in RocketMQ's order. The schedule (first after 3 s, then every
// slaveSyncInterval, 10 s by default) is 4.x's; docs/replication.md says why. With the timer
// wheel on, the master's timer checkpoint is copied every 3 s as RocketMQ 5.x does
// (GET_TIMER_CHECK_POINT, its own schedule).
import type { Logger } from '@rocketmq-ts/common';
import { createRequest, parseFastjson, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import type { RemotingClient } from '@rocketmq-ts/remoting';
import {
  decodeTimerCheckpoint,
  EMPTY_TIMER_CHECKPOINT,
  readTimerCheckpoint,
  type TimerCheckpoint,
  timerCheckpointPath,
  writeTimerCheckpoint,
} from '@rocketmq-ts/store';
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
  /** Timer wheel on: the store root whose config/timercheck takes the master's timer progress every 3 s. */
  timerStorePathRootDir?: string;
  intervalMs: number;
  timeoutMs: number;
  logger: Logger;
}

const FIRST_SYNC_MS = 3000;
/** RocketMQ 5.x syncs the timer checkpoint on its own 3 s schedule. */
const TIMER_SYNC_MS = 3000;

/**
 * Applies a master's timer checkpoint to the slave's `config/timercheck` as RocketMQ's
 * syncTimerCheckPoint does: the master's lastReadTimeMs, its lastTimerQueueOffset as
 * masterTimerQueueOffset, and its data version; the slave's own log/queue positions stay.
 * Returns false (nothing written) for a malformed body or nothing new.
 */
export async function adoptMasterTimerCheckpoint(path: string, body: Buffer): Promise<boolean> {
  const master = decodeTimerCheckpoint(body);
  if (!master) return false;
  const own = (await readTimerCheckpoint(path)) ?? EMPTY_TIMER_CHECKPOINT;
  const next: TimerCheckpoint = {
    ...own,
    lastReadTimeMs: master.lastReadTimeMs,
    masterTimerQueueOffset: master.lastTimerQueueOffset,
    stateVersion: master.stateVersion,
    timestamp: master.timestamp,
    counter: master.counter,
  };
  if (
    next.lastReadTimeMs === own.lastReadTimeMs &&
    next.masterTimerQueueOffset === own.masterTimerQueueOffset &&
    next.counter === own.counter &&
    next.timestamp === own.timestamp
  )
    return false;
  await writeTimerCheckpoint(path, next);
  return true;
}

export class SlaveSynchronize {
  private timer: NodeJS.Timeout | undefined;
  private timerSync: NodeJS.Timeout | undefined;
  private timerRunning: Promise<void> | undefined;
  /** Timer checkpoints copied from the master (tests and status). */
  timerSyncs = 0;
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
    if (this.deps.timerStorePathRootDir !== undefined) {
      this.timerSync = setInterval(() => void this.syncTimerCheckpoint(), TIMER_SYNC_MS);
      this.timerSync.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.timerSync) clearInterval(this.timerSync);
    this.timer = undefined;
    this.timerSync = undefined;
    await this.running;
    await this.timerRunning;
  }

  /** GET_TIMER_CHECK_POINT from the master, applied to our config/timercheck; concurrent calls share it. */
  syncTimerCheckpoint(): Promise<void> {
    const root = this.deps.timerStorePathRootDir;
    const master = this.deps.masterAddr();
    if (root === undefined || !master || master === this.deps.selfAddr) return Promise.resolve();
    this.timerRunning ??= (async () => {
      try {
        const req = createRequest(RequestCode.GET_TIMER_CHECK_POINT, {});
        const res = await this.deps.client.invoke(master, req, this.deps.timeoutMs);
        if (res.code !== ResponseCode.SUCCESS || !res.body) return;
        await adoptMasterTimerCheckpoint(timerCheckpointPath(root), res.body);
        this.timerSyncs++;
      } catch (err) {
        this.deps.logger.warn({ err, master }, 'slave sync of the timer checkpoint failed');
      }
    })().finally(() => {
      this.timerRunning = undefined;
    });
    return this.timerRunning;
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
