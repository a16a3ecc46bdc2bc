import { type Clock, ManualClock, silentLogger } from '@rocketmq-ts/common';
import { createRequest, type RemotingCommand } from '@rocketmq-ts/protocol';
import type { Connection } from '@rocketmq-ts/remoting';
import { createMemoryStore, type MessageInput, type MessageStore } from '@rocketmq-ts/store';
import type {
  ClientChannel,
  ClientRegistry,
  ConsumerGroupInfo,
  ConsumerOffsetStore,
  FeatureDeps,
  SubscriptionGroupRegistry,
  SubscriptionGroupView,
  TopicRegistry,
  TopicSpec,
  TopicView,
} from '../src/runtime/ports.js';

// Simple in-test implementations of the ports the feature modules use, over the real memory
// store. They hold state in plain maps; the core managers are tested on their own.

export class FakeTopics implements TopicRegistry {
  readonly table = new Map<string, TopicView>();
  get(topic: string) {
    return this.table.get(topic);
  }
  all() {
    return this.table.values();
  }
  async ensure(topic: string, queueNums: number, perm: number, topicSysFlag = 0) {
    let t = this.table.get(topic);
    if (!t) {
      t = topicView(topic, queueNums, perm, topicSysFlag);
      this.table.set(topic, t);
    }
    return t;
  }
  async ensureMany(specs: readonly TopicSpec[]) {
    for (const s of specs) await this.ensure(s.topic, s.queueNums, s.perm, s.topicSysFlag);
  }
  async createOrUpdate(config: TopicView) {
    this.table.set(config.topicName, config);
  }
  async delete(topic: string) {
    this.table.delete(topic);
  }
}

export const topicView = (topicName: string, queueNums = 4, perm = 6, topicSysFlag = 0): TopicView => ({
  topicName,
  readQueueNums: queueNums,
  writeQueueNums: queueNums,
  perm,
  topicFilterType: 'SINGLE_TAG',
  topicSysFlag,
  order: false,
  attributes: {},
});

export const groupView = (groupName: string, patch: Partial<SubscriptionGroupView> = {}): SubscriptionGroupView => ({
  groupName,
  consumeEnable: true,
  consumeFromMinEnable: true,
  consumeBroadcastEnable: true,
  consumeMessageOrderly: false,
  retryQueueNums: 1,
  retryMaxTimes: 16,
  brokerId: 0,
  whichBrokerWhenConsumeSlowly: 1,
  notifyConsumerIdsChangedEnable: true,
  ...patch,
});

export class FakeGroups implements SubscriptionGroupRegistry {
  readonly table = new Map<string, SubscriptionGroupView>();
  constructor(public autoCreate = true) {}
  get(group: string) {
    return this.table.get(group);
  }
  async getOrCreate(group: string) {
    let g = this.table.get(group);
    if (!g && this.autoCreate) {
      g = groupView(group);
      this.table.set(group, g);
    }
    return g;
  }
  async getOrCreateMany(groups: readonly string[]) {
    return Promise.all(groups.map((g) => this.getOrCreate(g)));
  }
  all() {
    return this.table.values();
  }
  async update(config: SubscriptionGroupView) {
    this.table.set(config.groupName, config);
  }
  async delete(group: string) {
    this.table.delete(group);
  }
}

export class FakeOffsets implements ConsumerOffsetStore {
  /** `topic@group` → queueId → offset. */
  readonly table = new Map<string, Map<number, number>>();
  query(group: string, topic: string, queueId: number) {
    return this.table.get(`${topic}@${group}`)?.get(queueId) ?? -1;
  }
  commit(group: string, topic: string, queueId: number, offset: number) {
    const key = `${topic}@${group}`;
    let m = this.table.get(key);
    if (!m) {
      m = new Map();
      this.table.set(key, m);
    }
    m.set(queueId, offset);
  }
  queueOffsets(group: string, topic: string) {
    return new Map(this.table.get(`${topic}@${group}`) ?? []);
  }
  topicsOf(group: string) {
    return [...this.table.keys()].filter((k) => k.endsWith(`@${group}`)).map((k) => k.slice(0, k.lastIndexOf('@')));
  }
  groupsOf(topic: string) {
    return [...this.table.keys()].filter((k) => k.startsWith(`${topic}@`)).map((k) => k.slice(topic.length + 1));
  }
  removeGroup(group: string) {
    for (const k of [...this.table.keys()]) if (k.endsWith(`@${group}`)) this.table.delete(k);
  }
  removeTopic(topic: string) {
    for (const k of [...this.table.keys()]) if (k.startsWith(`${topic}@`)) this.table.delete(k);
  }
}

/** A client channel that records what the broker pushes to it. */
export class FakeChannel implements ClientChannel {
  readonly pushed: RemotingCommand[] = [];
  lastUpdateTimestamp = 0;
  constructor(
    readonly clientId: string,
    readonly remoteAddress = '127.0.0.1:50000',
    readonly language = 'JAVA',
    readonly version = 479,
    private readonly answer: (cmd: RemotingCommand) => RemotingCommand | undefined = () => undefined,
  ) {}
  async request(cmd: RemotingCommand): Promise<RemotingCommand> {
    this.pushed.push(cmd);
    const a = this.answer(cmd);
    if (!a) throw new Error('no answer');
    return a;
  }
  oneway(cmd: RemotingCommand): void {
    this.pushed.push(cmd);
  }
}

export class FakeClients implements ClientRegistry {
  readonly consumers = new Map<string, ConsumerGroupInfo>();
  readonly producers = new Map<string, ClientChannel[]>();
  consumerGroup(group: string) {
    return this.consumers.get(group);
  }
  consumerGroups() {
    return this.consumers.values();
  }
  producerChannels(group: string) {
    return this.producers.get(group) ?? [];
  }
  producerGroups() {
    return [...this.producers.keys()];
  }
}

export interface TestDeps extends FeatureDeps {
  store: MessageStore;
  topics: FakeTopics;
  groups: FakeGroups;
  offsets: FakeOffsets;
  clients: FakeClients;
  clock: Clock & { advance?: (ms: number) => void };
}

export async function testDeps(
  configDir: string,
  config: Record<string, string | number | boolean> = {},
  clock: Clock = new ManualClock(1_700_000_000_000),
): Promise<TestDeps> {
  const store = createMemoryStore({ storeHost: '127.0.0.1:10911' }, { clock });
  await store.start();
  return {
    identity: { clusterName: 'DefaultCluster', brokerName: 'broker-a', brokerId: 0, brokerAddr: '127.0.0.1:10911' },
    store,
    topics: new FakeTopics(),
    groups: new FakeGroups(),
    offsets: new FakeOffsets(),
    clients: new FakeClients(),
    logger: silentLogger,
    clock,
    configDir,
    config,
  };
}

export const message = (
  topic: string,
  queueId: number,
  props: Record<string, string> = {},
  body = 'hello',
): MessageInput => ({
  topic,
  queueId,
  flag: 0,
  body: Buffer.from(body),
  properties: Object.entries(props)
    .map(([k, v]) => `${k}\u0001${v}\u0002`)
    .join(''),
  sysFlag: 0,
  bornTimestamp: 1_600_000_000_000,
  bornHost: '10.0.0.9:4567',
  reconsumeTimes: 0,
  preparedTransactionOffset: 0,
});

export const noConnection = {} as Connection;

export function request(
  code: number,
  ext: Record<string, string | number | boolean> = {},
  body?: Buffer,
  version = 479,
) {
  const fields = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(ext)) fields[k] = String(v);
  const r = createRequest(code, fields, body);
  r.version = version;
  return r;
}
