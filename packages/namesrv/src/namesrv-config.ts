import { homedir } from 'node:os';
import { join } from 'node:path';

// NameServer configuration under RocketMQ's own key names (NamesrvConfig plus the
// NettyServerConfig keys a NameServer reads), so an existing namesrv.properties works with
// `mqnamesrv -c`. Keys accepted for compatibility but not acted on are marked "(accepted)".

export interface NamesrvConfigEnv {
  /** User home; `kvConfigPath` and `configStorePath` default under `<home>/namesrv`. */
  home?: string;
  /** ROCKETMQ_HOME. */
  rocketmqHome?: string;
}

export function defaultNamesrvConfig(env: NamesrvConfigEnv = {}) {
  const home = env.home ?? homedir();
  return {
    rocketmqHome: env.rocketmqHome ?? '',
    kvConfigPath: join(home, 'namesrv', 'kvConfig.json'),
    /** (accepted) UPDATE_NAMESRV_CONFIG is not implemented. */
    configStorePath: join(home, 'namesrv', 'namesrv.properties'),
    /** (accepted) */
    productEnvName: 'center',
    /** (accepted) cluster-test route fallback is not implemented. */
    clusterTest: false,
    /** Adds orderTopicConf (KV namespace ORDER_TOPIC_CONFIG) to route answers. */
    orderMessageEnable: false,
    /** Returns the ORDER_TOPIC_CONFIG table in REGISTER_BROKER responses. */
    returnOrderTopicConfigToBroker: true,
    /** (accepted) there are no thread pools; see the in-flight limits below. */
    clientRequestThreadPoolNums: 8,
    /** (accepted) */
    defaultThreadPoolNums: 16,
    /** In-flight limit of client requests (route lookups) before SYSTEM_BUSY. */
    clientRequestThreadPoolQueueCapacity: 50000,
    /** In-flight limit of all other requests before SYSTEM_BUSY. */
    defaultThreadPoolQueueCapacity: 10000,
    /** How often expired brokers are looked for, ms. */
    scanNotActiveBrokerInterval: 5000,
    /** (accepted) unregistration is immediate. */
    unRegisterBrokerQueueCapacity: 3000,
    supportActingMaster: false,
    enableAllTopicList: true,
    enableTopicList: true,
    /** (accepted) brokers are not notified. */
    notifyMinBrokerIdChanged: false,
    /** Starts a controller in this process (its keys from the same file; it listens on its own port). */
    enableControllerInNamesrv: false,
    /** Answer route lookups with SYSTEM_ERROR "name server not ready" for waitSecondsForService after start. */
    needWaitForService: false,
    waitSecondsForService: 45,
    deleteTopicWithBrokerRegistration: false,
    /** (accepted) */
    configBlackList: 'configBlackList;configStorePath;kvConfigPath',
    // NettyServerConfig
    listenPort: 9876,
    bindAddress: '0.0.0.0',
    serverChannelMaxIdleTimeSeconds: 120,
  };
}

export type NamesrvConfig = ReturnType<typeof defaultNamesrvConfig>;
