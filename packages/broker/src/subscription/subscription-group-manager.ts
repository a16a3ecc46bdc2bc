import { join } from 'node:path';
import { type Clock, type Logger, prettyJsonWithTable, RocketMQError, StateFile } from '@rocketmq-ts/common';
import { type DataVersion, groupNameProblem, ResponseCode, readDataVersion } from '@rocketmq-ts/protocol';
import type { SubscriptionGroupRegistry, SubscriptionGroupView } from '../runtime/ports.js';
import { sameDataVersion } from '../topic/topic-config-manager.js';

interface SubscriptionGroupManagerOptions {
  configDir: string;
  autoCreateSubscriptionGroup: boolean;
  /** Default retryMaxTimes of auto-created groups (16). */
  retryMaxTimes: number;
  logger: Logger;
  clock: Clock;
}

/** A group with RocketMQ's SubscriptionGroupConfig defaults. */
function subscriptionGroupView(
  groupName: string,
  partial: Partial<SubscriptionGroupView> = {},
  retryMaxTimes = 16,
): SubscriptionGroupView {
  return {
    groupName,
    consumeEnable: partial.consumeEnable ?? true,
    consumeFromMinEnable: partial.consumeFromMinEnable ?? true,
    consumeBroadcastEnable: partial.consumeBroadcastEnable ?? true,
    consumeMessageOrderly: partial.consumeMessageOrderly ?? false,
    retryQueueNums: partial.retryQueueNums ?? 1,
    retryMaxTimes: partial.retryMaxTimes ?? retryMaxTimes,
    brokerId: partial.brokerId ?? 0,
    whichBrokerWhenConsumeSlowly: partial.whichBrokerWhenConsumeSlowly ?? 1,
    notifyConsumerIdsChangedEnable: partial.notifyConsumerIdsChangedEnable ?? true,
  };
}

/** Groups Java creates at start-up for its own tools and clients. */
const SYSTEM_GROUPS = [
  'TOOLS_CONSUMER',
  'FILTERSRV_CONSUMER',
  'SELF_TEST_C_GROUP',
  'CID_ONS-HTTP-PROXY',
  'CID_ONSAPI_PULL',
  'CID_ONSAPI_PERMISSION',
  'CID_ONSAPI_OWNER',
  'CID_RMQ_SYS_TRACE',
];

function readGroup(name: string, v: unknown, retryMaxTimes: number): SubscriptionGroupView {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const b = (k: string): boolean | undefined => (typeof o[k] === 'boolean' ? (o[k] as boolean) : undefined);
  const n = (k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
  return subscriptionGroupView(
    typeof o.groupName === 'string' ? o.groupName : name,
    {
      consumeEnable: b('consumeEnable'),
      consumeFromMinEnable: b('consumeFromMinEnable'),
      consumeBroadcastEnable: b('consumeBroadcastEnable'),
      consumeMessageOrderly: b('consumeMessageOrderly'),
      retryQueueNums: n('retryQueueNums'),
      retryMaxTimes: n('retryMaxTimes'),
      brokerId: n('brokerId'),
      whichBrokerWhenConsumeSlowly: n('whichBrokerWhenConsumeSlowly'),
      notifyConsumerIdsChangedEnable: b('notifyConsumerIdsChangedEnable'),
    } as Partial<SubscriptionGroupView>,
    retryMaxTimes,
  );
}

/** Subscription groups (Java SubscriptionGroupManager), persisted as `config/subscriptionGroup.json`. */
export class SubscriptionGroupManager implements SubscriptionGroupRegistry {
  private readonly table = new Map<string, SubscriptionGroupView>();
  private dataVersion: DataVersion;
  private readonly file: StateFile;

  constructor(private readonly opts: SubscriptionGroupManagerOptions) {
    this.file = new StateFile(join(opts.configDir, 'subscriptionGroup.json'));
    this.dataVersion = { stateVersion: 0, timestamp: opts.clock.now(), counter: 0 };
  }

  async load(): Promise<void> {
    const raw = (await this.file.load()) as
      | { subscriptionGroupTable?: Record<string, unknown>; dataVersion?: unknown }
      | undefined;
    if (raw?.subscriptionGroupTable) {
      for (const [name, v] of Object.entries(raw.subscriptionGroupTable)) {
        this.table.set(name, readGroup(name, v, this.opts.retryMaxTimes));
      }
      if (raw.dataVersion) this.dataVersion = readDataVersion(raw.dataVersion);
    }
    let added = false;
    for (const g of SYSTEM_GROUPS) {
      if (!this.table.has(g)) {
        this.table.set(g, subscriptionGroupView(g, { consumeBroadcastEnable: true }, this.opts.retryMaxTimes));
        added = true;
      }
    }
    if (added) {
      this.bump();
      await this.persist();
    }
  }

  get(group: string): SubscriptionGroupView | undefined {
    return this.table.get(group);
  }

  async getOrCreate(group: string): Promise<SubscriptionGroupView | undefined> {
    const existing = this.table.get(group);
    if (existing || !this.opts.autoCreateSubscriptionGroup) return existing;
    return (await this.getOrCreateMany([group]))[0];
  }

  /**
   * getOrCreate for many groups with one version bump, one log line and one write of the
   * file for all those created (a heartbeat may name thousands).
   */
  async getOrCreateMany(groups: readonly string[]): Promise<(SubscriptionGroupView | undefined)[]> {
    const created: string[] = [];
    const views = groups.map((group) => {
      const existing = this.table.get(group);
      if (existing || !this.opts.autoCreateSubscriptionGroup || groupNameProblem(group) !== undefined) return existing;
      const view = subscriptionGroupView(group, {}, this.opts.retryMaxTimes);
      this.table.set(group, view);
      created.push(group);
      return view;
    });
    if (created.length > 0) {
      this.opts.logger.info(
        created.length === 1 ? { group: created[0] } : { groups: created.length, first: created[0] },
        'subscription group auto-created',
      );
      this.bump();
      await this.persist();
    }
    return views;
  }

  getDataVersion(): DataVersion {
    return { ...this.dataVersion };
  }

  all(): Iterable<SubscriptionGroupView> {
    return this.table.values();
  }

  async update(config: SubscriptionGroupView): Promise<void> {
    const bad = groupNameProblem(config.groupName);
    if (bad !== undefined) throw new RocketMQError(bad, { code: ResponseCode.INVALID_PARAMETER });
    this.table.set(config.groupName, { ...config });
    this.bump();
    await this.persist();
  }

  async delete(group: string): Promise<void> {
    if (!this.table.delete(group)) return;
    this.bump();
    await this.persist();
  }

  persist(): Promise<void> {
    return this.file.save(() =>
      prettyJsonWithTable({ dataVersion: this.dataVersion }, 'subscriptionGroupTable', this.table),
    );
  }

  /** Slave: takes the master's groups (GET_ALL_SUBSCRIPTIONGROUP_CONFIG body) when its DataVersion differs. */
  async adoptFromMaster(raw: {
    subscriptionGroupTable?: Record<string, unknown>;
    dataVersion?: unknown;
  }): Promise<boolean> {
    if (!raw.subscriptionGroupTable || !raw.dataVersion) return false;
    const version = readDataVersion(raw.dataVersion);
    if (sameDataVersion(version, this.dataVersion)) return false;
    const names = new Set(Object.keys(raw.subscriptionGroupTable));
    for (const [name, g] of Object.entries(raw.subscriptionGroupTable)) {
      this.table.set(name, readGroup(name, g, this.opts.retryMaxTimes));
    }
    for (const name of [...this.table.keys()]) if (!names.has(name)) this.table.delete(name);
    this.dataVersion = version;
    await this.persist();
    return true;
  }

  private bump(): void {
    this.dataVersion = {
      stateVersion: this.dataVersion.stateVersion,
      counter: this.dataVersion.counter + 1,
      timestamp: this.opts.clock.now(),
    };
  }
}
