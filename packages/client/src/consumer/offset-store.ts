import { type Logger, StateFile } from '@rocketmq-ts/common';
import { type MessageQueue, mqKey } from '@rocketmq-ts/protocol';

/** Where a read looks: memory only, the store only (and cache it), or memory then store. */
export type ReadOffsetType = 'memory' | 'store' | 'memory-then-store';

/** Consumer progress per queue: the next offset to consume. -1 means unknown. */
export interface OffsetStore {
  load(): Promise<void>;
  updateOffset(mq: MessageQueue, offset: number, increaseOnly: boolean): void;
  readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number>;
  /** The offset held in memory, -1 when none (readOffset 'memory' without the promise). */
  memoryOffset(mq: MessageQueue): number;
  /** Writes the given queues' offsets out (to the broker or file). */
  persistAll(mqs: readonly MessageQueue[]): Promise<void>;
  persist(mq: MessageQueue): Promise<void>;
  removeOffset(mq: MessageQueue): void;
}

/** How a remote store talks to brokers; the client core provides it. */
export interface OffsetBackend {
  /** QUERY_CONSUMER_OFFSET; -1 when the broker has none. */
  query(mq: MessageQueue): Promise<number>;
  update(mq: MessageQueue, offset: number): Promise<void>;
}

interface Entry {
  mq: MessageQueue;
  offset: number;
  /** Last value written out, to skip unchanged queues. */
  persisted: number;
}

abstract class MemoryOffsets {
  protected readonly table = new Map<string, Entry>();

  updateOffset(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    const k = mqKey(mq);
    const e = this.table.get(k);
    if (!e) this.table.set(k, { mq: { ...mq }, offset, persisted: Number.NaN });
    else if (!increaseOnly || offset > e.offset) e.offset = offset;
  }

  memoryOffset(mq: MessageQueue): number {
    return this.table.get(mqKey(mq))?.offset ?? -1;
  }

  removeOffset(mq: MessageQueue): void {
    this.table.delete(mqKey(mq));
  }
}

/** Clustering: the broker keeps the group's offsets; we cache and push them every few seconds. */
export class RemoteBrokerOffsetStore extends MemoryOffsets implements OffsetStore {
  constructor(
    private readonly backend: OffsetBackend,
    private readonly logger: Logger,
  ) {
    super();
  }

  async load(): Promise<void> {}

  async readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number> {
    if (type !== 'store') {
      const v = this.memoryOffset(mq);
      if (v >= 0 || type === 'memory') return v;
    }
    const v = await this.backend.query(mq);
    if (v >= 0) this.updateOffset(mq, v, false);
    const e = this.table.get(mqKey(mq));
    if (e) e.persisted = v;
    return v;
  }

  async persist(mq: MessageQueue): Promise<void> {
    const e = this.table.get(mqKey(mq));
    if (!e || e.offset < 0 || e.offset === e.persisted) return;
    const v = e.offset;
    await this.backend.update(e.mq, v);
    e.persisted = v;
  }

  async persistAll(mqs: readonly MessageQueue[]): Promise<void> {
    await Promise.all(
      mqs.map((mq) =>
        this.persist(mq).catch((err: unknown) => this.logger.warn({ err, mq }, 'persisting consumer offset failed')),
      ),
    );
  }
}

/**
 * Broadcasting: each client keeps its own offsets in a JSON file (Java uses
 * ~/.rocketmq_offsets/<clientId>/<group>/offsets.json), replaced atomically (StateFile), so
 * a crash mid-write leaves the previous version. Like Java's store it keeps `<file>.bak`, read
 * when the main file is damaged; it is written after the main file, so one of them is always
 * a complete, recent table.
 */
export class LocalFileOffsetStore extends MemoryOffsets implements OffsetStore {
  private readonly file: StateFile;
  private readonly backup: StateFile;
  /** Whether the file reflects a removal too (removeOffset forces the next write). */
  private written = false;

  constructor(
    readonly path: string,
    private readonly logger: Logger,
  ) {
    super();
    this.file = new StateFile(path);
    this.backup = new StateFile(`${path}.bak`);
  }

  async load(): Promise<void> {
    for (const file of [this.file, this.backup]) {
      try {
        const parsed = (await file.load()) as
          | { offsetTable?: Record<string, { topic: string; brokerName: string; queueId: number; offset: number }> }
          | undefined;
        if (parsed === undefined) continue;
        for (const e of Object.values(parsed.offsetTable ?? {})) {
          const mq = { topic: e.topic, brokerName: e.brokerName, queueId: e.queueId };
          this.table.set(mqKey(mq), { mq, offset: e.offset, persisted: e.offset });
        }
        return;
      } catch (e) {
        // Without either file only broadcast progress is lost: consumption restarts per consumeFromWhere.
        this.logger.warn({ err: e, file: file.path }, 'offset file unreadable');
      }
    }
  }

  async readOffset(mq: MessageQueue, _type: ReadOffsetType): Promise<number> {
    return this.memoryOffset(mq);
  }

  override removeOffset(mq: MessageQueue): void {
    super.removeOffset(mq);
    this.written = false;
  }

  async persist(_mq: MessageQueue): Promise<void> {
    await this.persistAll([]);
  }

  /** Writes every known offset (the file is small) when any changed; writes are serialised. */
  async persistAll(_mqs: readonly MessageQueue[]): Promise<void> {
    let dirty = false;
    for (const e of this.table.values()) {
      if (e.offset !== e.persisted) {
        dirty = true;
        e.persisted = e.offset;
      }
    }
    if (!dirty && this.written) return this.file.idle();
    this.written = true;
    const offsetTable: Record<string, MessageQueue & { offset: number }> = {};
    for (const [k, e] of this.table) offsetTable[k] = { ...e.mq, offset: e.offset };
    const text = JSON.stringify({ offsetTable }, null, 1);
    await this.file.write(text);
    await this.backup.write(text);
  }
}
