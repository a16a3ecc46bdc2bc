import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConsumeFromWhere, MessageModel } from '@rocketmq-ts/protocol';
import type { ClientOptions } from '../client-config.js';
import type { TransportFactory } from '../client-instance.js';
import type { AllocateMessageQueueStrategy } from './allocate.js';

/** Options shared by the push and lite-pull consumers. */
export interface ConsumerOptions extends ClientOptions {
  consumerGroup: string;
  /** CLUSTERING (default): each message to one member. BROADCASTING: to every member. */
  messageModel?: MessageModel;
  /** Where a group with no stored offset starts; default CONSUME_FROM_LAST_OFFSET. */
  consumeFromWhere?: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP: ms, or `yyyyMMddHHmmss`. Default: 30 minutes ago. */
  consumeTimestamp?: number | string;
  /** Default allocateAveragely. */
  allocateMessageQueueStrategy?: AllocateMessageQueueStrategy;
  /** Messages per pull request, default 32. */
  pullBatchSize?: number;
  /** Broadcasting: directory of the local offset file (default ~/.rocketmq_offsets). */
  offsetStoreDir?: string;
  /** For tests and embedding: how the transport is made. */
  transportFactory?: TransportFactory;
}

export const defaultOffsetStoreDir = (): string =>
  process.env.ROCKETMQ_CLIENT_LOCAL_OFFSET_STORE_DIR ?? join(homedir(), '.rocketmq_offsets');

export const localOffsetFile = (dir: string, clientId: string, group: string): string =>
  join(dir, clientId.replace(/[^A-Za-z0-9@._#-]/g, '_'), group, 'offsets.json');
