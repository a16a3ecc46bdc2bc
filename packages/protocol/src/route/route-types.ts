// Route and registration data exchanged between brokers, NameServers and clients.
// Field names are RocketMQ's JSON keys; the byte forms live in route-json.ts and
// register-broker-body.ts, and are described in docs/formats.md.

/** Broker id 0 is the master of a broker group; slaves use 1, 2, … */
export const MASTER_ID = 0;

/** One broker group's queues for a topic. */
export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  /** PermName bits: READ 4, WRITE 2, INHERIT 1, PRIORITY 8. */
  perm: number;
  topicSysFlag: number;
}

/** A broker group: its cluster and the address of every member by broker id. */
export interface BrokerData {
  cluster: string;
  brokerName: string;
  /** brokerId → `ip:port`; serialised with integer keys (unquoted in the fastjson form). */
  brokerAddrs: Map<number, string>;
  enableActingMaster: boolean;
  zoneName?: string | undefined;
}

export interface TopicRouteData {
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  /** brokerAddr → filter server addresses; almost always empty. */
  filterServerTable: Map<string, string[]>;
  /** `brokerName:queueNum;…` from the ORDER_TOPIC_CONFIG KV namespace, when order messages are enabled. */
  orderTopicConf?: string | undefined;
}

export interface ClusterInfo {
  /** brokerName → BrokerData */
  brokerAddrTable: Map<string, BrokerData>;
  /** clusterName → brokerNames */
  clusterAddrTable: Map<string, string[]>;
}

/**
 * A broker's version of its topic table. The NameServer re-reads a broker's topics only when
 * the version it registers differs from the last one (all three fields compared).
 */
export interface DataVersion {
  stateVersion: number;
  timestamp: number;
  counter: number;
}

export type TopicFilterType = 'SINGLE_TAG' | 'MULTI_TAG';

export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: TopicFilterType;
  topicSysFlag: number;
  order: boolean;
  attributes: Record<string, string>;
}

export interface TopicConfigSerializeWrapper {
  /** topicName → TopicConfig, in the order received. */
  topicConfigTable: Map<string, TopicConfig>;
  dataVersion: DataVersion;
}

/** The REGISTER_BROKER body (brokers from V3_0_11 on). */
export interface RegisterBrokerBody {
  topicConfigSerializeWrapper: TopicConfigSerializeWrapper;
  filterServerList: string[];
}

export const dataVersionEquals = (a: DataVersion, b: DataVersion): boolean =>
  a.stateVersion === b.stateVersion && a.timestamp === b.timestamp && a.counter === b.counter;

/** What Java decodes a missing REGISTER_BROKER body to. */
export const emptyDataVersion = (): DataVersion => ({ stateVersion: 0, timestamp: 0, counter: 0 });
