import { Fifo } from '@rocketmq-ts/common';

/**
 * A bound on the disk reads of pulls and pops in flight in the store, the rest waiting first
 * come first served: RocketMQ reads for pulls on a fixed pull executor (16 + 2 × cores
 * threads), so however many clients pipeline pulls of old data, the broker reads for a few of
 * them at a time. Here the reads run on the libuv pool (4 threads), and each one finished
 * is answered on the event loop; unbounded, a flood of them came back in batches of dozens
 * per loop turn and a producer's send waited behind every one of them.
 */
export class ReadGate {
  private active = 0;
  private readonly waiting = new Fifo<() => void>();

  constructor(private readonly max: number) {}

  /** Reads waiting for a slot. */
  get queued(): number {
    return this.waiting.size;
  }

  /** Undefined when a slot is free now (taken), else a promise that resolves with one. */
  acquire(): Promise<void> | undefined {
    if (this.active < this.max) {
      this.active++;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the oldest waiter, or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.active--;
  }
}
