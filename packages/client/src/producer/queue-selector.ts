import type { MessageQueue } from '@rocketmq-ts/protocol';
import type { Message } from '../message.js';

/** Chooses the queue of an ordered send; the same `arg` must map to the same queue. */
export type MessageQueueSelector<A = unknown> = (queues: readonly MessageQueue[], msg: Message, arg: A) => MessageQueue;

/** Java's String.hashCode, so a key maps to the same queue index as in Java's SelectMessageQueueByHash. */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Queue index = |hash(arg)| mod queue count (numbers are used as they are). */
export const selectMessageQueueByHash: MessageQueueSelector<string | number> = (queues, _msg, arg) => {
  const h = typeof arg === 'number' ? Math.trunc(arg) : javaHash(arg);
  return queues[Math.abs(h % queues.length)]!;
};

export const selectMessageQueueByRandom: MessageQueueSelector<unknown> = (queues) =>
  queues[Math.floor(Math.random() * queues.length)]!;
