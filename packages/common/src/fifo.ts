/**
 * A first-in first-out queue over an array and a head index: `shift()` is O(1) (no
 * `Array#shift` copying), and the array is dropped when it empties or compacted once the
 * consumed prefix is both large and most of it.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  /** Consumed slots kept before a compaction is considered. */
  static readonly COMPACT_AFTER = 1024;

  get size(): number {
    return this.items.length - this.head;
  }

  get isEmpty(): boolean {
    return this.head === this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** The item `i` places behind the oldest (0 = oldest); undefined past the end. */
  at(i: number): T | undefined {
    const j = this.head + i;
    return i >= 0 && j < this.items.length ? this.items[j] : undefined;
  }

  /** Takes the oldest item; undefined when empty. */
  shift(): T | undefined {
    const items = this.items;
    if (this.head === items.length) return undefined;
    const item = items[this.head];
    items[this.head++] = undefined;
    if (this.head === items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > Fifo.COMPACT_AFTER && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Takes every item, oldest first. */
  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return out;
  }
}
