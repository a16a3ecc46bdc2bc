import type { ConsumerData } from '@rocketmq-ts/protocol';
import type { MessageExt } from '../message.js';
import type { CheckTransactionHeader } from '../producer/transaction.js';

/** What the shared core needs from a consumer registered with it. */
export interface ConsumerInner {
  readonly group: string;
  consumerData(): ConsumerData;
  doRebalance(): Promise<void>;
  persistOffsets(): Promise<void>;
  /** Java's ConsumerRunningInfo as plain data (GET_CONSUMER_RUNNING_INFO). */
  runningInfo?(): Promise<Record<string, unknown>>;
  /** Broker asked to move the group's offsets (RESET_CONSUMER_CLIENT_OFFSET). */
  resetOffsets?(topic: string, offsets: Map<string, number>): Promise<void>;
}

export interface ProducerInner {
  readonly group: string;
  publishTopics(): Iterable<string>;
  /** The broker asks about an undecided half message (CHECK_TRANSACTION_STATE). */
  checkTransactionState?(brokerAddr: string, header: CheckTransactionHeader, msg: MessageExt): Promise<void>;
}
