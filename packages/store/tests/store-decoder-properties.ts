// Test helper (not a test file): the store's readers of bytes it did not write itself — the HA
// byte protocol (a peer's socket), and files a damaged disk or another machine may have left
// (ConsumeQueue, IndexFile, timer log, time wheel, timer checkpoint). Whatever the bytes, they
// never throw, never walk without bound, and read back what a valid writer wrote. Shared by
// reader-properties.test.ts and scripts/fuzz-decoders.mjs (which sets FUZZ_DECODERS_DIR; the
// file readers reuse one file there, overwritten per input).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@rocketmq-ts/common';
import { type Case, casesOf, type DecoderProperty, mutate } from '@rocketmq-ts/testkit';
import fc from 'fast-check';
import { CQ_UNIT } from '../src/consumequeue/consume-queue.js';
import { ConsumeQueueStore } from '../src/consumequeue/consume-queue-store.js';
import { encodeReport, encodeTransferHeader, ReportDecoder, TransferDecoder } from '../src/ha/ha-wire.js';
import { IndexFile } from '../src/index/index-file.js';
import { decodeTimerCheckpoint, encodeTimerCheckpoint, type TimerCheckpoint } from '../src/timer/timer-checkpoint.js';
import {
  readTimerUnit,
  TIMER_LOG_UNIT_SIZE,
  TimerMagic,
  type TimerUnit,
  writeTimerUnit,
} from '../src/timer/timer-log.js';
import { TIMER_SLOT_SIZE, TimerWheel } from '../src/timer/timer-wheel.js';

const ENTRIES_PER_FILE = 8;
const SLOTS = 8;
const MAX_INDEX = 16;
/** The index file header is 40 bytes (docs/formats.md), then the slots, then 20-byte entries. */
const INDEX_FILE_SIZE = 40 + SLOTS * 4 + MAX_INDEX * 20;

let workDir: string | undefined;
/** Where the file readers' inputs go: FUZZ_DECODERS_DIR (set by the script or the test), else a temp dir. */
function dir(): string {
  if (process.env.FUZZ_DECODERS_DIR !== undefined) return process.env.FUZZ_DECODERS_DIR;
  workDir ??= mkdtempSync(join(tmpdir(), 'store-decoders-'));
  return workDir;
}

/** Cuts `bytes` into chunks at the given points (a socket delivers any split). */
function chunks(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  out.push(bytes.subarray(from));
  return out;
}

interface HaCase {
  /** Master → slave transfer stream (true) or slave → master reports (false). */
  transfer: boolean;
  c: Case<{ offset: number; body: Buffer }[] | number[]>;
  cuts: number[];
}

const frames = fc.array(
  fc.record({ offset: fc.maxSafeNat(), body: fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)) }),
  { maxLength: 4 },
);
const encodeFrames = (fs: { offset: number; body: Buffer }[]): Buffer =>
  Buffer.concat(fs.flatMap((f) => [encodeTransferHeader(f.offset, f.body.length), f.body]));
const reports = fc.array(fc.maxSafeNat(), { maxLength: 4 });
const encodeReports = (rs: number[]): Buffer => Buffer.concat(rs.map(encodeReport));

/** Valid ConsumeQueue entries (phy ascending, size > 0), then zeroes to the end of the file. */
function cqFile(entries: { size: number }[]): Buffer {
  const b = Buffer.alloc(ENTRIES_PER_FILE * CQ_UNIT);
  let phy = 0;
  entries.forEach((e, i) => {
    b.writeBigInt64BE(BigInt(phy), i * CQ_UNIT);
    b.writeInt32BE(e.size, i * CQ_UNIT + 8);
    b.writeBigInt64BE(BigInt(i), i * CQ_UNIT + 12);
    phy += e.size;
  });
  return b;
}

interface CqCase {
  bytes: Buffer;
  count?: number;
  logEnd: number;
}

interface IndexCase {
  bytes: Uint8Array;
  writable: boolean;
  hash: number;
  maxNum: number;
}

type Unit = Omit<TimerUnit, 'pos'>;

/** Valid units chained like a slot (prevPos the previous unit's position, or -1). */
const units = fc
  .array(
    fc.record({
      magic: fc.constantFrom(
        TimerMagic.DEFAULT,
        TimerMagic.DEFAULT | TimerMagic.ROLL,
        TimerMagic.DEFAULT | TimerMagic.DELETE,
      ),
      // Below 2^52: enqueue + delay stays exact (the stored delay is that difference, an int32).
      enqueueTimeMs: fc.integer({ min: 0, max: 2 ** 52 }),
      delay: fc.integer(),
      offsetPy: fc.maxSafeNat(),
      sizePy: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      topicHash: fc.integer(),
      queueOffset: fc.maxSafeNat(),
      chained: fc.boolean(),
    }),
    { maxLength: 5 },
  )
  .map((us) =>
    us.map(
      ({ delay, chained, ...u }, i): Unit => ({
        ...u,
        delayedTimeMs: u.enqueueTimeMs + delay,
        prevPos: chained && i > 0 ? (i - 1) * TIMER_LOG_UNIT_SIZE : -1,
      }),
    ),
  );

function encodeUnits(us: Unit[]): Buffer {
  const b = Buffer.alloc(us.length * TIMER_LOG_UNIT_SIZE);
  for (const [i, u] of us.entries()) writeTimerUnit(b, i * TIMER_LOG_UNIT_SIZE, u);
  return b;
}

const checkpoints: fc.Arbitrary<TimerCheckpoint> = fc.record({
  lastReadTimeMs: fc.maxSafeInteger(),
  lastTimerLogFlushPos: fc.maxSafeInteger(),
  lastTimerQueueOffset: fc.maxSafeInteger(),
  masterTimerQueueOffset: fc.maxSafeInteger(),
  stateVersion: fc.maxSafeInteger(),
  timestamp: fc.maxSafeInteger(),
  counter: fc.maxSafeInteger(),
});

type TimerCase = { log: Case<Unit[]> } | { checkpoint: Case<TimerCheckpoint> };

const WHEEL_SLOTS = 16;
const PRECISION = 1000;

export const decoderProperties = {
  /** The HA protocol's two directions, delivered in arbitrary pieces. */
  haFrames: {
    arbitrary: fc.oneof(
      fc.record({
        transfer: fc.constant(true),
        c: casesOf(frames, encodeFrames),
        cuts: fc.array(fc.nat(), { maxLength: 4 }),
      }),
      fc.record({
        transfer: fc.constant(false),
        c: casesOf(reports, encodeReports),
        cuts: fc.array(fc.nat(), { maxLength: 4 }),
      }),
    ) as fc.Arbitrary<HaCase>,
    check({ transfer, c, cuts }: HaCase) {
      const pieces = chunks(c.bytes, cuts);
      if (transfer) {
        const d = new TransferDecoder(1024);
        const got: { offset: number; body: Buffer }[] = [];
        for (const p of pieces) {
          const r = d.push(p);
          if (!r.ok) {
            assert.equal(typeof r.error, 'string');
            assert.equal(c.valid, undefined, r.error);
            return;
          }
          for (const f of r.frames) {
            assert.ok(f.offset >= 0 && f.body.length <= 1024);
            got.push({ offset: f.offset, body: Buffer.from(f.body) });
          }
        }
        assert.ok(d.pending < 1024 + 12);
        if (c.valid !== undefined) {
          assert.deepEqual(
            got,
            (c.valid as { offset: number; body: Buffer }[]).map((f) => ({ offset: f.offset, body: f.body })),
          );
          assert.equal(d.pending, 0);
        }
      } else {
        const d = new ReportDecoder();
        let last: number | undefined;
        for (const p of pieces) last = d.push(p) ?? last;
        assert.ok(d.pending < 8);
        if (c.valid !== undefined) assert.equal(last, (c.valid as number[]).at(-1));
      }
    },
  } satisfies DecoderProperty<HaCase>,

  /** Timer log units (and a slot chain walked through them) and the timer checkpoint. */
  timerLog: {
    arbitrary: fc.oneof(
      casesOf(units, encodeUnits, 4 * TIMER_LOG_UNIT_SIZE).map((log) => ({ log })),
      casesOf(checkpoints, encodeTimerCheckpoint, 64).map((checkpoint) => ({ checkpoint })),
    ) as fc.Arbitrary<TimerCase>,
    check(tc: TimerCase) {
      if ('checkpoint' in tc) {
        const r = decodeTimerCheckpoint(tc.checkpoint.bytes);
        if (tc.checkpoint.valid !== undefined) assert.deepEqual(r, { ...tc.checkpoint.valid });
        return;
      }
      const { bytes, valid } = tc.log;
      const read: (TimerUnit | undefined)[] = [];
      for (let at = 0; at + TIMER_LOG_UNIT_SIZE <= bytes.length; at += TIMER_LOG_UNIT_SIZE) {
        read.push(readTimerUnit(bytes, at, at));
      }
      // Reading a slot's chain back from its last unit ends within as many steps as there are units.
      let u = read.at(-1);
      let steps = 0;
      while (u !== undefined && u.prevPos >= 0) {
        assert.ok(u.prevPos < u.pos, 'a chain only goes backwards');
        assert.ok(++steps <= read.length);
        u = read[u.prevPos / TIMER_LOG_UNIT_SIZE];
      }
      if (valid !== undefined) {
        assert.deepEqual(
          read,
          valid.map((v, i) => ({ pos: i * TIMER_LOG_UNIT_SIZE, ...v, topicHash: v.topicHash | 0 })),
        );
      }
    },
  } satisfies DecoderProperty<TimerCase>,

  /** The time wheel over arbitrary file contents: slot reads, sums and minima never throw. */
  timerWheel: {
    arbitrary: fc.record({
      bytes: fc.oneof(
        fc.uint8Array({ maxLength: 2 * WHEEL_SLOTS * TIMER_SLOT_SIZE }),
        // Mostly-valid slots: right time, arbitrary rest.
        fc
          .array(fc.tuple(fc.nat({ max: 2 * WHEEL_SLOTS - 1 }), fc.maxSafeNat(), fc.maxSafeInteger(), fc.integer()), {
            maxLength: 6,
          })
          .map((slots) => {
            const b = Buffer.alloc(2 * WHEEL_SLOTS * TIMER_SLOT_SIZE);
            for (const [i, first, last, num] of slots) {
              b.writeBigInt64BE(BigInt(i), i * TIMER_SLOT_SIZE);
              b.writeBigInt64BE(BigInt(first), i * TIMER_SLOT_SIZE + 8);
              b.writeBigInt64BE(BigInt(last), i * TIMER_SLOT_SIZE + 16);
              b.writeInt32BE(num, i * TIMER_SLOT_SIZE + 24);
            }
            return new Uint8Array(b);
          }),
      ),
      from: fc.maxSafeNat(),
      count: fc.nat({ max: 4 * WHEEL_SLOTS }),
    }),
    check({ bytes, from, count }: { bytes: Uint8Array; from: number; count: number }) {
      const w = new TimerWheel(join(dir(), 'wheel-unused'), WHEEL_SLOTS, PRECISION);
      Buffer.from(bytes).copy((w as unknown as { buf: Buffer }).buf);
      const s = w.getSlot(from);
      assert.ok(s.timeMs === -1 || s.timeMs === Math.floor(from / PRECISION) * PRECISION);
      assert.equal(typeof w.sumNum(from, count), 'number');
      const min = w.minFirstPos(from, count);
      assert.ok(min === Number.POSITIVE_INFINITY || min >= 0);
    },
  } satisfies DecoderProperty<{ bytes: Uint8Array; from: number; count: number }>,

  /** ConsumeQueue load and read: a valid file loads its entries, offsets stay in bounds. */
  consumeQueue: {
    async: true,
    arbitrary: fc.oneof(
      fc
        .array(fc.record({ size: fc.integer({ min: 1, max: 500 }) }), { maxLength: ENTRIES_PER_FILE })
        .map((es): CqCase => ({ bytes: cqFile(es), count: es.length, logEnd: Number.MAX_SAFE_INTEGER })),
      fc
        .tuple(
          fc.array(fc.record({ size: fc.integer({ min: 1, max: 500 }) }), { maxLength: ENTRIES_PER_FILE }),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
          fc.nat(),
          fc.nat(),
        )
        .map(([es, flips, cut, logEnd]): CqCase => ({ bytes: mutate(cqFile(es), flips, cut), logEnd })),
      fc
        .tuple(fc.uint8Array({ maxLength: ENTRIES_PER_FILE * CQ_UNIT + 7 }), fc.nat())
        .map(([u, logEnd]): CqCase => ({ bytes: Buffer.from(u), logEnd })),
    ),
    async check(c: CqCase) {
      const root = join(dir(), 'cq');
      rmSync(root, { recursive: true, force: true });
      mkdirSync(join(root, 'T', '0'), { recursive: true });
      await writeFile(join(root, 'T', '0', '0'.padStart(20, '0')), c.bytes);
      const store = new ConsumeQueueStore(root, ENTRIES_PER_FILE * CQ_UNIT, silentLogger);
      try {
        await store.load(0, c.logEnd);
        const q = store.get('T', 0)!;
        assert.ok(q.minOffset >= 0 && q.minOffset <= q.maxOffset && q.maxOffset <= ENTRIES_PER_FILE);
        if (c.count !== undefined) assert.equal(q.maxOffset, c.count);
        for (let off = q.minOffset; off < q.maxOffset; off++) {
          const v = await q.read(off, 4);
          if (v) assert.ok(v.count >= 1 && v.count <= 4 && v.pos + v.count * CQ_UNIT <= v.buf.length);
        }
      } finally {
        for (const q2 of store.all()) q2.close();
      }
    },
  } satisfies DecoderProperty<CqCase>,

  /** IndexFile open and select: never more than asked, and cycles in the chains end. */
  indexFile: {
    async: true,
    arbitrary: fc.record({
      bytes: fc.uint8Array({ minLength: 0, maxLength: INDEX_FILE_SIZE }),
      writable: fc.boolean(),
      hash: fc.nat(),
      maxNum: fc.integer({ min: 1, max: 8 }),
    }),
    async check({ bytes, writable, hash, maxNum }: IndexCase) {
      await mkdir(dir(), { recursive: true });
      const path = join(dir(), 'index');
      const whole = Buffer.alloc(INDEX_FILE_SIZE);
      Buffer.from(bytes).copy(whole);
      await writeFile(path, whole);
      const f = await IndexFile.open(path, SLOTS, MAX_INDEX, writable);
      try {
        const out: number[] = [];
        await f.select(hash, maxNum, 0, Number.MAX_SAFE_INTEGER, out);
        assert.ok(out.length <= maxNum);
      } finally {
        await f.close();
      }
    },
  } satisfies DecoderProperty<IndexCase>,
};
