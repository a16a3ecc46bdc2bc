import { reviveTopic } from '@rocketmq-ts/protocol';
import { booleanConfig, numberConfig } from '../admin/config-values.js';

// Pop's broker.conf keys with RocketMQ's defaults (reference §1.12).

export interface PopSettings {
  reviveTopic: string;
  brokerName: string;
  reviveQueueNum: number;
  /** ms between revive passes (RocketMQ reviveInterval). */
  reviveInterval: number;
  enableRetryTopicV2: boolean;
  retrieveMessageFromPopRetryTopicV1: boolean;
  /** Percent of pops that read the retry topic first. */
  popFromRetryProbability: number;
  skipWhenCKRePutReachMaxTimes: boolean;
  /** Suspended pops per `topic@group@queueId`, and in total. */
  popPollingSize: number;
  maxPopPollingSize: number;
  /** Period of the suspended-pop deadline check (RocketMQ's checker runs every 20 ms). */
  popPollingCheckInterval: number;
  maxTransferCount: number;
  maxTransferBytes: number;
  initPopOffsetByCheckMsgInMem: boolean;
  /** RocketMQ #7772: skip a queue whose group has more than popInflightMessageThreshold messages in flight. */
  enablePopMessageThreshold: boolean;
  popInflightMessageThreshold: number;
  /** Called when a revive creates or uses a retry topic (maps it back to the popped topic). */
  onRetryTopic?: (retryTopic: string, fromTopic: string) => void;
}

export function popSettings(
  config: Readonly<Record<string, string | number | boolean>>,
  clusterName: string,
  brokerName: string,
): PopSettings {
  return {
    reviveTopic: reviveTopic(clusterName),
    brokerName,
    reviveQueueNum: numberConfig(config, 'reviveQueueNum', 8),
    reviveInterval: numberConfig(config, 'reviveInterval', 1000),
    enableRetryTopicV2: booleanConfig(config, 'enableRetryTopicV2', false),
    retrieveMessageFromPopRetryTopicV1: booleanConfig(config, 'retrieveMessageFromPopRetryTopicV1', true),
    popFromRetryProbability: numberConfig(config, 'popFromRetryProbability', 20),
    skipWhenCKRePutReachMaxTimes: booleanConfig(config, 'skipWhenCKRePutReachMaxTimes', false),
    popPollingSize: numberConfig(config, 'popPollingSize', 1024),
    maxPopPollingSize: numberConfig(config, 'maxPopPollingSize', 100_000),
    popPollingCheckInterval: numberConfig(config, 'popPollingCheckInterval', 20),
    maxTransferCount: numberConfig(config, 'maxTransferCountOnMessageInMemory', 32),
    maxTransferBytes: numberConfig(config, 'maxTransferBytesOnMessageInMemory', 256 * 1024),
    initPopOffsetByCheckMsgInMem: booleanConfig(config, 'initPopOffsetByCheckMsgInMem', true),
    enablePopMessageThreshold: booleanConfig(config, 'enablePopMessageThreshold', false),
    popInflightMessageThreshold: numberConfig(config, 'popInflightMessageThreshold', 10_000),
  };
}
