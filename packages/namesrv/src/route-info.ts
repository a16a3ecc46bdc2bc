import { type Clock, type Logger, silentLogger } from '@rocketmq-ts/common';
import {
  type BrokerData,
  type ClusterInfo,
  type DataVersion,
  dataVersionEquals,
  emptyDataVersion,
  MASTER_ID,
  Perm,
  type QueueData,
  type TopicConfig,
  type TopicRouteData,
} from '@rocketmq-ts/protocol';
import {
  type BrokerChannel,
  type BrokerIdentity,
  type BrokerLiveInfo,
  DEFAULT_BROKER_CHANNEL_EXPIRED_TIME,
  type RegisterBrokerInput,
  type RegisterBrokerResult,
  type RouteInfoOptions,
} from './route-info-types.js';

// The NameServer's whole state, in memory and single-threaded (no locks: every mutation runs
// to completion on the event loop). Pure: no sockets, timers or files; time comes from the
// injected Clock and connections are opaque handles compared by identity.
//
// Invariants:
// - topicQueueTable holds queue data from masters (or, in acting-master mode, the prime
//   slave) only; a broker group's queue data goes when its last member goes, and a topic
//   goes when its last queue data goes.
// - one brokerAddr appears under at most one brokerId of its group.
// - `generation` changes whenever anything a route or ClusterInfo is built from changes, so
//   encoded bodies can be cached against it.

const liveKey = (clusterName: string, brokerAddr: string): string => `${clusterName}\n${brokerAddr}`;

const minKey = (m: Map<number, string>): number => Math.min(...m.keys());

const sameQueueData = (a: QueueData, b: QueueData): boolean =>
  a.brokerName === b.brokerName &&
  a.readQueueNums === b.readQueueNums &&
  a.writeQueueNums === b.writeQueueNums &&
  a.perm === b.perm &&
  a.topicSysFlag === b.topicSysFlag;

export class RouteInfoManager {
  private readonly topicQueueTable = new Map<string, Map<string, QueueData>>();
  private readonly brokerAddrTable = new Map<string, BrokerData>();
  private readonly clusterAddrTable = new Map<string, Set<string>>();
  private readonly brokerLiveTable = new Map<string, BrokerLiveInfo>();
  private readonly filterServerTable = new Map<string, string[]>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private gen = 0;

  constructor(private readonly opts: RouteInfoOptions) {
    this.clock = opts.clock;
    this.log = opts.logger ?? silentLogger;
  }

  /** Changes whenever route or cluster data may have changed. */
  get generation(): number {
    return this.gen;
  }

  private touch(): void {
    this.gen++;
  }

  /** REGISTER_BROKER. Returns undefined when the registration is rejected as stale. */
  registerBroker(req: RegisterBrokerInput): RegisterBrokerResult | undefined {
    const { clusterName, brokerAddr, brokerName, brokerId } = req;
    const wrapper = req.topicConfigWrapper;
    const dataVersion = wrapper?.dataVersion ?? emptyDataVersion();
    const result: RegisterBrokerResult = {};

    let names = this.clusterAddrTable.get(clusterName);
    if (!names) {
      names = new Set();
      this.clusterAddrTable.set(clusterName, names);
    }
    if (!names.has(brokerName)) {
      names.add(brokerName);
      this.touch();
    }

    let registerFirst = false;
    let brokerData = this.brokerAddrTable.get(brokerName);
    if (!brokerData) {
      registerFirst = true;
      brokerData = { cluster: clusterName, brokerName, brokerAddrs: new Map(), enableActingMaster: false };
      this.brokerAddrTable.set(brokerName, brokerData);
      this.touch();
    }
    const isOldVersionBroker = req.enableActingMaster === undefined;
    const acting = !isOldVersionBroker && req.enableActingMaster === true;
    if (brokerData.enableActingMaster !== acting || brokerData.zoneName !== req.zoneName) {
      brokerData.enableActingMaster = acting;
      if (req.zoneName === undefined) delete brokerData.zoneName;
      else brokerData.zoneName = req.zoneName;
      this.touch();
    }

    const addrs = brokerData.brokerAddrs;
    // A slave promoted to master re-registers its address under id 0: the address keeps one id.
    for (const [id, addr] of addrs) {
      if (addr === brokerAddr && id !== brokerId) {
        addrs.delete(id);
        this.touch();
      }
    }

    const oldAddr = addrs.get(brokerId);
    if (oldAddr !== undefined && oldAddr !== brokerAddr) {
      // Another process holds this id; the one with the newer state version wins.
      const old = this.brokerLiveTable.get(liveKey(clusterName, oldAddr));
      if (old && old.dataVersion.stateVersion > dataVersion.stateVersion) {
        this.log.warn(
          { clusterName, brokerName, brokerId, oldAddr, brokerAddr },
          'registering broker conflicts with a newer one; ignored',
        );
        this.brokerLiveTable.delete(liveKey(clusterName, brokerAddr));
        return result;
      }
    }

    if (oldAddr !== brokerAddr) {
      addrs.set(brokerId, brokerAddr);
      this.touch();
    }
    registerFirst = registerFirst || oldAddr === undefined || oldAddr === '';

    const isMaster = brokerId === MASTER_ID;
    const isPrimeSlave = !isOldVersionBroker && !isMaster && brokerId === minKey(addrs);

    if (wrapper && (isMaster || isPrimeSlave)) {
      const tcTable = wrapper.topicConfigTable;
      if (this.opts.deleteTopicWithBrokerRegistration) {
        for (const [topic, qds] of this.topicQueueTable) {
          if (qds.has(brokerName) && !tcTable.has(topic)) this.removeQueueData(topic, qds, brokerName);
        }
      }
      const brokerChanged = this.isBrokerTopicConfigChanged(clusterName, brokerAddr, dataVersion);
      for (const tc of tcTable.values()) {
        if (registerFirst || brokerChanged || !this.topicQueueTable.get(tc.topicName)?.has(brokerName)) {
          // An acting (prime slave) master serves reads only.
          const perm = isPrimeSlave && brokerData.enableActingMaster ? tc.perm & ~Perm.WRITE : tc.perm;
          this.createAndUpdateQueueData(brokerName, tc, perm);
        }
      }
    }

    const key = liveKey(clusterName, brokerAddr);
    if (!this.brokerLiveTable.has(key)) this.log.info({ clusterName, brokerAddr }, 'new broker registered');
    this.brokerLiveTable.set(key, {
      clusterName,
      brokerAddr,
      lastUpdateTimestamp: this.clock.now(),
      heartbeatTimeoutMillis: req.heartbeatTimeoutMillis ?? DEFAULT_BROKER_CHANNEL_EXPIRED_TIME,
      dataVersion,
      haServerAddr: req.haServerAddr,
      channel: req.channel,
    });

    if (req.filterServerList) {
      const before = this.filterServerTable.get(key);
      if (req.filterServerList.length === 0) {
        if (before) this.touch();
        this.filterServerTable.delete(key);
      } else {
        if (before?.join('\n') !== req.filterServerList.join('\n')) this.touch();
        this.filterServerTable.set(key, [...req.filterServerList]);
      }
    }

    if (!isMaster) {
      const masterAddr = addrs.get(MASTER_ID);
      const master = masterAddr === undefined ? undefined : this.brokerLiveTable.get(liveKey(clusterName, masterAddr));
      if (master) {
        result.haServerAddr = master.haServerAddr;
        result.masterAddr = masterAddr;
      }
    }
    return result;
  }

  private createAndUpdateQueueData(brokerName: string, tc: TopicConfig, perm: number): void {
    const qd: QueueData = {
      brokerName,
      readQueueNums: tc.readQueueNums,
      writeQueueNums: tc.writeQueueNums,
      perm,
      topicSysFlag: tc.topicSysFlag,
    };
    let qds = this.topicQueueTable.get(tc.topicName);
    if (!qds) {
      qds = new Map();
      this.topicQueueTable.set(tc.topicName, qds);
      this.log.info({ topic: tc.topicName, queueData: qd }, 'new topic registered');
    }
    const existing = qds.get(brokerName);
    if (!existing || !sameQueueData(existing, qd)) {
      if (existing) this.log.info({ topic: tc.topicName, old: existing, new: qd }, 'topic changed');
      qds.set(brokerName, qd);
      this.touch();
    }
  }

  private removeQueueData(topic: string, qds: Map<string, QueueData>, brokerName: string): void {
    if (qds.delete(brokerName)) this.touch();
    if (qds.size === 0) {
      this.topicQueueTable.delete(topic);
      this.touch();
    }
  }

  isBrokerTopicConfigChanged(clusterName: string, brokerAddr: string, dataVersion: DataVersion): boolean {
    const prev = this.queryBrokerTopicConfig(clusterName, brokerAddr);
    return prev === undefined || !dataVersionEquals(prev, dataVersion);
  }

  queryBrokerTopicConfig(clusterName: string, brokerAddr: string): DataVersion | undefined {
    return this.brokerLiveTable.get(liveKey(clusterName, brokerAddr))?.dataVersion;
  }

  /** BROKER_HEARTBEAT and QUERY_DATA_VERSION renew a broker's lease. */
  updateBrokerInfoUpdateTimestamp(clusterName: string, brokerAddr: string): void {
    const live = this.brokerLiveTable.get(liveKey(clusterName, brokerAddr));
    if (live) live.lastUpdateTimestamp = this.clock.now();
  }

  /** UNREGISTER_BROKER, connection close and expiry all end here. */
  unregisterBroker(req: BrokerIdentity): void {
    const { clusterName, brokerAddr, brokerName } = req;
    const key = liveKey(clusterName, brokerAddr);
    this.brokerLiveTable.delete(key);
    if (this.filterServerTable.delete(key)) this.touch();

    const brokerData = this.brokerAddrTable.get(brokerName);
    if (!brokerData) return;
    for (const [id, addr] of brokerData.brokerAddrs) {
      if (addr === brokerAddr) {
        brokerData.brokerAddrs.delete(id);
        this.touch();
      }
    }
    this.log.info({ clusterName, brokerName, brokerAddr }, 'broker unregistered');
    if (brokerData.brokerAddrs.size > 0) {
      // The group lives on; in acting-master mode a group without its master loses write.
      if (brokerData.enableActingMaster && minKey(brokerData.brokerAddrs) > MASTER_ID) {
        for (const qds of this.topicQueueTable.values()) {
          const qd = qds.get(brokerName);
          if (qd && qd.perm & Perm.WRITE) {
            qd.perm &= ~Perm.WRITE;
            this.touch();
          }
        }
      }
      return;
    }
    this.brokerAddrTable.delete(brokerName);
    this.touch();
    const names = this.clusterAddrTable.get(clusterName);
    if (names?.delete(brokerName) && names.size === 0) this.clusterAddrTable.delete(clusterName);
    for (const [topic, qds] of this.topicQueueTable) {
      if (qds.has(brokerName)) this.removeQueueData(topic, qds, brokerName);
    }
  }

  /** The broker behind a closed connection, if any, is unregistered at once. */
  onChannelDestroy(channel: BrokerChannel): BrokerIdentity | undefined {
    for (const live of this.brokerLiveTable.values()) {
      if (live.channel === channel) {
        const id = this.identify(live.clusterName, live.brokerAddr);
        if (id) this.unregisterBroker(id);
        else this.brokerLiveTable.delete(liveKey(live.clusterName, live.brokerAddr));
        return id;
      }
    }
    return undefined;
  }

  private identify(clusterName: string, brokerAddr: string): BrokerIdentity | undefined {
    for (const b of this.brokerAddrTable.values()) {
      if (b.cluster !== clusterName) continue;
      for (const [brokerId, addr] of b.brokerAddrs) {
        if (addr === brokerAddr) return { clusterName, brokerAddr, brokerName: b.brokerName, brokerId };
      }
    }
    return undefined;
  }

  /**
   * Removes brokers whose lease (last update + their timeout) has passed and returns them,
   * so the caller can close their connections.
   */
  scanNotActiveBroker(): BrokerLiveInfo[] {
    const now = this.clock.now();
    const expired: BrokerLiveInfo[] = [];
    for (const live of [...this.brokerLiveTable.values()]) {
      if (live.lastUpdateTimestamp + live.heartbeatTimeoutMillis < now) {
        expired.push(live);
        this.log.warn(
          { clusterName: live.clusterName, brokerAddr: live.brokerAddr, timeoutMillis: live.heartbeatTimeoutMillis },
          'broker lease expired',
        );
        const id = this.identify(live.clusterName, live.brokerAddr);
        if (id) this.unregisterBroker(id);
        else this.brokerLiveTable.delete(liveKey(live.clusterName, live.brokerAddr));
      }
    }
    return expired;
  }

  /**
   * A route exists only when the topic has queue data and at least one of its broker groups
   * is known. Entries are sorted by brokerName so equal state encodes to equal bytes.
   */
  pickupTopicRouteData(topic: string): TopicRouteData | undefined {
    const qds = this.topicQueueTable.get(topic);
    if (!qds) return undefined;
    const queueDatas = [...qds.values()].sort((a, b) => (a.brokerName < b.brokerName ? -1 : 1)).map((q) => ({ ...q }));
    const brokerDatas: BrokerData[] = [];
    const filterServerTable = new Map<string, string[]>();
    for (const q of queueDatas) {
      const b = this.brokerAddrTable.get(q.brokerName);
      if (!b) continue;
      brokerDatas.push({ ...b, brokerAddrs: new Map(b.brokerAddrs) });
      if (this.filterServerTable.size === 0) continue;
      for (const addr of b.brokerAddrs.values()) {
        const list = this.filterServerTable.get(liveKey(b.cluster, addr));
        if (list) filterServerTable.set(addr, [...list]);
      }
    }
    if (brokerDatas.length === 0) return undefined;
    const route: TopicRouteData = { queueDatas, brokerDatas, filterServerTable };
    if (this.opts.supportActingMaster) applyActingMaster(route);
    return route;
  }

  getAllClusterInfo(): ClusterInfo {
    const brokerAddrTable = new Map<string, BrokerData>();
    for (const [name, b] of this.brokerAddrTable)
      brokerAddrTable.set(name, { ...b, brokerAddrs: new Map(b.brokerAddrs) });
    const clusterAddrTable = new Map<string, string[]>();
    for (const [name, set] of this.clusterAddrTable) clusterAddrTable.set(name, [...set].sort());
    return { brokerAddrTable, clusterAddrTable };
  }

  getAllTopicList(): string[] {
    return [...this.topicQueueTable.keys()];
  }

  getTopicsByCluster(cluster: string): string[] {
    const names = this.clusterAddrTable.get(cluster);
    if (!names) return [];
    const out: string[] = [];
    for (const [topic, qds] of this.topicQueueTable) {
      for (const name of names) {
        if (qds.has(name)) {
          out.push(topic);
          break;
        }
      }
    }
    return out;
  }

  /**
   * GET_SYSTEM_TOPIC_LIST_FROM_NS: every cluster name and broker name (each is also a topic
   * on its brokers), plus one broker address admin tools can ask for the rest.
   */
  getSystemTopicList(): { topics: string[]; brokerAddr: string | undefined } {
    const topics: string[] = [];
    for (const [cluster, names] of this.clusterAddrTable) topics.push(cluster, ...names);
    let brokerAddr: string | undefined;
    for (const name of [...this.brokerAddrTable.keys()].sort()) {
      const addrs = this.brokerAddrTable.get(name)!.brokerAddrs;
      if (addrs.size > 0) {
        brokerAddr = addrs.get(minKey(addrs));
        break;
      }
    }
    return { topics, brokerAddr };
  }

  /** Topics whose (first) queue data's topicSysFlag satisfies `test` (unit-topic lists). */
  getTopicsBySysFlag(test: (topicSysFlag: number) => boolean): string[] {
    const out: string[] = [];
    for (const [topic, qds] of this.topicQueueTable) {
      const first = qds.values().next();
      if (!first.done && test(first.value.topicSysFlag)) out.push(topic);
    }
    return out;
  }

  /**
   * REGISTER_TOPIC_IN_NAMESRV: adds (or replaces) queue data of known broker groups. A list
   * naming an unknown group is refused whole; returns whether it was applied.
   */
  registerTopic(topic: string, queueDatas: QueueData[]): boolean {
    if (queueDatas.length === 0) return false;
    const unknown = queueDatas.find((q) => !this.brokerAddrTable.has(q.brokerName));
    if (unknown) {
      this.log.warn({ topic, brokerName: unknown.brokerName }, 'register topic names an unknown broker; ignored');
      return false;
    }
    let qds = this.topicQueueTable.get(topic);
    if (!qds) {
      qds = new Map();
      this.topicQueueTable.set(topic, qds);
    }
    for (const q of queueDatas) qds.set(q.brokerName, { ...q });
    this.touch();
    this.log.info({ topic, queueDatas }, 'topic route registered');
    return true;
  }

  /** DELETE_TOPIC_IN_NAMESRV: from every broker, or only from the given cluster's brokers. */
  deleteTopic(topic: string, clusterName?: string): void {
    const qds = this.topicQueueTable.get(topic);
    if (!qds) return;
    if (clusterName === undefined || clusterName === '') {
      this.topicQueueTable.delete(topic);
      this.touch();
      return;
    }
    for (const name of this.clusterAddrTable.get(clusterName) ?? []) {
      if (qds.has(name)) this.removeQueueData(topic, qds, name);
    }
  }

  /** WIPE_WRITE_PERM_OF_BROKER: returns how many topics were touched. */
  wipeWritePermOfBroker(brokerName: string): number {
    return this.operateWritePerm(brokerName, (perm) => perm & ~Perm.WRITE);
  }

  /** ADD_WRITE_PERM_OF_BROKER: like Java, resets perm to READ|WRITE. */
  addWritePermOfBroker(brokerName: string): number {
    return this.operateWritePerm(brokerName, () => Perm.READ | Perm.WRITE);
  }

  private operateWritePerm(brokerName: string, op: (perm: number) => number): number {
    let count = 0;
    for (const qds of this.topicQueueTable.values()) {
      const qd = qds.get(brokerName);
      if (!qd) continue;
      qd.perm = op(qd.perm);
      count++;
    }
    if (count > 0) this.touch();
    return count;
  }

  /** Snapshot of the lease table, for diagnostics and tests. */
  liveBrokers(): BrokerLiveInfo[] {
    return [...this.brokerLiveTable.values()].map((l) => ({ ...l }));
  }
}

/** In a group without a master but with readable-only queues, the lowest slave stands in as id 0. */
function applyActingMaster(route: TopicRouteData): void {
  for (const b of route.brokerDatas) {
    if (b.brokerAddrs.size === 0 || b.brokerAddrs.has(MASTER_ID) || !b.enableActingMaster) continue;
    const qd = route.queueDatas.find((q) => q.brokerName === b.brokerName);
    if (qd && (qd.perm & Perm.WRITE) === 0) {
      const id = minKey(b.brokerAddrs);
      const addr = b.brokerAddrs.get(id)!;
      b.brokerAddrs.delete(id);
      b.brokerAddrs.set(MASTER_ID, addr);
    }
  }
}
