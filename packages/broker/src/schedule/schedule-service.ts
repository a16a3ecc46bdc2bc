import { join } from 'node:path';
import { StateFile } from '@rocketmq-ts/common';
import {
  type DataVersion,
  decodeStoredRecord,
  encodeFastjson,
  MessageConst,
  type MessageView,
  parseFastjson,
  RMQ_SYS_SCHEDULE_TOPIC,
} from '@rocketmq-ts/protocol';
import type { MessageInput } from '@rocketmq-ts/store';
import { copyOf, editProperties } from '../retry/message-copy.js';
import type { FeatureDeps } from '../runtime/ports.js';

// Delivery of delayed messages. The send path parks a message with DELAY=n in
// SCHEDULE_TOPIC_XXXX queue n-1, its ConsumeQueue tag field holding the delivery time. One
// loop per level reads that queue from its progress offset and, for each message that is
// due, stores a copy in REAL_TOPIC/REAL_QID; the offset advances only after the copy is
// stored, so a crash re-delivers (at least once) but never loses or delivers early.
// Progress goes to <configDir>/delayOffset.json in the fastjson form Java writes
// (`{"dataVersion":{...},"offsetTable":{1:5,...}}`), also the GET_ALL_DELAY_OFFSET body.

export const DELAY_OFFSET_FILE = 'delayOffset.json';
/**
 * Re-check of an idle or failing level. No level is shorter than 1 s, and a message parked
 * just after a check is due one level-delay later, so polling idle levels at half a second
 * never delays a delivery; Java polls at 100 ms (DELAY_FOR_A_WHILE).
 */
const IDLE_DELAY_MS = 500;
/** Longest single wait, so a clock that jumps is noticed soon. */
const MAX_WAIT_MS = 1000;
/** Java `flushDelayOffsetInterval`. */
export const DEFAULT_FLUSH_DELAY_OFFSET_INTERVAL_MS = 10_000;
const BATCH = 32;
const BATCH_BYTES = 4 * 1024 * 1024;

/**
 * When a parked message is due. The tag field is authoritative; a value further ahead than
 * the level's delay (clock moved back, or a bad entry) means "now", as in Java, so nothing
 * stays parked forever.
 */
export function deliverAt(tagsCode: number, now: number, levelMs: number): number {
  return tagsCode > now + levelMs ? now : tagsCode;
}

/** The copy stored into the real topic, or undefined when the record carries no REAL_TOPIC. */
function unparked(view: MessageView): MessageInput | undefined {
  const topic = view.properties.get(MessageConst.PROPERTY_REAL_TOPIC);
  const qid = Number(view.properties.get(MessageConst.PROPERTY_REAL_QUEUE_ID));
  if (topic === undefined || !Number.isInteger(qid)) return undefined;
  return copyOf(view, {
    topic,
    queueId: qid,
    properties: editProperties(view.propertiesString, {
      remove: (k) => k === MessageConst.PROPERTY_DELAY_TIME_LEVEL || k.startsWith('TIMER_'),
    }),
  });
}

export class ScheduleMessageService {
  /** level → next queue offset of SCHEDULE_TOPIC_XXXX queue level-1 to look at. */
  private readonly offsets = new Map<number, number>();
  private readonly file: StateFile;
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly busy = new Map<number, Promise<number>>();
  private flushTimer: NodeJS.Timeout | undefined;
  private running = false;
  private delivering = false;
  private dirty = false;
  private dataVersion: DataVersion = { stateVersion: 0, timestamp: 0, counter: 0 };

  constructor(
    private readonly deps: Pick<FeatureDeps, 'store' | 'clock' | 'logger' | 'configDir'>,
    readonly levelsMs: readonly number[],
    private readonly flushIntervalMs = DEFAULT_FLUSH_DELAY_OFFSET_INTERVAL_MS,
  ) {
    this.file = new StateFile(join(deps.configDir, DELAY_OFFSET_FILE));
  }

  /**
   * Reads the persisted progress. A missing or unreadable file means "from the start of every
   * level" (as Java does without the file): due messages are delivered again rather than lost,
   * and none is delivered early since due-ness comes from the ConsumeQueue.
   */
  async load(): Promise<void> {
    const text = await this.file.read();
    if (text !== undefined) this.apply(text);
  }

  /** Slave: the master's GET_ALL_DELAY_OFFSET body replaces the progress, persisted (RocketMQ's rule). */
  async adopt(text: string): Promise<void> {
    if (!this.apply(text)) return;
    this.dirty = true;
    await this.persist();
  }

  private apply(text: string): boolean {
    const read = parseFastjson(text);
    if (!read.ok) {
      this.deps.logger.error(
        { err: read.error, path: this.file.path },
        'delay offset file unreadable; delivering from the start',
      );
      return false;
    }
    const parsed = read.value as { offsetTable?: Record<string, unknown>; dataVersion?: Partial<DataVersion> };
    if (typeof parsed !== 'object' || parsed === null) return false;
    for (const [k, v] of Object.entries(parsed.offsetTable ?? {})) {
      const level = Number(k);
      const offset = Number(v);
      if (Number.isInteger(level) && level >= 1 && Number.isSafeInteger(offset) && offset >= 0) {
        this.offsets.set(level, offset);
      }
    }
    const dv = parsed.dataVersion;
    if (dv)
      this.dataVersion = {
        stateVersion: Number(dv.stateVersion) || 0,
        timestamp: Number(dv.timestamp) || 0,
        counter: Number(dv.counter) || 0,
      };
    return true;
  }

  /**
   * Loads the progress and persists it periodically; with `deliver` (a master) it also
   * delivers. A second call only switches delivery on if asked: the progress in memory is
   * newer than the file, and the flush timer is kept, not doubled.
   */
  async start(deliver = true): Promise<void> {
    if (!this.running) {
      await this.load();
      this.running = true;
      if (this.flushTimer) clearInterval(this.flushTimer);
      this.flushTimer = setInterval(() => {
        this.persist().catch((e: unknown) => this.deps.logger.error({ err: e }, 'persisting delay offsets failed'));
      }, this.flushIntervalMs);
      this.flushTimer.unref();
    }
    if (deliver) await this.startDelivery();
  }

  /** Becoming master: every level resumes from its progress (the master's, as copied). Idempotent. */
  async startDelivery(): Promise<void> {
    if (!this.running || this.delivering) return;
    this.delivering = true;
    for (let level = 1; level <= this.levelsMs.length; level++) this.schedule(level, 0);
  }

  /** Becoming slave: no further delivery; the pass in flight ends and the progress is persisted. */
  async stopDelivery(): Promise<void> {
    this.delivering = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.busy.values()]);
    this.dirty = true;
    await this.persist();
  }

  /** True while the levels are being delivered (master). */
  get isDelivering(): boolean {
    return this.delivering;
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    await this.stopDelivery();
  }

  /** Writes the progress if it changed since the last write. */
  async persist(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await this.file.write(this.encode());
    } catch (e) {
      this.dirty = true;
      throw e;
    }
  }

  /** `{"dataVersion":{...},"offsetTable":{1:n,...}}`: file content and GET_ALL_DELAY_OFFSET body. */
  encode(): string {
    const table = new Map([...this.offsets].sort((a, b) => a[0] - b[0]));
    return encodeFastjson({ offsetTable: table, dataVersion: this.dataVersion });
  }

  offset(level: number): number {
    return this.offsets.get(level) ?? 0;
  }

  /**
   * Delivers the due messages of one level in queue order, stopping at the first one not yet
   * due. Resolves to the milliseconds until that one is due, or undefined when the level has
   * nothing pending (or the store refused a write and the level should back off).
   */
  async deliverDue(level: number): Promise<number | undefined> {
    const levelMs = this.levelsMs[level - 1];
    if (levelMs === undefined) return undefined;
    const { store, clock, logger } = this.deps;
    const queueId = level - 1;
    let offset = this.offset(level);
    const min = store.getMinOffsetInQueue(RMQ_SYS_SCHEDULE_TOPIC, queueId);
    if (offset < min) offset = this.advance(level, min);
    for (;;) {
      // The records do not carry their ConsumeQueue tag field (the delivery time), so the
      // filter captures it. Both stores call the filter once per entry they go on to return,
      // in order, and skip unreadable entries before it; so when as many tags as records were
      // seen they pair up by position. Otherwise (a record vanished after its filter call)
      // store time + delay stands in: never earlier than the tag, since the send path takes
      // its time before the store stamps the record.
      const tags: number[] = [];
      const got = await store.getMessage(RMQ_SYS_SCHEDULE_TOPIC, queueId, offset, BATCH, BATCH_BYTES, (t) => {
        tags.push(t);
        return true;
      });
      if (got.records.length === 0) {
        // Entries whose record is gone (or a moved offset) are skipped over.
        // The queue was truncated below our progress (store replaced): follow it down.
        if (got.status === 'OFFSET_OVERFLOW_BADLY') {
          this.advance(level, got.nextBeginOffset);
          return undefined;
        }
        if (got.status === 'NO_MATCHED_MESSAGE' || got.status === 'OFFSET_TOO_SMALL') {
          if (got.nextBeginOffset > offset) {
            offset = this.advance(level, got.nextBeginOffset);
            continue;
          }
        }
        return undefined;
      }
      const paired = tags.length === got.records.length;
      for (let i = 0; i < got.records.length; i++) {
        const view = decodeStoredRecord(got.records[i]!);
        if (!view) continue;
        const now = clock.now();
        const tag = paired ? tags[i] : undefined;
        const due = deliverAt(tag ?? view.storeTimestamp + levelMs, now, levelMs);
        if (due > now) return due - now;
        const input = unparked(view);
        if (!input) {
          logger.warn({ level, queueOffset: view.queueOffset }, 'scheduled message without REAL_TOPIC dropped');
        } else {
          const put = await store.putMessage(input);
          if (!put.append) {
            logger.warn(
              { level, queueOffset: view.queueOffset, status: put.status },
              'delivering a delayed message failed',
            );
            return undefined;
          }
        }
        offset = this.advance(level, view.queueOffset + 1);
      }
      if (got.nextBeginOffset > offset) offset = this.advance(level, got.nextBeginOffset);
    }
  }

  private advance(level: number, offset: number): number {
    this.offsets.set(level, offset);
    this.dirty = true;
    this.dataVersion = { ...this.dataVersion, timestamp: this.deps.clock.now(), counter: this.dataVersion.counter + 1 };
    return offset;
  }

  private schedule(level: number, delayMs: number): void {
    if (!this.running || !this.delivering || this.timers.has(level) || this.busy.has(level)) return;
    const timer = setTimeout(() => {
      this.timers.delete(level);
      const run = this.deliverDue(level).catch((e: unknown) => {
        this.deps.logger.error({ err: e, level }, 'delay delivery failed');
        return undefined;
      });
      this.busy.set(
        level,
        run.then((wait) => {
          this.busy.delete(level);
          this.schedule(level, wait === undefined ? IDLE_DELAY_MS : Math.min(wait, MAX_WAIT_MS));
          return 0;
        }),
      );
    }, delayMs);
    this.timers.set(level, timer);
  }
}
