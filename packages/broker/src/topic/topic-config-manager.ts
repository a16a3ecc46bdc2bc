import { join } from 'node:path';
import { type Clock, type Logger, prettyJsonWithTable, RocketMQError, StateFile } from '@rocketmq-ts/common';
import {
  AUTO_CREATE_TOPIC_KEY_TOPIC,
  type DataVersion,
  OFFSET_MOVED_EVENT,
  Perm,
  ResponseCode,
  RMQ_SYS_SCHEDULE_TOPIC,
  readDataVersion,
  readTopicConfig,
  replyTopicOf,
  SELF_TEST_TOPIC,
  type TopicMessageType,
  topicMessageTypeOf,
  topicNameProblem,
} from '@rocketmq-ts/protocol';
import type { TopicRegistry, TopicSpec, TopicView } from '../runtime/ports.js';

export interface TopicConfigManagerOptions {
  configDir: string;
  clusterName: string;
  brokerName: string;
  autoCreateTopicEnable: boolean;
  defaultTopicQueueNums: number;
  clusterTopicEnable: boolean;
  brokerTopicEnable: boolean;
  traceTopicEnable: boolean;
  msgTraceTopicName: string;
  /** Delay levels: SCHEDULE_TOPIC_XXXX gets one queue per level. */
  delayLevelCount: number;
  logger: Logger;
  clock: Clock;
}

/** Whether two DataVersions are equal (a slave skips a sync that brings nothing new). */
export const sameDataVersion = (a: DataVersion, b: DataVersion): boolean =>
  a.counter === b.counter && a.timestamp === b.timestamp && a.stateVersion === b.stateVersion;

/** Java's TopicConfig default queue count. */
const DEFAULT_QUEUE_NUMS = 16;

export function topicView(name: string, partial: Partial<TopicView> = {}): TopicView {
  return {
    topicName: name,
    readQueueNums: partial.readQueueNums ?? DEFAULT_QUEUE_NUMS,
    writeQueueNums: partial.writeQueueNums ?? DEFAULT_QUEUE_NUMS,
    perm: partial.perm ?? Perm.READ | Perm.WRITE,
    topicFilterType: partial.topicFilterType ?? 'SINGLE_TAG',
    topicSysFlag: partial.topicSysFlag ?? 0,
    order: partial.order ?? false,
    attributes: partial.attributes ?? {},
  };
}

const sameConfig = (a: TopicView, b: TopicView): boolean =>
  a.readQueueNums === b.readQueueNums &&
  a.writeQueueNums === b.writeQueueNums &&
  a.perm === b.perm &&
  a.topicFilterType === b.topicFilterType &&
  a.topicSysFlag === b.topicSysFlag &&
  a.order === b.order &&
  JSON.stringify(a.attributes) === JSON.stringify(b.attributes);

/**
 * The broker's topic table (Java TopicConfigManager), persisted as `config/topics.json` in
 * Java's layout. Every change bumps the DataVersion and notifies change listeners; the
 * registrar re-registers with the NameServers on that signal so routes appear at once.
 */
export class TopicConfigManager implements TopicRegistry {
  private readonly table = new Map<string, TopicView>();
  private dataVersion: DataVersion;
  private readonly file: StateFile;
  private readonly listeners: Array<() => Promise<void> | void> = [];
  /** Names whose creation is in flight, so concurrent sends create a topic once. */
  private readonly creating = new Map<string, Promise<TopicView>>();

  constructor(private readonly opts: TopicConfigManagerOptions) {
    this.file = new StateFile(join(opts.configDir, 'topics.json'));
    this.dataVersion = { stateVersion: 0, timestamp: opts.clock.now(), counter: 0 };
  }

  /** Reads topics.json (if any) and adds the system topics Java creates at start-up. */
  async load(): Promise<void> {
    const raw = (await this.file.load()) as
      | { topicConfigTable?: Record<string, unknown>; dataVersion?: unknown }
      | undefined;
    if (raw?.topicConfigTable) {
      for (const [name, v] of Object.entries(raw.topicConfigTable)) {
        this.table.set(name, { ...readTopicConfig(v, name) });
      }
      if (raw.dataVersion) this.dataVersion = readDataVersion(raw.dataVersion);
    }
    const o = this.opts;
    const sys: TopicView[] = [topicView(SELF_TEST_TOPIC, { readQueueNums: 1, writeQueueNums: 1 })];
    if (o.autoCreateTopicEnable) {
      sys.push(
        topicView(AUTO_CREATE_TOPIC_KEY_TOPIC, {
          readQueueNums: o.defaultTopicQueueNums,
          writeQueueNums: o.defaultTopicQueueNums,
          perm: Perm.INHERIT | Perm.READ | Perm.WRITE,
        }),
      );
    }
    // Like Java: the cluster and broker names are topics, so `sendMessage(clusterName)` can
    // probe a cluster; readable/writable only when the matching switch is on.
    sys.push(
      topicView(o.clusterName, { perm: Perm.INHERIT | (o.clusterTopicEnable ? Perm.READ | Perm.WRITE : 0) }),
      topicView(o.brokerName, {
        readQueueNums: 1,
        writeQueueNums: 1,
        perm: Perm.INHERIT | (o.brokerTopicEnable ? Perm.READ | Perm.WRITE : 0),
      }),
      topicView(OFFSET_MOVED_EVENT, { readQueueNums: 1, writeQueueNums: 1 }),
      topicView(RMQ_SYS_SCHEDULE_TOPIC, { readQueueNums: o.delayLevelCount, writeQueueNums: o.delayLevelCount }),
    );
    // Java's MixAll.getReplyTopic: request-reply replies are stored here (ReplyMessageProcessor).
    sys.push(topicView(replyTopicOf(o.clusterName), { readQueueNums: 1, writeQueueNums: 1 }));
    if (o.traceTopicEnable) sys.push(topicView(o.msgTraceTopicName, { readQueueNums: 1, writeQueueNums: 1 }));
    let added = false;
    for (const t of sys) {
      if (!this.table.has(t.topicName)) {
        this.table.set(t.topicName, t);
        added = true;
      }
    }
    if (added) {
      this.bump();
      await this.persist();
    }
  }

  /**
   * Called after every change; creation and updates resolve only once every listener has
   * (the registrar: a created topic is routable when `ensure` returns).
   */
  onChange(listener: () => Promise<void> | void): void {
    this.listeners.push(listener);
  }

  get(topic: string): TopicView | undefined {
    return this.table.get(topic);
  }

  /**
   * The topic's `message.type` (NORMAL when unset), UNSPECIFIED for a topic this broker does
   * not have, as Java's proxy metadata service answers; what a proxy checks sends against.
   */
  topicMessageType(topic: string): TopicMessageType {
    const t = this.table.get(topic);
    return t === undefined ? 'UNSPECIFIED' : topicMessageTypeOf(t.attributes);
  }

  all(): Iterable<TopicView> {
    return this.table.values();
  }

  getDataVersion(): DataVersion {
    return { ...this.dataVersion };
  }

  async ensure(topic: string, queueNums: number, perm: number, topicSysFlag = 0): Promise<TopicView> {
    const existing = this.table.get(topic);
    if (existing) return existing;
    return this.createOnce(topic, () =>
      topicView(topic, { readQueueNums: queueNums, writeQueueNums: queueNums, perm, topicSysFlag }),
    );
  }

  /**
   * ensure() for many topics: those missing are created with one version bump, one write of
   * topics.json and one registration with the NameServers for all of them.
   */
  async ensureMany(specs: readonly TopicSpec[]): Promise<void> {
    const created: TopicView[] = [];
    for (const s of specs) {
      if (this.table.has(s.topic)) continue;
      const config = topicView(s.topic, {
        readQueueNums: s.queueNums,
        writeQueueNums: s.queueNums,
        perm: s.perm,
        topicSysFlag: s.topicSysFlag ?? 0,
      });
      this.table.set(s.topic, config);
      created.push(config);
    }
    if (created.length === 0) return;
    if (created.length === 1)
      this.opts.logger.info({ topic: created[0]?.topicName, config: created[0] }, 'topic created');
    else this.opts.logger.info({ topics: created.length, first: created[0]?.topicName }, 'topics created');
    await this.changed();
  }

  /**
   * Java's createTopicInSendMessageMethod: a send to an unknown topic creates it from the
   * template topic when the template is inheritable. Returns undefined when not allowed.
   */
  async createForSend(
    topic: string,
    defaultTopic: string,
    clientQueueNums: number,
    topicSysFlag: number,
  ): Promise<TopicView | undefined> {
    const existing = this.table.get(topic);
    if (existing) return existing;
    const template = this.table.get(defaultTopic);
    if (template === undefined) return undefined;
    let templatePerm = template.perm;
    if (defaultTopic === AUTO_CREATE_TOPIC_KEY_TOPIC && !this.opts.autoCreateTopicEnable) {
      templatePerm = Perm.READ | Perm.WRITE;
    }
    if ((templatePerm & Perm.INHERIT) === 0) return undefined;
    const queueNums = Math.max(1, Math.min(clientQueueNums, template.writeQueueNums));
    return this.createOnce(topic, () =>
      topicView(topic, {
        readQueueNums: queueNums,
        writeQueueNums: queueNums,
        perm: templatePerm & ~Perm.INHERIT,
        topicSysFlag,
      }),
    );
  }

  async createOrUpdate(config: TopicView): Promise<void> {
    const bad = topicNameProblem(config.topicName);
    if (bad !== undefined) throw new RocketMQError(bad, { code: ResponseCode.INVALID_PARAMETER });
    const old = this.table.get(config.topicName);
    if (old && sameConfig(old, config)) return;
    this.table.set(config.topicName, { ...config, attributes: { ...config.attributes } });
    this.opts.logger.info({ topic: config.topicName, old, config }, 'topic config changed');
    await this.changed();
  }

  async delete(topic: string): Promise<void> {
    if (!this.table.delete(topic)) return;
    this.opts.logger.info({ topic }, 'topic deleted');
    await this.changed();
  }

  /** Writes topics.json now (shutdown). */
  persist(): Promise<void> {
    return this.file.save(() => this.encode());
  }

  /** topics.json in Java's layout, rendered a slice of the table per turn of the event loop. */
  encode(): Promise<string> {
    return prettyJsonWithTable({ dataVersion: this.dataVersion }, 'topicConfigTable', this.table);
  }

  private async createOnce(topic: string, build: () => TopicView): Promise<TopicView> {
    const inFlight = this.creating.get(topic);
    if (inFlight) return inFlight;
    const p = (async () => {
      const config = build();
      this.table.set(topic, config);
      this.opts.logger.info({ topic, config }, 'topic created');
      await this.changed();
      return config;
    })().finally(() => this.creating.delete(topic));
    this.creating.set(topic, p);
    return p;
  }

  /**
   * Slave: takes the master's table (GET_ALL_TOPIC_CONFIG body) when its DataVersion differs.
   * Topics are upserted in place and only the ones the master lacks are removed, so no topic
   * is ever missing in between (RocketMQ #9984). Returns whether anything was applied.
   */
  async adoptFromMaster(raw: { topicConfigTable?: Record<string, unknown>; dataVersion?: unknown }): Promise<boolean> {
    if (!raw.topicConfigTable || !raw.dataVersion) return false;
    const version = readDataVersion(raw.dataVersion);
    if (sameDataVersion(version, this.dataVersion)) return false;
    const names = new Set(Object.keys(raw.topicConfigTable));
    for (const [name, t] of Object.entries(raw.topicConfigTable)) this.table.set(name, { ...readTopicConfig(t, name) });
    for (const name of [...this.table.keys()]) if (!names.has(name)) this.table.delete(name);
    this.dataVersion = version;
    await this.persist();
    await Promise.all(this.listeners.map(async (l) => l()));
    return true;
  }

  private bump(): void {
    this.dataVersion = {
      stateVersion: this.dataVersion.stateVersion,
      counter: this.dataVersion.counter + 1,
      timestamp: this.opts.clock.now(),
    };
  }

  /** Bumps the version, persists, then tells the listeners (they read the new table). */
  private async changed(): Promise<void> {
    this.bump();
    await this.persist();
    await Promise.all(this.listeners.map(async (l) => l()));
  }
}
