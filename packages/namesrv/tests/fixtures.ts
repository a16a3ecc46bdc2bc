import {
  createRequest,
  type DataVersion,
  encodeRegisterBrokerBody,
  RegisterBrokerRequestHeader,
  type RemotingCommand,
  RequestCode,
  type TopicConfig,
  type TopicConfigSerializeWrapper,
} from '@rocketmq-ts/protocol';

// Shared builders for namesrv tests (not a test file itself).

export function topic(name: string, queues = 8, perm = 6): TopicConfig {
  return {
    topicName: name,
    readQueueNums: queues,
    writeQueueNums: queues,
    perm,
    topicFilterType: 'SINGLE_TAG',
    topicSysFlag: 0,
    order: false,
    attributes: {},
  };
}

export function wrapper(topics: TopicConfig[], dataVersion: Partial<DataVersion> = {}): TopicConfigSerializeWrapper {
  return {
    topicConfigTable: new Map(topics.map((t) => [t.topicName, t])),
    dataVersion: { stateVersion: 0, timestamp: 1, counter: 1, ...dataVersion },
  };
}

export interface BrokerSpec {
  cluster?: string;
  brokerName: string;
  brokerAddr: string;
  brokerId?: number;
  topics: TopicConfig[];
  dataVersion?: Partial<DataVersion>;
  compressed?: boolean;
  version?: number;
  heartbeatTimeoutMillis?: number;
  bodyCrc32?: number;
}

/** A REGISTER_BROKER request as a Java broker sends it. */
export function registerRequest(b: BrokerSpec): RemotingCommand {
  const version = b.version ?? 479;
  const compressed = b.compressed ?? false;
  const body = encodeRegisterBrokerBody(
    { topicConfigSerializeWrapper: wrapper(b.topics, b.dataVersion), filterServerList: [] },
    { compressed, version },
  );
  const ext = RegisterBrokerRequestHeader.encode({
    brokerName: b.brokerName,
    brokerAddr: b.brokerAddr,
    clusterName: b.cluster ?? 'DefaultCluster',
    haServerAddr: b.brokerAddr.replace(/:(\d+)$/, (_m, p: string) => `:${Number(p) + 1}`),
    brokerId: b.brokerId ?? 0,
    heartbeatTimeoutMillis: b.heartbeatTimeoutMillis,
    enableActingMaster: false,
    compressed,
    bodyCrc32: b.bodyCrc32,
  });
  const req = createRequest(RequestCode.REGISTER_BROKER, ext, body);
  req.version = version;
  return req;
}
