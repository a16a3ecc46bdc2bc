import {
  decodeStoredRecord,
  dlqTopicOf,
  getPropertyFromString,
  isRetryTopic,
  MessageConst,
  MessageSysFlag,
  type MessageView,
  Perm,
  popRetryTopic,
  probeStoredRecord,
  REVIVE_GROUP,
  RecordOffset,
  readInt64,
  readRecordProperties,
} from '@rocketmq-ts/protocol';
import type { MessageInput } from '@rocketmq-ts/store';
import { copyOf, editProperties } from '../retry/message-copy.js';
import type { FeatureDeps } from '../runtime/ports.js';
import {
  ackRecord,
  type CheckPoint,
  checkpointKey,
  checkpointRecord,
  decodeReviveRecord,
  reviveTime,
} from './pop-records.js';
import type { PopSettings } from './pop-settings.js';

// The revive service: the in-memory image of the revive topic. For each revive queue it reads
// every record in order from its persisted progress and keeps each checkpoint (CK) with the
// set of its offsets acked so far. A CK whose every offset is acked is dropped; one whose
// revive time (popTime + invisibleTime) has passed gets each unacked message re-put into the
// group's pop retry topic with reconsumeTimes + 1 (or into %DLQ%<group> past retryMaxTimes)
// and is then dropped. Progress = the revive-queue offset of the oldest CK still held (or the
// read position when none is): after a crash or restart the log is re-read from there, and
// every CK still open comes back with every ACK written after it, so nothing acked is
// redelivered and nothing unacked is lost. A revived CK is closed in the log too: after its
// messages are re-put, an ACK record of the re-put offsets follows it (a "revive mark"), so a
// re-read after a crash does not revive it again. The re-puts and the mark are one store write
// (putTogether), so no crash falls between them.
//
// RocketMQ parks CKs and ACKs in its timer wheel until due; keeping the open CKs in memory
// gives the same pairing without a timer (see docs/pop.md).

/** Back-off (s) added to a CK re-put after a failed revive, by re-put count (RocketMQ's table). */
const REPUT_BACKOFF_S = [10, 20, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 1200, 1800, 3600, 7200];
const READ_BATCH = 32;
const READ_BYTES = 4 * 1024 * 1024;
const READ_WRITE = Perm.READ | Perm.WRITE;

interface OpenCheckPoint {
  ck: CheckPoint;
  /** Offset of the CK record in its revive queue. */
  reviveOffset: number;
  /** Positions (indexes into ck.d) acked so far. */
  acked: Set<number>;
}

interface ReviveQueue {
  qid: number;
  /** Next revive-queue offset to read. */
  readOffset: number;
  /** Open CKs by key, in revive-offset order (insertion order). */
  open: Map<string, OpenCheckPoint>;
  running: Promise<void> | undefined;
  again: boolean;
}

export type ReviveDeps = Pick<FeatureDeps, 'store' | 'topics' | 'groups' | 'offsets' | 'identity' | 'clock' | 'logger'>;

export interface Inflight {
  /** Messages handed out and not acked yet. */
  count: number;
  /** Smallest unacked offset, or undefined when none. */
  minOffset: number | undefined;
}

export class ReviveService {
  private readonly queues: ReviveQueue[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Messages re-put (retry or DLQ) since start: tests and stats. */
  revived = 0;
  /** While the revive log is read at start (see start()). */
  private recovering = false;

  constructor(
    private readonly deps: ReviveDeps,
    private readonly settings: PopSettings,
    /** Time of the last admin reset of a pop offset (offset-resets.ts). */
    private readonly resetTime: (group: string, topic: string, queueId: number) => number | undefined = () => undefined,
  ) {}

  get topic(): string {
    return this.settings.reviveTopic;
  }

  /**
   * Reads every revive queue from its persisted progress (the REVIVE_GROUP offsets, which a
   * slave copies from its master). Idempotent; after a stop() it starts over from that progress.
   */
  async start(): Promise<void> {
    if (this.running) return;
    const { store, offsets, topics } = this.deps;
    await topics.ensure(this.topic, this.settings.reviveQueueNum, READ_WRITE);
    this.queues.length = 0;
    for (let qid = 0; qid < this.settings.reviveQueueNum; qid++) {
      const committed = offsets.query(REVIVE_GROUP, this.topic, qid);
      const min = Math.max(0, store.getMinOffsetInQueue(this.topic, qid));
      this.queues.push({
        qid,
        readOffset: Math.max(committed, min),
        open: new Map(),
        running: undefined,
        again: false,
      });
    }
    this.running = true;
    // Load what was open at the last stop or crash before serving: an ACK that arrives now
    // then finds its CK. Meanwhile every CK read moves its queue's pop offset past the
    // messages it holds: the offsets file is only persisted periodically, so after a crash it
    // may be behind what was popped (and then acked), which would be popped again.
    this.recovering = true;
    try {
      await Promise.all(this.queues.map((q) => this.run(q)));
    } finally {
      this.recovering = false;
    }
    this.timer = setInterval(() => this.kickAll(), this.settings.reviveInterval);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled(this.queues.flatMap((q) => (q.running ? [q.running] : [])));
    for (const q of this.queues) this.commit(q);
    // A slave's view of open CKs would go stale: the next start reads them again.
    this.queues.length = 0;
  }

  /** Store callback: a record reached the revive topic, read it soon. */
  notifyArrival(qid: number): void {
    const q = this.queues[qid];
    if (q) this.kick(q);
  }

  /** Runs one read-and-revive pass of every queue now and waits for it (tests, shutdown). */
  async drain(): Promise<void> {
    await Promise.all(this.queues.map((q) => this.run(q)));
  }

  /** In-flight (handed out, unacked, not yet revived) messages of one group on one queue. */
  inflight(group: string, topic: string, queueId: number): Inflight {
    let count = 0;
    let minOffset: number | undefined;
    for (const q of this.queues) {
      for (const o of q.open.values()) {
        const { ck } = o;
        if (ck.c !== group || ck.t !== topic || ck.q !== queueId) continue;
        for (let i = 0; i < ck.d.length; i++) {
          if (o.acked.has(i)) continue;
          count++;
          const off = ck.so + ck.d[i]!;
          if (minOffset === undefined || off < minOffset) minOffset = off;
        }
      }
    }
    return { count, minOffset };
  }

  /** Open checkpoints across all revive queues. */
  get openCount(): number {
    let n = 0;
    for (const q of this.queues) n += q.open.size;
    return n;
  }

  private kickAll(): void {
    for (const q of this.queues) this.kick(q);
  }

  private kick(q: ReviveQueue): void {
    if (!this.running) return;
    if (q.running) {
      q.again = true;
      return;
    }
    this.run(q).catch((err: unknown) => this.deps.logger.error({ err, reviveQid: q.qid }, 'revive pass failed'));
  }

  private run(q: ReviveQueue): Promise<void> {
    if (q.running) {
      q.again = true;
      return q.running;
    }
    const p = (async () => {
      try {
        do {
          q.again = false;
          await this.read(q);
          await this.reviveDue(q);
          this.commit(q);
        } while (q.again && this.running);
      } finally {
        q.running = undefined;
      }
    })();
    q.running = p;
    return p;
  }

  /** Reads the revive queue to its end, folding CKs and ACKs into `open`. */
  private async read(q: ReviveQueue): Promise<void> {
    const { store } = this.deps;
    for (;;) {
      const r = await store.getMessage(this.topic, q.qid, q.readOffset, READ_BATCH, READ_BYTES);
      if (r.status !== 'FOUND') {
        // A gap (retention removed the head) moves the reader to what the store can serve.
        if (r.status === 'OFFSET_TOO_SMALL' || r.status === 'OFFSET_OVERFLOW_BADLY') q.readOffset = r.nextBeginOffset;
        if (r.status === 'OFFSET_TOO_SMALL') continue;
        return;
      }
      for (const buf of r.records) {
        if (probeStoredRecord(buf, 0, buf.length, false).kind === 'record') this.apply(q, buf);
      }
      q.readOffset = r.nextBeginOffset;
      if (r.records.length === 0) return;
    }
  }

  /** One whole record of the revive topic: only its tag, body and queue offset are read. */
  private apply(q: ReviveQueue, buf: Buffer): void {
    const tag = getPropertyFromString(readRecordProperties(buf), MessageConst.PROPERTY_TAGS);
    const queueOffset = readInt64(buf, RecordOffset.QUEUEOFFSET);
    const rec = decodeReviveRecord(tag, readRecordBody(buf));
    if (rec === undefined) {
      this.deps.logger.warn({ reviveQid: q.qid, offset: queueOffset }, 'unreadable revive record skipped');
      return;
    }
    if (rec.kind === 'ck') {
      if (this.recovering) this.popOffsetPast(rec.ck);
      const key = checkpointKey(rec.ck);
      const known = q.open.get(key);
      if (known === undefined) q.open.set(key, { ck: rec.ck, reviveOffset: queueOffset, acked: new Set() });
      // A re-put of a CK still open (re-read after a crash): its back-off applies.
      else if (rec.ck.rp > known.ck.rp) known.ck = { ...known.ck, it: rec.ck.it, rp: rec.ck.rp };
      return;
    }
    // An ACK without an open CK (acked after its revive, forged, or for another group) is a no-op.
    const open = q.open.get(checkpointKey(rec.ack));
    if (open === undefined) return;
    for (const off of rec.ack.offsets) {
      const i = open.ck.d.indexOf(off - open.ck.so);
      if (i >= 0) open.acked.add(i);
    }
    if (open.acked.size >= open.ck.d.length) q.open.delete(checkpointKey(rec.ack));
  }

  /**
   * Moves the group's pop offset of the CK's queue past the CK's last message, if it is not
   * already. Every CK after the persisted revive progress is read at start, and the revive
   * progress is persisted in the same file as the pop offsets, so the pop offsets end up at
   * least where they were at the crash (less only what the store itself lost). A CK of a pop
   * made before an admin reset of the queue's offset is not followed: the reset stands.
   */
  private popOffsetPast(ck: CheckPoint): void {
    const reset = this.resetTime(ck.c, ck.t, ck.q);
    if (reset !== undefined && ck.pt < reset) return;
    let last = -1;
    for (const d of ck.d) if (d > last) last = d;
    if (last < 0) return;
    const end = ck.so + last + 1;
    if (this.deps.offsets.query(ck.c, ck.t, ck.q) < end) this.deps.offsets.commit(ck.c, ck.t, ck.q, end);
  }

  private async reviveDue(q: ReviveQueue): Promise<void> {
    const now = this.deps.clock.now();
    for (const [key, open] of q.open) {
      if (!this.running) return;
      if (open.acked.size >= open.ck.d.length) {
        q.open.delete(key);
        continue;
      }
      if (reviveTime(open.ck) > now) continue;
      await this.revive(q, open);
      q.open.delete(key);
    }
  }

  /**
   * Re-puts every unacked message of a due CK; a failure re-puts the rest as a new CK. The
   * messages are read first, then appended together with the CK's revive mark in one store
   * write (putTogether): a kill keeps the re-puts and their mark, or neither.
   */
  private async revive(q: ReviveQueue, open: OpenCheckPoint): Promise<void> {
    const { ck } = open;
    const { groups, topics, logger } = this.deps;
    const group = groups.get(ck.c);
    if (group === undefined || topics.get(ck.t) === undefined) {
      logger.info({ group: ck.c, topic: ck.t }, 'revive skipped: group or topic no longer exists');
      return;
    }
    const failed: number[] = [];
    const gone: number[] = [];
    const puts: { offset: number; input: MessageInput }[] = [];
    for (let i = 0; i < ck.d.length; i++) {
      if (open.acked.has(i)) continue;
      const offset = ck.so + ck.d[i]!;
      try {
        const input = await this.reviveInput(ck, offset, group.retryMaxTimes);
        if (input === true) gone.push(offset);
        else if (input === false) failed.push(ck.d[i]!);
        else puts.push({ offset, input });
      } catch (err) {
        logger.warn({ err, topic: ck.t, queueId: ck.q, offset }, 'revive of a message failed');
        failed.push(ck.d[i]!);
      }
    }
    for (const target of new Set(puts.map((p) => p.input.topic))) {
      await topics.ensure(target, 1, READ_WRITE);
      this.settings.onRetryTopic?.(target, ck.t);
    }
    if (puts.length > 0 || gone.length > 0) {
      let status = await this.putWithMark(q, ck, puts, gone);
      // Too big for one write (small CommitLog segments): each message with its own mark.
      if (status === 'MESSAGE_ILLEGAL' && puts.length > 1) {
        status = 'PUT_OK';
        const rest: typeof puts = [];
        for (const p of puts) if ((await this.putWithMark(q, ck, [p], [])) !== 'PUT_OK') rest.push(p);
        for (const p of rest) failed.push(p.offset - ck.so);
        this.revived += puts.length - rest.length;
      } else if (status === 'PUT_OK') this.revived += puts.length;
      else for (const p of puts) failed.push(p.offset - ck.so);
    }
    if (failed.length > 0) await this.reputCheckpoint(q, ck, failed);
  }

  /**
   * Appends re-puts and the revive mark closing them (and offsets with nothing left to
   * re-put) in one write. The mark is an ACK record after the CK in its revive queue: the
   * revive progress is persisted only with the consumer offsets, so after a crash the CK may
   * be read again, and the mark keeps its messages from being re-put a second time.
   */
  private async putWithMark(
    q: ReviveQueue,
    ck: CheckPoint,
    puts: readonly { offset: number; input: MessageInput }[],
    gone: readonly number[],
  ): Promise<string> {
    const { store, identity, clock, logger } = this.deps;
    const target = { reviveTopic: this.topic, reviveQid: q.qid, bornHost: identity.brokerAddr, now: clock.now() };
    const offsets = [...gone];
    for (const p of puts) offsets.push(p.offset);
    const mark = { offsets, so: ck.so, c: ck.c, t: ck.t, q: ck.q, pt: ck.pt, bn: ck.bn };
    const batch = puts.map((p) => p.input);
    batch.push(ackRecord(target, mark, ck.it));
    try {
      const put = await store.putTogether(batch);
      if (!put.append) logger.warn({ topic: ck.t, group: ck.c, status: put.status }, 'revive put failed');
      return put.status;
    } catch (err) {
      logger.warn({ err, topic: ck.t, group: ck.c }, 'revive put failed');
      return 'FAILED';
    }
  }

  /**
   * The message to re-put for one offset of a CK; true when there is nothing to re-put (the
   * offset is gone), false to retry later.
   */
  private async reviveInput(ck: CheckPoint, offset: number, retryMaxTimes: number): Promise<MessageInput | boolean> {
    const { store, identity, clock } = this.deps;
    // Exactly that offset: a queue whose head was deleted, or a topic re-created with fewer
    // messages, must not revive some other message (RocketMQ #7724, #8479).
    if (offset < store.getMinOffsetInQueue(ck.t, ck.q) || offset >= store.getMaxOffsetInQueue(ck.t, ck.q)) return true;
    const r = await store.getMessage(ck.t, ck.q, offset, 1, READ_BYTES);
    if (r.status !== 'FOUND') return r.status === 'OFFSET_TOO_SMALL' || r.status === 'OFFSET_OVERFLOW_BADLY';
    const view = r.records[0] ? decodeStoredRecord(r.records[0]) : undefined;
    if (view === undefined || view.queueOffset !== offset) return true;
    const reconsumeTimes = view.reconsumeTimes + 1;
    const toDlq = reconsumeTimes > retryMaxTimes;
    const target = toDlq
      ? dlqTopicOf(ck.c)
      : isRetryTopic(ck.t)
        ? ck.t
        : popRetryTopic(ck.c, ck.t, this.settings.enableRetryTopicV2);
    const set: Record<string, string> = {};
    if (!view.properties.has(MessageConst.PROPERTY_FIRST_POP_TIME)) {
      set[MessageConst.PROPERTY_FIRST_POP_TIME] = String(ck.pt);
    }
    if (toDlq && !view.properties.has(MessageConst.PROPERTY_RETRY_TOPIC)) {
      set[MessageConst.PROPERTY_RETRY_TOPIC] = originalTopic(view, ck.t);
    }
    return copyOf(view, {
      topic: target,
      queueId: 0,
      reconsumeTimes,
      bornHost: identity.brokerAddr,
      bornTimestamp: view.bornTimestamp || clock.now(),
      properties: editProperties(view.propertiesString, { set }),
    });
  }

  private async reputCheckpoint(q: ReviveQueue, ck: CheckPoint, diffs: number[]): Promise<void> {
    const rp = ck.rp + 1;
    if (rp > REPUT_BACKOFF_S.length && this.settings.skipWhenCKRePutReachMaxTimes) {
      this.deps.logger.error({ topic: ck.t, group: ck.c, so: ck.so }, 'revive gave up after the last re-put');
      return;
    }
    const now = this.deps.clock.now();
    const backoff = REPUT_BACKOFF_S[Math.min(rp, REPUT_BACKOFF_S.length) - 1]! * 1000;
    const next: CheckPoint = { ...ck, d: diffs, rp, it: now - ck.pt + backoff };
    const put = await this.deps.store.putMessage(
      checkpointRecord(
        { reviveTopic: this.topic, reviveQid: q.qid, bornHost: this.deps.identity.brokerAddr, now },
        next,
      ),
    );
    // Without the new CK the old one must stay: throwing keeps it open for the next pass.
    if (!put.append) throw new Error(`re-put of a checkpoint failed: ${put.status}`);
  }

  private commit(q: ReviveQueue): void {
    let progress = q.readOffset;
    for (const open of q.open.values()) {
      progress = Math.min(progress, open.reviveOffset);
      break;
    }
    this.deps.offsets.commit(REVIVE_GROUP, this.topic, q.qid, progress);
  }
}

/** The BODY of a whole record (probed) as a view: after BORNHOST, STORETIMESTAMP, STOREHOST and 12 bytes. */
function readRecordBody(buf: Buffer): Buffer {
  const sysFlag = buf.readInt32BE(RecordOffset.SYSFLAG);
  const p =
    RecordOffset.BORNHOST +
    (sysFlag & MessageSysFlag.BORNHOST_V6_FLAG ? 20 : 8) +
    8 +
    (sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG ? 20 : 8) +
    12;
  return buf.subarray(p + 4, p + 4 + buf.readInt32BE(p));
}

function originalTopic(view: MessageView, realTopic: string): string {
  return view.properties.get(MessageConst.PROPERTY_RETRY_TOPIC) ?? realTopic;
}
