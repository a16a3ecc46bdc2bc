// One IndexFile (`index/<yyyyMMddHHmmssSSS>`), RocketMQ's layout:
//   header 40 bytes: beginTimestamp i64, endTimestamp i64, beginPhyOffset i64, endPhyOffset i64,
//                    hashSlotCount i32, indexCount i32 (starts at 1: entry 0 means "none")
//   slots: hashSlotNum × i32, the newest entry number for keys hashing there
//   entries: maxIndexNum × 20 bytes: keyHash i32, phyOffset i64, timeDiff i32 (s), prevIndex i32
// Node has no mmap, so the writable file keeps its slot table in memory (dirty 4 KiB pages are
// written at flush) and buffers new entries until flush; older files are read with fs.read.
import { readInt64, tagsHashCode, writeInt64 } from '@rocketmq-ts/protocol';
import { closeFd, fdatasync, ftruncate, openFd, readFully, writeFully } from '../io/fs-async.js';

const INDEX_HEADER_SIZE = 40;
const ENTRY = 20;
const PAGE = 4096;

/** RocketMQ's index key hash: |String.hashCode|, 0 for Integer.MIN_VALUE. */
export function indexKeyHash(key: string): number {
  const h = tagsHashCode(key);
  return h === -2147483648 ? 0 : Math.abs(h);
}

export class IndexFile {
  beginTimestamp = 0;
  endTimestamp = 0;
  beginPhyOffset = 0;
  endPhyOffset = 0;
  hashSlotCount = 0;
  indexCount = 1;
  private slots: Buffer | undefined;
  /** Views for put(): DataView stores skip Buffer#write*'s argument checks. */
  private slotView: DataView | undefined;
  private pendingView = new DataView(new ArrayBuffer(0));
  private dirtyPages: Uint8Array | undefined;
  private pending = Buffer.alloc(0);
  /** Entry number of pending[0]. */
  private pendingFrom = 1;
  private pendingCount = 0;
  /** Entries being written by flush(), still served to queries from memory. */
  private flushing: Buffer | undefined;
  private flushChain: Promise<void> = Promise.resolve();
  private flushingFrom = 0;
  /** select() calls reading the file: close waits for them. */
  private readonly readers = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    readonly fd: number,
    readonly slotNum: number,
    readonly maxIndexNum: number,
  ) {}

  get fileSize(): number {
    return INDEX_HEADER_SIZE + this.slotNum * 4 + this.maxIndexNum * ENTRY;
  }

  isFull(): boolean {
    return this.indexCount >= this.maxIndexNum;
  }

  get writable(): boolean {
    return this.slots !== undefined;
  }

  static async create(path: string, slotNum: number, maxIndexNum: number): Promise<IndexFile> {
    const fd = await openFd(path, 'w+');
    const f = new IndexFile(path, fd, slotNum, maxIndexNum);
    await ftruncate(fd, f.fileSize);
    f.slots = Buffer.alloc(slotNum * 4);
    f.slotView = new DataView(f.slots.buffer, f.slots.byteOffset, f.slots.byteLength);
    f.dirtyPages = new Uint8Array(Math.ceil((slotNum * 4) / PAGE));
    await f.writeHeader();
    return f;
  }

  /** Opens an existing file; `writable` loads its slot table so it can take more keys. */
  static async open(path: string, slotNum: number, maxIndexNum: number, writable: boolean): Promise<IndexFile> {
    const fd = await openFd(path, 'r+');
    const f = new IndexFile(path, fd, slotNum, maxIndexNum);
    const h = Buffer.alloc(INDEX_HEADER_SIZE);
    await readFully(fd, h, 0, INDEX_HEADER_SIZE, 0);
    f.beginTimestamp = readInt64(h, 0);
    f.endTimestamp = readInt64(h, 8);
    f.beginPhyOffset = readInt64(h, 16);
    f.endPhyOffset = readInt64(h, 24);
    f.hashSlotCount = h.readInt32BE(32);
    f.indexCount = Math.max(1, h.readInt32BE(36));
    if (writable && !f.isFull()) {
      f.slots = Buffer.alloc(slotNum * 4);
      await readFully(fd, f.slots, 0, f.slots.length, INDEX_HEADER_SIZE);
      f.slotView = new DataView(f.slots.buffer, f.slots.byteOffset, f.slots.byteLength);
      f.dirtyPages = new Uint8Array(Math.ceil((slotNum * 4) / PAGE));
    }
    f.pendingFrom = f.indexCount;
    return f;
  }

  /** Adds a key; false when the file is full (the caller rolls to a new file). */
  put(keyHash: number, phyOffset: number, storeTimestamp: number): boolean {
    const slots = this.slots;
    if (!slots || this.isFull()) return false;
    const slot = keyHash % this.slotNum;
    const sv = this.slotView!;
    let prev = sv.getInt32(slot * 4);
    if (prev <= 0 || prev >= this.indexCount) {
      prev = 0;
      this.hashSlotCount++;
    }
    if (this.indexCount <= 1) {
      this.beginTimestamp = storeTimestamp;
      this.beginPhyOffset = phyOffset;
    }
    let diff = this.beginTimestamp <= 0 ? 0 : Math.floor((storeTimestamp - this.beginTimestamp) / 1000);
    diff = Math.max(0, Math.min(diff, 0x7fffffff));
    const need = (this.pendingCount + 1) * ENTRY;
    if (need > this.pending.length) {
      const bigger = Buffer.alloc(Math.max(need, this.pending.length * 2, 64 * ENTRY));
      this.pending.copy(bigger, 0, 0, this.pendingCount * ENTRY);
      this.pending = bigger;
    }
    const p = this.pendingCount * ENTRY;
    let pv = this.pendingView;
    if (
      pv.buffer !== this.pending.buffer ||
      pv.byteOffset !== this.pending.byteOffset ||
      pv.byteLength !== this.pending.length
    ) {
      pv = this.pendingView = new DataView(this.pending.buffer, this.pending.byteOffset, this.pending.byteLength);
    }
    pv.setInt32(p, keyHash);
    pv.setInt32(p + 4, Math.floor(phyOffset / 0x100000000));
    pv.setUint32(p + 8, phyOffset >>> 0);
    pv.setInt32(p + 12, diff);
    pv.setInt32(p + 16, prev);
    this.pendingCount++;
    sv.setInt32(slot * 4, this.indexCount);
    this.dirtyPages![(slot * 4) >>> 12] = 1;
    this.indexCount++;
    this.endTimestamp = storeTimestamp;
    this.endPhyOffset = phyOffset;
    return true;
  }

  /** Physical offsets whose key hash matches, newest first, within [begin, end] (second resolution). */
  async select(keyHash: number, maxNum: number, begin: number, end: number, out: number[]): Promise<void> {
    if (this.closing) return;
    const read = this.walk(keyHash, maxNum, begin, end, out);
    this.readers.add(read);
    try {
      await read;
    } finally {
      this.readers.delete(read);
    }
  }

  private async walk(keyHash: number, maxNum: number, begin: number, end: number, out: number[]): Promise<void> {
    const slot = keyHash % this.slotNum;
    let idx: number;
    if (this.slots) idx = this.slots.readInt32BE(slot * 4);
    else {
      const b = Buffer.alloc(4);
      await readFully(this.fd, b, 0, 4, INDEX_HEADER_SIZE + slot * 4);
      idx = b.readInt32BE(0);
    }
    const e = Buffer.alloc(ENTRY);
    let hops = 0;
    while (idx > 0 && idx < this.indexCount && out.length < maxNum && hops++ < this.maxIndexNum) {
      let b: Buffer;
      let p: number;
      if (idx >= this.pendingFrom && idx < this.pendingFrom + this.pendingCount) {
        b = this.pending;
        p = (idx - this.pendingFrom) * ENTRY;
      } else if (this.flushing && idx >= this.flushingFrom && idx < this.flushingFrom + this.flushing.length / ENTRY) {
        b = this.flushing;
        p = (idx - this.flushingFrom) * ENTRY;
      } else {
        const n = await readFully(this.fd, e, 0, ENTRY, INDEX_HEADER_SIZE + this.slotNum * 4 + idx * ENTRY);
        if (n < ENTRY) break;
        b = e;
        p = 0;
      }
      const hash = b.readInt32BE(p);
      const phy = readInt64(b, p + 4);
      const timeRead = this.beginTimestamp + b.readInt32BE(p + 12) * 1000;
      const prev = b.readInt32BE(p + 16);
      // Entry times are truncated to seconds: widen the lower bound by one second.
      if (hash === keyHash && timeRead >= begin - 1000 && timeRead <= end) out.push(phy);
      if (prev <= 0 || prev >= idx || timeRead < begin - 1000) break;
      idx = prev;
    }
  }

  /**
   * Entries and header, fdatasync, then dirty slot pages, fdatasync (docs/store.md): a slot on
   * disk never points at an entry that is not there or past the header's indexCount, so every
   * chain stays walkable after a crash at any point.
   *
   * The slot pages are copied first, a slice per event-loop turn (with the default 5 M slots
   * the table is 20 MB); a page changed after its copy is dirty again for the next flush. The
   * entries and header are snapshotted after that, so every copied slot points at an entry in
   * the snapshot. Entries are not copied: the pending buffer is swapped for a fresh one.
   */
  flush(): Promise<void> {
    // After close the descriptor number may belong to another file: write nothing.
    if (this.closing) return Promise.resolve();
    // One flush at a time per file (the checkpoint task and a roll can both ask for one).
    const run = this.flushChain.then(() => this.flushOnce());
    this.flushChain = run.catch(() => {});
    return run;
  }

  private async flushOnce(): Promise<void> {
    const pages: [number, Buffer][] = [];
    const slots = this.slots;
    const dirty = this.dirtyPages;
    if (slots && dirty) {
      let sliceStart = performance.now();
      let i = 0;
      while (i < dirty.length) {
        if (!dirty[i]) {
          i++;
          continue;
        }
        let j = i;
        while (j < dirty.length && dirty[j] && j - i < 256) dirty[j++] = 0;
        const to = Math.min(j * PAGE, slots.length);
        pages.push([INDEX_HEADER_SIZE + i * PAGE, Buffer.from(slots.subarray(i * PAGE, to))]);
        i = j;
        if (performance.now() - sliceStart > 1) {
          await new Promise((r) => setImmediate(r));
          sliceStart = performance.now();
        }
      }
    }
    const count = this.pendingCount;
    const entries = this.pending.subarray(0, count * ENTRY);
    const entriesAt = INDEX_HEADER_SIZE + this.slotNum * 4 + this.pendingFrom * ENTRY;
    this.flushing = entries;
    this.flushingFrom = this.pendingFrom;
    this.pending = Buffer.allocUnsafe(Math.max(64 * ENTRY, this.pending.length));
    this.pendingFrom += count;
    this.pendingCount = 0;
    const header = this.headerBytes();
    try {
      if (count > 0) await writeFully(this.fd, entries, 0, entries.length, entriesAt);
      await writeFully(this.fd, header, 0, INDEX_HEADER_SIZE, 0);
      if (pages.length > 0) {
        await fdatasync(this.fd);
        for (const [at, bytes] of pages) await writeFully(this.fd, bytes, 0, bytes.length, at);
      }
      await fdatasync(this.fd);
    } finally {
      this.flushing = undefined;
    }
  }

  private headerBytes(): Buffer {
    const h = Buffer.alloc(INDEX_HEADER_SIZE);
    writeInt64(h, this.beginTimestamp, 0);
    writeInt64(h, this.endTimestamp, 8);
    writeInt64(h, this.beginPhyOffset, 16);
    writeInt64(h, this.endPhyOffset, 24);
    h.writeInt32BE(this.hashSlotCount, 32);
    h.writeInt32BE(this.indexCount, 36);
    return h;
  }

  private async writeHeader(): Promise<void> {
    await writeFully(this.fd, this.headerBytes(), 0, INDEX_HEADER_SIZE, 0);
  }

  /** Drops the in-memory slot table once the file is full and flushed. */
  seal(): void {
    this.slots = undefined;
    this.slotView = undefined;
    this.dirtyPages = undefined;
  }

  /**
   * Closes the descriptor once the flushes and reads under way are done. Closed under one, its
   * number would be reused by the process's next open and the rest of that flush (slot pages
   * at offset 40) written into whatever file got it: a CommitLog segment reopened by the next
   * store lost the record at its start that way.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flushChain;
      await Promise.allSettled([...this.readers]);
      await closeFd(this.fd);
    })();
    return this.closing;
  }
}
