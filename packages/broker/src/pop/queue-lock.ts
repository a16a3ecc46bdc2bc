// One pop at a time per `topic@group@queueId`: the read of the pop offset, the checkpoint
// append and the offset commit form one step, so concurrent poppers of a queue get disjoint
// messages. Waiters queue up in order. A pop over all queues passes a held queue first (as
// RocketMQ's try-lock) and waits for it only when the free queues had nothing (pop-message.ts).

export class QueueLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const tail = prev ? prev.then(() => mine) : mine;
    this.tails.set(key, tail);
    if (prev) await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  isLocked(key: string): boolean {
    return this.tails.has(key);
  }
}
