import type { MessageQueue } from '@rocketmq-ts/protocol';
import type { MessageExt } from '../message.js';

export type ConsumeConcurrentlyStatus = 'CONSUME_SUCCESS' | 'RECONSUME_LATER';
export type ConsumeOrderlyStatus = 'SUCCESS' | 'SUSPEND_CURRENT_QUEUE_A_MOMENT';

export interface ConsumeConcurrentlyContext {
  readonly messageQueue: MessageQueue;
  /** Delay level of the retry if this batch fails: 0 = broker decides (3 + reconsumeTimes), -1 = DLQ now. */
  delayLevelWhenNextConsume: number;
}

export interface ConsumeOrderlyContext {
  readonly messageQueue: MessageQueue;
  /** How long the queue pauses after a failure before the same messages are retried. */
  suspendCurrentQueueTimeMillis: number;
}

// biome-ignore lint/suspicious/noConfusingVoidType: a listener that returns nothing succeeded
export type ListenerResult<S> = S | void | Promise<S | void>;

/**
 * Returning nothing means success; throwing means RECONSUME_LATER (concurrently) or
 * SUSPEND_CURRENT_QUEUE_A_MOMENT (orderly).
 */
export interface MessageListenerConcurrently {
  type: 'concurrently';
  consume(msgs: MessageExt[], ctx: ConsumeConcurrentlyContext): ListenerResult<ConsumeConcurrentlyStatus>;
}

export interface MessageListenerOrderly {
  type: 'orderly';
  consume(
    msgs: MessageExt[],
    ctx: ConsumeOrderlyContext,
  ): ConsumeOrderlyStatus | undefined | Promise<ConsumeOrderlyStatus | undefined>;
}

export type MessageListener = MessageListenerConcurrently | MessageListenerOrderly;
