import type { Command } from 'commander';
import * as brokerStatus from './cluster/broker-status.js';
import * as clusterList from './cluster/cluster-list.js';
import * as getBrokerConfig from './cluster/get-broker-config.js';
import * as consumerConnection from './consumer/consumer-connection.js';
import * as consumerProgress from './consumer/consumer-progress.js';
import * as consumerStatus from './consumer/consumer-status.js';
import * as deleteSubGroup from './consumer/delete-sub-group.js';
import * as getConsumerConfig from './consumer/get-consumer-config.js';
import * as resetOffsetByTime from './consumer/reset-offset-by-time.js';
import * as updateSubGroup from './consumer/update-sub-group.js';
import * as cleanBrokerMetadata from './controller/clean-broker-metadata.js';
import * as electMaster from './controller/elect-master.js';
import * as getControllerConfig from './controller/get-controller-config.js';
import * as getControllerMetaData from './controller/get-controller-meta-data.js';
import * as getSyncStateSet from './controller/get-sync-state-set.js';
import * as updateControllerConfig from './controller/update-controller-config.js';
import * as consumeMessage from './message/consume-message.js';
import * as printMsg from './message/print-msg.js';
import * as queryMsgById from './message/query-msg-by-id.js';
import * as queryMsgByKey from './message/query-msg-by-key.js';
import * as queryMsgByOffset from './message/query-msg-by-offset.js';
import * as queryMsgByUniqueKey from './message/query-msg-by-unique-key.js';
import * as queryMsgTraceById from './message/query-msg-trace-by-id.js';
import * as sendMessage from './message/send-message.js';
import * as deleteTopic from './topic/delete-topic.js';
import * as topicList from './topic/topic-list.js';
import * as topicRoute from './topic/topic-route.js';
import * as topicStatus from './topic/topic-status.js';
import * as updateTopic from './topic/update-topic.js';

/** Every mqadmin subcommand, one module each (RocketMQ's tools/command/<area>/ layout). */
export const commands: readonly { register(program: Command): void }[] = [
  updateTopic,
  deleteTopic,
  topicList,
  topicRoute,
  topicStatus,
  clusterList,
  brokerStatus,
  getBrokerConfig,
  consumerProgress,
  consumerConnection,
  consumerStatus,
  updateSubGroup,
  deleteSubGroup,
  getConsumerConfig,
  resetOffsetByTime,
  queryMsgById,
  queryMsgByKey,
  queryMsgByUniqueKey,
  queryMsgByOffset,
  queryMsgTraceById,
  sendMessage,
  consumeMessage,
  printMsg,
  getSyncStateSet,
  getControllerMetaData,
  electMaster,
  cleanBrokerMetadata,
  getControllerConfig,
  updateControllerConfig,
];
