import { join } from 'node:path';
import type { Clock, Logger } from '@rocketmq-ts/common';
import { StateFile } from '@rocketmq-ts/common';

// FIFO (order) pop state, RocketMQ's ConsumerOrderInfoManager: per topic@group and queue, the
// offsets handed out by the last pop, when each becomes visible again, how often each was
// handed out, which are acked, and the attemptId of that pop. While an unacked offset is still
// invisible the queue is blocked for everyone but a retry with the same attemptId; the group's
// consume offset stays at the first unacked offset, so an unacked message comes back first,
// in order, with its count + 1. Persisted in consumerOrderInfo.json on stop and every few
// seconds; without it (a crash) the queue is only unblocked early: order still holds because
// the next pop reads from the committed offset.

export const ORDER_INFO_FILE = 'consumerOrderInfo.json';

interface OrderInfo {
  popTime: number;
  invisibleTime: number;
  offsets: number[];
  /** offset → time it is visible again (when changed from popTime + invisibleTime). */
  nextVisible: Map<number, number>;
  /** offset → times handed out before this pop. */
  counts: Map<number, number>;
  acked: Set<number>;
  attemptId: string | undefined;
}

export type OrderAck = { kind: 'ignored' } | { kind: 'illegal' } | { kind: 'acked'; commitOffset: number };

const keyOf = (topic: string, group: string): string => `${topic}@${group}`;

export class ConsumerOrderInfo {
  private readonly table = new Map<string, Map<number, OrderInfo>>();
  private readonly file: StateFile;
  private dirty = false;

  constructor(
    configDir: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.file = new StateFile(join(configDir, ORDER_INFO_FILE));
  }

  private visibleAt(info: OrderInfo, offset: number): number {
    return info.nextVisible.get(offset) ?? info.popTime + info.invisibleTime;
  }

  /** Whether a pop of this queue must wait: an unacked offset is still invisible. */
  blocked(topic: string, group: string, queueId: number, attemptId: string | undefined): boolean {
    const info = this.table.get(keyOf(topic, group))?.get(queueId);
    if (info === undefined) return false;
    if (attemptId !== undefined && attemptId === info.attemptId) return false;
    const now = this.clock.now();
    return info.offsets.some((o) => !info.acked.has(o) && this.visibleAt(info, o) > now);
  }

  /**
   * Records a pop of `offsets`; returns how often each was handed out before (the order
   * count, which the client reports as reconsumeTimes). A retry with the same attemptId keeps
   * the counts.
   */
  update(
    topic: string,
    group: string,
    queueId: number,
    popTime: number,
    invisibleTime: number,
    offsets: number[],
    attemptId: string | undefined,
  ): number[] {
    const k = keyOf(topic, group);
    let queues = this.table.get(k);
    if (queues === undefined) {
      queues = new Map();
      this.table.set(k, queues);
    }
    const prev = queues.get(queueId);
    const reentry = prev !== undefined && attemptId !== undefined && prev.attemptId === attemptId;
    const counts = new Map<number, number>();
    for (const o of offsets) {
      const before = prev?.counts.get(o);
      const handedOut = prev?.offsets.includes(o) ?? false;
      counts.set(o, before === undefined ? (handedOut ? 1 : 0) : reentry ? before : before + (handedOut ? 1 : 0));
    }
    queues.set(queueId, {
      popTime,
      invisibleTime,
      offsets,
      nextVisible: new Map(),
      counts,
      acked: new Set(),
      attemptId,
    });
    this.dirty = true;
    return offsets.map((o) => counts.get(o)!);
  }

  ack(topic: string, group: string, queueId: number, offset: number, popTime: number): OrderAck {
    const info = this.table.get(keyOf(topic, group))?.get(queueId);
    if (info === undefined || info.popTime !== popTime) return { kind: 'ignored' };
    if (!info.offsets.includes(offset)) return { kind: 'illegal' };
    info.acked.add(offset);
    this.dirty = true;
    const first = info.offsets.find((o) => !info.acked.has(o));
    return { kind: 'acked', commitOffset: first ?? info.offsets[info.offsets.length - 1]! + 1 };
  }

  /** New visibility of one offset; undefined when the pop is not the current one. */
  changeInvisible(
    topic: string,
    group: string,
    queueId: number,
    offset: number,
    popTime: number,
    invisibleTime: number,
  ): number | undefined {
    const info = this.table.get(keyOf(topic, group))?.get(queueId);
    if (info === undefined || info.popTime !== popTime || !info.offsets.includes(offset)) return undefined;
    const next = this.clock.now() + invisibleTime;
    info.nextVisible.set(offset, next);
    this.dirty = true;
    return next;
  }

  /** Forgets a queue's FIFO state (its offset was reset by an admin). */
  clear(topic: string, group: string, queueId: number): void {
    if (this.table.get(keyOf(topic, group))?.delete(queueId)) this.dirty = true;
  }

  async load(): Promise<void> {
    const text = await this.file.read();
    if (text === undefined) return;
    try {
      const parsed = JSON.parse(text) as { table?: Record<string, Record<string, Record<string, unknown>>> };
      for (const [k, queues] of Object.entries(parsed.table ?? {})) {
        const m = new Map<number, OrderInfo>();
        for (const [q, o] of Object.entries(queues)) m.set(Number(q), decodeInfo(o));
        this.table.set(k, m);
      }
    } catch (err) {
      this.logger.error({ err, path: this.file.path }, 'consumer order info unreadable; FIFO queues start unblocked');
    }
  }

  async persist(force = false): Promise<void> {
    if (!this.dirty && !force) return;
    this.dirty = false;
    const table: Record<string, Record<string, unknown>> = {};
    for (const [k, queues] of this.table) {
      const out: Record<string, unknown> = {};
      for (const [q, info] of queues) out[q] = encodeInfo(info);
      table[k] = out;
    }
    await this.file.write(JSON.stringify({ table }));
  }
}

// RocketMQ's OrderInfo keys: popTime, i invisibleTime, o offsets (first absolute, then diffs),
// ot offset → next visible time, oc offset → count, cm ack bitmap, a attemptId.
function encodeInfo(info: OrderInfo): Record<string, unknown> {
  const first = info.offsets[0] ?? 0;
  let cm = 0;
  info.offsets.forEach((o, i) => {
    if (info.acked.has(o) && i < 31) cm |= 1 << i;
  });
  return {
    popTime: info.popTime,
    i: info.invisibleTime,
    o: info.offsets.map((o, i) => (i === 0 ? o : o - first)),
    ot: Object.fromEntries(info.nextVisible),
    oc: Object.fromEntries(info.counts),
    cm,
    ...(info.attemptId === undefined ? {} : { a: info.attemptId }),
  };
}

function decodeInfo(o: Record<string, unknown>): OrderInfo {
  const raw = Array.isArray(o.o) ? (o.o as unknown[]).map(Number) : [];
  const offsets = raw.map((v, i) => (i === 0 ? v : raw[0]! + v));
  const cm = Number(o.cm ?? 0);
  const entries = (v: unknown) =>
    new Map(Object.entries((v ?? {}) as Record<string, unknown>).map(([k, x]) => [Number(k), Number(x)]));
  return {
    popTime: Number(o.popTime ?? 0),
    invisibleTime: Number(o.i ?? 0),
    offsets,
    nextVisible: entries(o.ot),
    counts: entries(o.oc),
    acked: new Set(offsets.filter((_, i) => i < 31 && (cm & (1 << i)) !== 0)),
    attemptId: typeof o.a === 'string' ? o.a : undefined,
  };
}
