import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '@rocketmq-ts/common';
import {
  decodeStoredRecord,
  getPropertyFromString,
  MessageConst,
  type MessageView,
  RecordOffset,
  RMQ_SYS_WHEEL_TIMER_TOPIC,
  readInt64,
  readRecordProperties,
} from '@rocketmq-ts/protocol';
import {
  type MessageInput,
  type MessageStore,
  readTimerCheckpoint,
  type TimerCheckpoint,
  TimerLog,
  TimerMagic,
  type TimerUnit,
  TimerWheel,
  timerCheckpointPath,
  writeTimerCheckpoint,
} from '@rocketmq-ts/store';
import { firedCopy, rolledCopy, timerDeleteKey } from './timer-message.js';

// The timer wheel service (RocketMQ's TimerMessageStore, one loop instead of its seven
// threads). Timer messages are parked in rmq_sys_wheel_timer queue 0 by the send path; this
// loop
//   enqueue: reads that queue from its progress offset and files each message in the wheel
//            slot of its TIMER_OUT_MS: a 52-byte unit appended to the timer log, linked to the
//            slot's previous unit, and the slot's lastPos updated;
//   dequeue: once a slot's whole interval has passed (now ≥ slot + precision), walks its
//            chain, drops recalled messages and stores the others in their real topic;
//   flush:   every timerFlushIntervalMs writes the log, then the wheel, then the checkpoint.
// Each step handles a bounded batch and yields, so the event loop is never held. Memory does
// not grow with the pending count: the wheel is a fixed buffer and the log is on disk.
// Crash safety and the recovery order: docs/timer.md.

export interface TimerServiceSettings {
  storePathRootDir: string;
  timerPrecisionMs: number;
  timerMaxDelaySec: number;
  /** Slots a message may be filed ahead of the write time before it is rolled (Java timerRollWindowSlot). */
  timerRollWindowSlot: number;
  timerFlushIntervalMs: number;
  /** Java mappedFileSizeTimerLog. */
  mappedFileSizeTimerLog: number;
  /** Slots of one wheel turn (the file holds two turns); Java's 7 days of seconds. */
  slotsTotal: number;
}

interface TimerDeps {
  store: Pick<
    MessageStore,
    'getMessage' | 'putMessage' | 'lookMessageByOffset' | 'getMinOffsetInQueue' | 'getMaxOffsetInQueue'
  >;
  clock: Clock;
  logger: Logger;
}

/** Java's TIMER_BLANK_SLOTS: slots kept clear between the roll window and a full turn. */
const BLANK_SLOTS = 60;
const ENQUEUE_BATCH = 256;
const ENQUEUE_BATCH_BYTES = 4 * 1024 * 1024;
/** Messages fired per dequeue step. */
const FIRE_BATCH = 128;
/** Empty slots passed per dequeue step (a clock jump of hours is crossed in a few steps). */
const EMPTY_SLOTS_PER_STEP = 20_000;
const IDLE_MS = 100;
const RETRY_MS = 200;

/** A slot being delivered: its units' positions (deletes first), read in batches. */
interface Draining {
  slotMs: number;
  num: number;
  deletes: number[];
  normals: number[];
  index: number;
  deleted: Set<string>;
}

export interface TimerProgress {
  /** Next slot to deliver. */
  currReadTimeMs: number;
  /** Next rmq_sys_wheel_timer offset to file. */
  currQueueOffset: number;
  /** Messages filed and not yet fired (recalled ones count until their time). */
  pending: number;
  enqueued: number;
  fired: number;
  recalled: number;
  rolled: number;
}

export class TimerMessageService {
  private readonly wheel: TimerWheel;
  private readonly log: TimerLog;
  private readonly checkpointPath: string;
  private readonly precision: number;
  private readonly rollWindow: number;
  private currReadTimeMs = 0;
  private currQueueOffset = 0;
  private draining: Draining | undefined;
  private pending = 0;
  private counters = { enqueued: 0, fired: 0, recalled: 0, rolled: 0 };
  private checkpointCounter = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private lastFlush = 0;
  /** Something was filed or delivered since the last checkpoint. */
  private changed = false;
  /**
   * From the checkpoint (a master's, as a slave copies it): queue offsets below `queueOffset`
   * due before `readTimeMs` were delivered already, by this broker or by the master it took
   * over from; filing them again skips them instead of firing them twice.
   */
  private delivered = { queueOffset: 0, readTimeMs: 0 };

  constructor(
    private readonly deps: TimerDeps,
    readonly settings: TimerServiceSettings,
  ) {
    this.precision = settings.timerPrecisionMs;
    const slots = settings.slotsTotal;
    this.rollWindow =
      settings.timerRollWindowSlot > slots - BLANK_SLOTS || settings.timerRollWindowSlot < 2
        ? slots - BLANK_SLOTS
        : settings.timerRollWindowSlot;
    this.wheel = new TimerWheel(join(settings.storePathRootDir, 'timerwheel'), slots, this.precision);
    this.log = new TimerLog(join(settings.storePathRootDir, 'timerlog'), settings.mappedFileSizeTimerLog);
    this.checkpointPath = timerCheckpointPath(settings.storePathRootDir);
  }

  /** Opens the files and recovers from the checkpoint; idempotent, and again after stop(). */
  async start(): Promise<void> {
    if (this.running) return;
    await this.recover();
    this.running = true;
    this.lastFlush = performance.now();
    this.loop = this.run();
  }

  /** Stops the loop after its current step and flushes everything (a clean shutdown). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loop;
    await this.flush();
    await this.log.close();
    await this.wheel.close();
  }

  /** A message reached rmq_sys_wheel_timer, or a test moved its clock: look again now. */
  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  progress(): TimerProgress {
    return {
      currReadTimeMs: this.currReadTimeMs,
      currQueueOffset: this.currQueueOffset,
      pending: this.pending,
      ...this.counters,
    };
  }

  /** GET_BROKER_RUNTIME_INFO's timer figures under Java's names (plus our counters). */
  runtimeInfo(): Record<string, string> {
    const now = this.deps.clock.now();
    const max = this.deps.store.getMaxOffsetInQueue(RMQ_SYS_WHEEL_TIMER_TOPIC, 0);
    return {
      timerReadBehind: String(Math.max(0, Math.floor((now - this.currReadTimeMs) / 1000))),
      timerOffsetBehind: String(Math.max(0, max - this.currQueueOffset)),
      timerCongestNum: String(this.pending),
      timerEnqueueTotal: String(this.counters.enqueued),
      timerDequeueTotal: String(this.counters.fired),
      timerRecallTotal: String(this.counters.recalled),
      timerRollTotal: String(this.counters.rolled),
      timerCurrReadTimeMs: String(this.currReadTimeMs),
    };
  }

  /** The checkpoint as it would be written now (GET_TIMER_CHECK_POINT). */
  checkpoint(): TimerCheckpoint {
    return {
      lastReadTimeMs: this.currReadTimeMs,
      lastTimerLogFlushPos: this.log.durablePos,
      lastTimerQueueOffset: this.currQueueOffset,
      masterTimerQueueOffset: this.currQueueOffset,
      stateVersion: 0,
      timestamp: this.deps.clock.now(),
      counter: this.checkpointCounter,
    };
  }

  // ---- recovery ----------------------------------------------------------------------

  /**
   * Loads the checkpoint, the wheel and the log, then re-files every log unit written after
   * the checkpoint's flush position (or the whole log when the wheel file is gone) and cuts a
   * torn tail. Queue progress resumes after the last unit on disk, delivery at the
   * checkpoint's read time: slots not yet confirmed are delivered again (at least once).
   */
  private async recover(): Promise<void> {
    const { store, clock, logger } = this.deps;
    const saved = await readTimerCheckpoint(this.checkpointPath);
    this.draining = undefined;
    this.changed = false;
    await this.wheel.load();
    await this.log.open();
    const hadWheel = await this.wheelFileExists();
    // A wheel file that is gone, or a log shorter than the checkpoint says was flushed (the
    // wheel may point past its end), means the wheel is rebuilt from the whole log.
    const logLost = saved !== undefined && this.log.endPos < saved.lastTimerLogFlushPos;
    const rebuild = !hadWheel || logLost;
    if (rebuild && hadWheel) {
      logger.warn(
        { logEnd: this.log.endPos, checkpoint: saved?.lastTimerLogFlushPos },
        'timer log shorter than its checkpoint; rebuilding the wheel',
      );
      this.wheel.clear();
    }
    const from = saved && !rebuild ? saved.lastTimerLogFlushPos : 0;
    let lastQueueOffset = -1;
    await this.log.recover(from, (u) => {
      this.relink(u.pos, u.delayedTimeMs, u.magic);
      if (u.queueOffset > lastQueueOffset) lastQueueOffset = u.queueOffset;
    });
    const min = store.getMinOffsetInQueue(RMQ_SYS_WHEEL_TIMER_TOPIC, 0);
    const max = store.getMaxOffsetInQueue(RMQ_SYS_WHEEL_TIMER_TOPIC, 0);
    // When the log lost units, what it still has decides how far the queue was filed (the
    // rest is filed again); else the later of checkpoint and log.
    const q = logLost ? lastQueueOffset + 1 : Math.max(saved?.lastTimerQueueOffset ?? 0, lastQueueOffset + 1);
    this.currQueueOffset = Math.min(Math.max(q, min), max);
    const now = this.floor(clock.now());
    // Without a checkpoint every slot of the last turn may be undelivered (as Java: go back a
    // turn), unless there is no wheel either (a new broker: nothing was ever filed).
    const oldest = now - (this.settings.slotsTotal - BLANK_SLOTS) * this.precision;
    const start = saved && saved.lastReadTimeMs > 0 ? this.floor(saved.lastReadTimeMs) : hadWheel ? oldest : now;
    this.currReadTimeMs = Math.max(start, oldest);
    this.delivered = {
      queueOffset: saved?.masterTimerQueueOffset ?? 0,
      readTimeMs: saved ? this.floor(saved.lastReadTimeMs) : 0,
    };
    this.pending = await this.countPending();
    logger.info(
      {
        currReadTimeMs: this.currReadTimeMs,
        currQueueOffset: this.currQueueOffset,
        logEnd: this.log.endPos,
        pending: this.pending,
      },
      'timer wheel recovered',
    );
  }

  private wheelFileExists(): Promise<boolean> {
    return access(this.wheel.path).then(
      () => true,
      () => false,
    );
  }

  /** Re-files a recovered unit unless its slot already covers it (the wheel page was newer). */
  private relink(pos: number, slotMs: number, magic: number): void {
    const s = this.wheel.getSlot(slotMs);
    const counts = (magic & TimerMagic.DELETE) === 0 || (magic & TimerMagic.ROLL) !== 0 ? 1 : 0;
    if (s.timeMs < 0) this.wheel.putSlot(slotMs, pos, pos, counts, 0);
    else if (pos > s.lastPos)
      this.wheel.putSlot(slotMs, s.firstPos < 0 ? pos : s.firstPos, pos, s.num + counts, s.magic);
  }

  /** Messages filed in the turn ahead of the read time; spread over loop turns. */
  private async countPending(): Promise<number> {
    let sum = 0;
    const total = this.settings.slotsTotal * 2;
    for (let i = 0; i < total; i += 50_000) {
      sum += this.wheel.sumNum(this.currReadTimeMs + i * this.precision, Math.min(50_000, total - i));
      await new Promise<void>((r) => setImmediate(r));
    }
    return sum;
  }

  // ---- the loop ----------------------------------------------------------------------

  private async run(): Promise<void> {
    while (this.running) {
      let busy = false;
      try {
        busy = await this.enqueueStep();
        busy = (await this.dequeueStep()) || busy;
        if (performance.now() - this.lastFlush >= this.settings.timerFlushIntervalMs) await this.flush();
      } catch (e) {
        this.deps.logger.error({ err: e }, 'timer wheel step failed');
        await this.idle(RETRY_MS);
        continue;
      }
      if (busy) await new Promise<void>((r) => setImmediate(r));
      else await this.idle(this.idleMs());
    }
  }

  /** Until the next slot is due (a new message or wake() cuts it short), at most IDLE_MS. */
  private idleMs(): number {
    const due = this.currReadTimeMs + this.precision - this.deps.clock.now();
    return Math.min(Math.max(due, 1), IDLE_MS);
  }

  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /**
   * Writes the log, then the wheel (which points into it), then the checkpoint. Skipped while
   * nothing was filed or delivered: an older read time only means re-reading empty slots.
   */
  async flush(): Promise<void> {
    this.lastFlush = performance.now();
    if (!this.changed) return;
    this.changed = false;
    const logPos = await this.log.flush();
    await this.wheel.flush();
    this.checkpointCounter++;
    await writeTimerCheckpoint(this.checkpointPath, { ...this.checkpoint(), lastTimerLogFlushPos: logPos });
  }

  private floor(ms: number): number {
    return Math.floor(ms / this.precision) * this.precision;
  }

  // ---- enqueue -----------------------------------------------------------------------

  /** Files one batch of rmq_sys_wheel_timer messages; true when it did something. */
  private async enqueueStep(): Promise<boolean> {
    const { store, logger } = this.deps;
    const got = await store.getMessage(
      RMQ_SYS_WHEEL_TIMER_TOPIC,
      0,
      this.currQueueOffset,
      ENQUEUE_BATCH,
      ENQUEUE_BATCH_BYTES,
    );
    if (got.records.length === 0) {
      if (got.nextBeginOffset !== this.currQueueOffset && got.status !== 'OFFSET_OVERFLOW_ONE') {
        logger.warn(
          { from: this.currQueueOffset, to: got.nextBeginOffset, status: got.status },
          'timer queue offset moved',
        );
        this.currQueueOffset = got.nextBeginOffset;
        this.changed = true;
        return true;
      }
      return false;
    }
    const writeMs = this.floor(this.deps.clock.now());
    // Records whose slot is delivered or being delivered fire at once (never early: the
    // slot's interval has passed). Queue order is kept: nothing after an overdue record is
    // filed before it is stored, and progress moves only past what is filed or stored.
    let due: Buffer[] = [];
    let dueLast = -1;
    for (const record of got.records) {
      const queueOffset = readInt64(record, RecordOffset.QUEUEOFFSET);
      const props = readRecordProperties(record);
      const outMs = Number(getPropertyFromString(props, MessageConst.PROPERTY_TIMER_OUT_MS));
      const valid = Number.isSafeInteger(outMs) && outMs > 0;
      const isDelete = valid && getPropertyFromString(props, MessageConst.PROPERTY_TIMER_DEL_UNIQKEY) !== undefined;
      // The slot being delivered takes a late message of its own at the end of its list, so
      // the slot's order holds; an earlier slot's message (or a late recall) fires at once.
      const joinsDraining = valid && !isDelete && outMs === this.currReadTimeMs && this.draining !== undefined;
      const done = valid && queueOffset < this.delivered.queueOffset && outMs < this.delivered.readTimeMs;
      if (
        valid &&
        !done &&
        !joinsDraining &&
        (outMs < this.currReadTimeMs || (outMs === this.currReadTimeMs && this.draining))
      ) {
        due.push(record);
        dueLast = queueOffset;
        continue;
      }
      if (due.length > 0) {
        if (!(await this.fireNow(due))) return false;
        due = [];
        this.currQueueOffset = dueLast + 1;
      }
      if (!valid) logger.warn({ queueOffset }, 'timer message without a valid TIMER_OUT_MS dropped');
      else if (done) this.changed = true;
      else {
        const pos = this.file(outMs, writeMs, record, queueOffset, isDelete);
        const d = this.draining;
        if (joinsDraining && d) {
          d.normals.push(pos);
          d.num++;
        }
      }
      this.currQueueOffset = queueOffset + 1;
    }
    if (due.length > 0) {
      if (!(await this.fireNow(due))) return false;
      this.currQueueOffset = dueLast + 1;
    }
    return true;
  }

  /** Appends the unit of one message and links it into its slot (TimerMessageStore.doEnqueue). */
  private file(outMs: number, writeMs: number, record: Buffer, queueOffset: number, isDelete: boolean): number {
    let delayed = outMs;
    let magic: number = TimerMagic.DEFAULT;
    const window = this.rollWindow * this.precision;
    if (delayed - writeMs >= window) {
      magic |= TimerMagic.ROLL;
      delayed =
        delayed - writeMs - window < Math.floor(this.rollWindow / 3) * this.precision
          ? writeMs + Math.floor(this.rollWindow / 2) * this.precision
          : writeMs + window;
    }
    if (isDelete) magic |= TimerMagic.DELETE;
    const slot = this.wheel.getSlot(delayed);
    const pos = this.log.append({
      prevPos: slot.timeMs < 0 ? -1 : slot.lastPos,
      magic,
      enqueueTimeMs: writeMs,
      delayedTimeMs: delayed,
      offsetPy: readInt64(record, RecordOffset.PHYSICALOFFSET),
      sizePy: record.length,
      topicHash: 0,
      queueOffset,
    });
    const counts = !isDelete || (magic & TimerMagic.ROLL) !== 0 ? 1 : 0;
    if (slot.timeMs < 0) this.wheel.putSlot(delayed, pos, pos, counts, 0);
    else this.wheel.putSlot(delayed, slot.firstPos, pos, slot.num + counts, slot.magic);
    this.pending += counts;
    this.counters.enqueued++;
    this.changed = true;
    return pos;
  }

  /** Stores overdue records in their real topic at once (delete markers are dropped). */
  private async fireNow(records: Buffer[]): Promise<boolean> {
    const now = this.deps.clock.now();
    this.changed = true;
    const inputs: MessageInput[] = [];
    for (const r of records) {
      const view = decodeStoredRecord(r);
      if (!view || view.properties.has(MessageConst.PROPERTY_TIMER_DEL_UNIQKEY)) continue;
      const input = firedCopy(view, this.floor(now), now);
      if (input) inputs.push(input);
    }
    return this.putAll(inputs);
  }

  // ---- dequeue -----------------------------------------------------------------------

  /** Delivers a batch of the current slot, or moves to the next slot with messages. */
  private async dequeueStep(): Promise<boolean> {
    if (this.draining) return this.drainBatch(this.draining);
    const now = this.deps.clock.now();
    for (let i = 0; i < EMPTY_SLOTS_PER_STEP; i++) {
      if (this.currReadTimeMs + this.precision > now) return i > 0;
      const slot = this.wheel.getSlot(this.currReadTimeMs);
      if (slot.timeMs >= 0 && slot.lastPos >= 0) {
        this.draining = await this.openSlot(this.currReadTimeMs, slot.lastPos, slot.num);
        return true;
      }
      this.currReadTimeMs += this.precision;
    }
    return true;
  }

  /** Walks a slot's chain back from lastPos; deletes are applied before the rest fire. */
  private async openSlot(slotMs: number, lastPos: number, num: number): Promise<Draining> {
    const deletes: number[] = [];
    const normals: number[] = [];
    let pos = lastPos;
    while (pos >= 0) {
      const u = await this.log.read(pos);
      if (!u || u.delayedTimeMs !== slotMs) {
        if (!u) this.deps.logger.warn({ slotMs, pos }, 'timer log unit missing; the rest of the slot is skipped');
        break;
      }
      if ((u.magic & TimerMagic.DELETE) !== 0 && (u.magic & TimerMagic.ROLL) === 0) deletes.push(pos);
      else normals.push(pos);
      pos = u.prevPos;
    }
    normals.reverse();
    const deleted = new Set<string>();
    for (const p of deletes) {
      const u = await this.log.read(p);
      const view = u && (await this.readMessage(u));
      const key = view?.properties.get(MessageConst.PROPERTY_TIMER_DEL_UNIQKEY);
      if (key !== undefined) deleted.add(key);
    }
    return { slotMs, num, deletes, normals, index: 0, deleted };
  }

  private async drainBatch(d: Draining): Promise<boolean> {
    const now = this.deps.clock.now();
    const end = Math.min(d.index + FIRE_BATCH, d.normals.length);
    // The batch's units and records are read concurrently (one round of libuv reads, not 128).
    const units = await Promise.all(d.normals.slice(d.index, end).map((pos) => this.log.read(pos)));
    const views = await Promise.all(units.map((u) => (u ? this.readMessage(u) : Promise.resolve(undefined))));
    const inputs: MessageInput[] = [];
    let fired = 0;
    let rolled = 0;
    let recalled = 0;
    for (let i = 0; i < units.length; i++) {
      const u = units[i];
      const view = views[i];
      if (!u || !view) continue;
      if ((u.magic & TimerMagic.ROLL) !== 0) {
        inputs.push(rolledCopy(view, u.enqueueTimeMs, now));
        rolled++;
        continue;
      }
      const realTopic = view.properties.get(MessageConst.PROPERTY_REAL_TOPIC) ?? '';
      const uniq = view.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? '';
      if (d.deleted.has(timerDeleteKey(realTopic, uniq))) {
        recalled++;
        continue;
      }
      const input = firedCopy(view, u.enqueueTimeMs, now);
      if (!input) {
        this.deps.logger.warn({ pos: u.pos }, 'timer message without REAL_TOPIC/REAL_QID dropped');
        continue;
      }
      inputs.push(input);
      fired++;
    }
    if (!(await this.putAll(inputs))) {
      // Retried from the same unit later; what was stored is stored again (at least once).
      await this.idle(RETRY_MS);
      return false;
    }
    this.counters.fired += fired;
    this.counters.rolled += rolled;
    this.counters.recalled += recalled;
    d.index = end;
    this.changed = true;
    if (d.index >= d.normals.length) {
      this.draining = undefined;
      this.pending = Math.max(0, this.pending - d.num);
      this.currReadTimeMs = d.slotMs + this.precision;
    }
    return true;
  }

  /** The stored record a unit points at, checked against the unit's size. */
  private async readMessage(u: TimerUnit): Promise<MessageView | undefined> {
    const rec = await this.deps.store.lookMessageByOffset(u.offsetPy);
    if (!rec || rec.length !== u.sizePy) {
      this.deps.logger.warn({ offsetPy: u.offsetPy }, 'timer message no longer in the commit log');
      return undefined;
    }
    return decodeStoredRecord(rec);
  }

  /** Stores the inputs in order; false when the store refused one (the caller retries). */
  private async putAll(inputs: MessageInput[]): Promise<boolean> {
    if (inputs.length === 0) return true;
    const results = await Promise.all(inputs.map((m) => this.deps.store.putMessage(m)));
    const failed = results.find((r) => r.append === undefined);
    if (failed) {
      this.deps.logger.warn({ status: failed.status }, 'storing a fired timer message failed');
      return false;
    }
    return true;
  }
}
