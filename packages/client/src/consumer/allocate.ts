import type { MessageQueue } from '@rocketmq-ts/protocol';

/**
 * Decides which queues one member of a group consumes. Inputs arrive sorted (queues by
 * topic/broker/id, client ids lexically) so every member computes the same split.
 */
export interface AllocateMessageQueueStrategy {
  readonly name: string;
  allocate(
    group: string,
    currentCID: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[];
}

/** Contiguous blocks: with 8 queues and 3 clients, 3/3/2. */
export const allocateAveragely: AllocateMessageQueueStrategy = {
  name: 'AVG',
  allocate(_group, currentCID, mqAll, cidAll) {
    const index = cidAll.indexOf(currentCID);
    if (index < 0 || mqAll.length === 0) return [];
    const n = mqAll.length;
    const c = cidAll.length;
    const mod = n % c;
    const base = Math.floor(n / c);
    const averageSize = n <= c ? 1 : mod > 0 && index < mod ? base + 1 : base;
    const startIndex = mod > 0 && index < mod ? index * averageSize : index * averageSize + mod;
    const range = Math.min(averageSize, n - startIndex);
    const out: MessageQueue[] = [];
    for (let i = 0; i < range; i++) out.push(mqAll[(startIndex + i) % n]!);
    return out;
  },
};

/** Round robin: client i gets queues i, i+c, i+2c, … */
export const allocateAveragelyByCircle: AllocateMessageQueueStrategy = {
  name: 'AVG_BY_CIRCLE',
  allocate(_group, currentCID, mqAll, cidAll) {
    const index = cidAll.indexOf(currentCID);
    if (index < 0) return [];
    const out: MessageQueue[] = [];
    for (let i = index; i < mqAll.length; i += cidAll.length) out.push(mqAll[i]!);
    return out;
  },
};
