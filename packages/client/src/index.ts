// Public surface of @rocketmq-ts/client.

export type { MessageQueue } from '@rocketmq-ts/protocol';
// `%RETRY%<group>` / `%DLQ%<group>` under the client's long-standing names.
export { dlqTopicOf as dlqTopic, retryTopicOf as retryTopic } from '@rocketmq-ts/protocol';
export {
  type AdminOptions,
  type ConsumeProgress,
  type CreateTopicOptions,
  MQAdmin,
} from './admin/admin.js';
export type {
  ConsumerConnection,
  ConsumerRunningInfo,
  QueueConsumeStats,
  QueueStats,
  SubscriptionGroupConfig,
} from './admin/admin-bodies.js';
export {
  type BrowseResult,
  browseQueue,
  type ProducerInfoView,
  producerInfo,
  type TopicConfigView,
  topicConfigs,
} from './admin/admin-browse.js';
export type { ClientOptions } from './client-config.js';
export type { TransportFactory } from './client-instance.js';
export {
  type AllocateMessageQueueStrategy,
  allocateAveragely,
  allocateAveragelyByCircle,
} from './consumer/allocate.js';
export type { ConsumerOptions } from './consumer/consumer-options.js';
export type {
  ConsumeConcurrentlyContext,
  ConsumeConcurrentlyStatus,
  ConsumeOrderlyContext,
  ConsumeOrderlyStatus,
  MessageListener,
  MessageListenerConcurrently,
  MessageListenerOrderly,
} from './consumer/listener.js';
export { LitePullConsumer, type LitePullConsumerOptions } from './consumer/lite-pull-consumer.js';
export { LocalFileOffsetStore, type OffsetStore, RemoteBrokerOffsetStore } from './consumer/offset-store.js';
export { decodePopMessages, type PopMessage } from './consumer/pop-message.js';
export { PushConsumer, type PushConsumerOptions } from './consumer/push-consumer.js';
export { SimpleConsumer, type SimpleConsumerOptions } from './consumer/simple-consumer.js';
export { buildSubscription, MessageSelector } from './consumer/subscription.js';
export {
  brokerError,
  ClientErrorCode,
  isRetriableCode,
  MQBrokerError,
  MQClientError,
  responseCodeName,
} from './errors.js';
export type { Message, MessageExt, SendResult, SendStatus } from './message.js';
export { FaultStrategy } from './producer/fault-strategy.js';
export { Producer, type ProducerOptions, type SendOptions } from './producer/producer.js';
export {
  type MessageQueueSelector,
  selectMessageQueueByHash,
  selectMessageQueueByRandom,
} from './producer/queue-selector.js';
export type {
  LocalTransactionState,
  TransactionListener,
  TransactionSendResult,
} from './producer/transaction.js';
export type { TraceOptions } from './trace/trace-hooks.js';
export type { ClientTransport } from './transport.js';
