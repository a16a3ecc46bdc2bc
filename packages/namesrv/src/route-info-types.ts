import type { Clock, Logger } from '@rocketmq-ts/common';
import type { DataVersion, TopicConfigSerializeWrapper } from '@rocketmq-ts/protocol';

// Inputs, outputs and options of RouteInfoManager (route-info.ts).

export const DEFAULT_BROKER_CHANNEL_EXPIRED_TIME = 120_000;

/** Whatever the transport hands us for a broker's connection; closed on expiry. */
export interface BrokerChannel {
  close(): void;
}

export interface BrokerLiveInfo {
  clusterName: string;
  brokerAddr: string;
  lastUpdateTimestamp: number;
  heartbeatTimeoutMillis: number;
  dataVersion: DataVersion;
  haServerAddr: string;
  channel: BrokerChannel | undefined;
}

export interface RegisterBrokerInput {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
  brokerId: number;
  haServerAddr: string;
  zoneName?: string | undefined;
  heartbeatTimeoutMillis?: number | undefined;
  /** undefined = a broker that predates slave-acting-master (Java's "old version"). */
  enableActingMaster?: boolean | undefined;
  topicConfigWrapper?: TopicConfigSerializeWrapper | undefined;
  filterServerList?: string[] | undefined;
  channel?: BrokerChannel | undefined;
}

export interface RegisterBrokerResult {
  haServerAddr?: string | undefined;
  masterAddr?: string | undefined;
}

export interface BrokerIdentity {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
  brokerId: number;
}

export interface RouteInfoOptions {
  clock: Clock;
  logger?: Logger;
  /** Drop a broker's topics that its registration no longer lists (Java: off). */
  deleteTopicWithBrokerRegistration?: boolean;
  /** Present the lowest slave as master when a group has lost it (Java: off). */
  supportActingMaster?: boolean;
}
