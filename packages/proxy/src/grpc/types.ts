// TypeScript shapes of the apache.rocketmq.v2 messages (definitions.ts), camelCase as the
// codec reads and writes them. Every field is optional on the way in: a peer may omit any.
// int64 fields are numbers (values past 2^53 lose precision; none of RocketMQ's do in practice).

export interface Duration {
  seconds?: number;
  nanos?: number;
}
export type Timestamp = Duration;

export interface Resource {
  resourceNamespace?: string;
  name?: string;
}
export interface Address {
  host?: string;
  port?: number;
}
export interface Endpoints {
  scheme?: number;
  addresses?: Address[];
}
export interface Broker {
  name?: string;
  id?: number;
  endpoints?: Endpoints;
}
export interface MessageQueue {
  topic?: Resource;
  id?: number;
  permission?: number;
  broker?: Broker;
  acceptMessageTypes?: number[];
}
export interface FilterExpression {
  type?: number;
  expression?: string;
}
export interface Status {
  code?: number;
  message?: string;
}
export interface Digest {
  type?: number;
  checksum?: string;
}
export interface SystemProperties {
  tag?: string;
  keys?: string[];
  messageId?: string;
  bodyDigest?: Digest;
  bodyEncoding?: number;
  messageType?: number;
  bornTimestamp?: Timestamp;
  bornHost?: string;
  storeTimestamp?: Timestamp;
  storeHost?: string;
  deliveryTimestamp?: Timestamp;
  receiptHandle?: string;
  queueId?: number;
  queueOffset?: number;
  invisibleDuration?: Duration;
  deliveryAttempt?: number;
  messageGroup?: string;
  traceContext?: string;
  orphanedTransactionRecoveryDuration?: Duration;
  deadLetterQueue?: { topic?: string; messageId?: string };
  liteTopic?: string;
  priority?: number;
}
export interface Message {
  topic?: Resource;
  userProperties?: Record<string, string>;
  systemProperties?: SystemProperties;
  body?: Uint8Array;
}
export interface RetryPolicy {
  maxAttempts?: number;
  exponentialBackoff?: { initial?: Duration; max?: Duration; multiplier?: number };
  customizedBackoff?: { next?: Duration[] };
}
export interface SubscriptionEntry {
  topic?: Resource;
  expression?: FilterExpression;
}
export interface Settings {
  clientType?: number;
  accessPoint?: Endpoints;
  backoffPolicy?: RetryPolicy;
  requestTimeout?: Duration;
  publishing?: { topics?: Resource[]; maxBodySize?: number; validateMessageType?: boolean };
  subscription?: {
    group?: Resource;
    subscriptions?: SubscriptionEntry[];
    fifo?: boolean;
    receiveBatchSize?: number;
    longPollingTimeout?: Duration;
  };
  userAgent?: { language?: number; version?: string; platform?: string; hostname?: string };
  metric?: { on?: boolean; endpoints?: Endpoints };
  clientProperties?: Record<string, string>;
}
export interface TelemetryCommand {
  status?: Status;
  settings?: Settings;
  threadStackTrace?: { nonce?: string; threadStackTrace?: string };
  verifyMessageResult?: { nonce?: string };
  recoverOrphanedTransactionCommand?: { message?: Message; transactionId?: string };
  printThreadStackTraceCommand?: { nonce?: string };
  verifyMessageCommand?: { nonce?: string; message?: Message };
  reconnectEndpointsCommand?: { nonce?: string };
}

export interface QueryRouteRequest {
  topic?: Resource;
  endpoints?: Endpoints;
}
export interface QueryRouteResponse {
  status: Status;
  messageQueues?: MessageQueue[];
}
export interface SendMessageRequest {
  messages?: Message[];
}
export interface SendResultEntry {
  status: Status;
  messageId?: string;
  transactionId?: string;
  offset?: number;
  recallHandle?: string;
}
export interface SendMessageResponse {
  status: Status;
  entries?: SendResultEntry[];
}
export interface QueryAssignmentRequest {
  topic?: Resource;
  group?: Resource;
  endpoints?: Endpoints;
}
export interface QueryAssignmentResponse {
  status: Status;
  assignments?: Array<{ messageQueue?: MessageQueue }>;
}
export interface ReceiveMessageRequest {
  group?: Resource;
  messageQueue?: MessageQueue;
  filterExpression?: FilterExpression;
  batchSize?: number;
  invisibleDuration?: Duration;
  autoRenew?: boolean;
  longPollingTimeout?: Duration;
  attemptId?: string;
}
export interface ReceiveMessageResponse {
  status?: Status;
  message?: Message;
  deliveryTimestamp?: Timestamp;
}
export interface AckMessageRequest {
  group?: Resource;
  topic?: Resource;
  entries?: Array<{ messageId?: string; receiptHandle?: string }>;
}
export interface AckMessageResultEntry {
  messageId?: string;
  receiptHandle?: string;
  status: Status;
}
export interface AckMessageResponse {
  status: Status;
  entries?: AckMessageResultEntry[];
}
export interface ForwardMessageToDeadLetterQueueRequest {
  group?: Resource;
  topic?: Resource;
  receiptHandle?: string;
  messageId?: string;
  deliveryAttempt?: number;
  maxDeliveryAttempts?: number;
}
export interface HeartbeatRequest {
  group?: Resource;
  clientType?: number;
}
export interface EndTransactionRequest {
  topic?: Resource;
  messageId?: string;
  transactionId?: string;
  resolution?: number;
  source?: number;
  traceContext?: string;
}
export interface NotifyClientTerminationRequest {
  group?: Resource;
}
export interface ChangeInvisibleDurationRequest {
  group?: Resource;
  topic?: Resource;
  receiptHandle?: string;
  invisibleDuration?: Duration;
  messageId?: string;
}
export interface ChangeInvisibleDurationResponse {
  status: Status;
  receiptHandle?: string;
}
export interface RecallMessageRequest {
  topic?: Resource;
  recallHandle?: string;
}
export interface RecallMessageResponse {
  status: Status;
  messageId?: string;
}
export interface StatusOnly {
  status: Status;
}

// Enum numbers used by the code (definitions.ts has the full lists).
export const ClientType = { PRODUCER: 1, PUSH_CONSUMER: 2, SIMPLE_CONSUMER: 3, PULL_CONSUMER: 4 } as const;
export const MessageType = { NORMAL: 1, FIFO: 2, DELAY: 3, TRANSACTION: 4 } as const;
export const Permission = { NONE: 1, READ: 2, WRITE: 3, READ_WRITE: 4 } as const;
export const AddressScheme = { IPv4: 1, IPv6: 2, DOMAIN_NAME: 3 } as const;
export const FilterType = { TAG: 1, SQL: 2 } as const;
export const DigestType = { CRC32: 1, MD5: 2, SHA1: 3 } as const;
export const Encoding = { IDENTITY: 1, GZIP: 2 } as const;
export const TransactionResolution = { UNSPECIFIED: 0, COMMIT: 1, ROLLBACK: 2 } as const;
export const TransactionSource = { CLIENT: 1, SERVER_CHECK: 2 } as const;
