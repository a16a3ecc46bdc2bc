import assert from 'node:assert/strict';
import { readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '@rocketmq-ts/testkit';
import {
  decodeTimerCheckpoint,
  encodeTimerCheckpoint,
  readTimerCheckpoint,
  TIMER_LOG_UNIT_SIZE,
  TimerLog,
  TimerMagic,
  type TimerUnit,
  TimerWheel,
  writeTimerCheckpoint,
} from '../src/index.js';

// The timer's files: checkpoint bytes, the log's recovery from a torn or damaged tail and
// its segment roll, and the wheel's flush/load (docs/timer.md, "Files").

const unit = (i: number, prevPos = -1): Omit<TimerUnit, 'pos'> => ({
  prevPos,
  magic: TimerMagic.DEFAULT,
  enqueueTimeMs: 1_700_000_000_000,
  delayedTimeMs: 1_700_000_000_000 + 1000 * (i % 5),
  offsetPy: 1000 * i,
  sizePy: 200 + i,
  topicHash: 0,
  queueOffset: i,
});

describe('timer checkpoint', () => {
  it('encodes seven big-endian longs in Java order and decodes them back', () => {
    const c = {
      lastReadTimeMs: 0x0102030405,
      lastTimerLogFlushPos: 52,
      lastTimerQueueOffset: 7,
      masterTimerQueueOffset: 7,
      stateVersion: 1,
      timestamp: 2,
      counter: 3,
    };
    const b = encodeTimerCheckpoint(c);
    assert.equal(b.length, 56);
    assert.equal(b.subarray(0, 8).toString('hex'), '0000000102030405'); // lastReadTimeMs
    assert.equal(b.subarray(8, 16).toString('hex'), '0000000000000034'); // lastTimerLogFlushPos 52
    assert.equal(b.subarray(16, 24).toString('hex'), '0000000000000007'); // lastTimerQueueOffset
    assert.equal(b.subarray(48, 56).toString('hex'), '0000000000000003'); // dataVersion counter
    assert.deepEqual(decodeTimerCheckpoint(b), c);
  });

  it('reads an old 32-byte checkpoint without its data version, refuses shorter ones', () => {
    const b = encodeTimerCheckpoint({
      lastReadTimeMs: 5,
      lastTimerLogFlushPos: 6,
      lastTimerQueueOffset: 7,
      masterTimerQueueOffset: 8,
      stateVersion: 9,
      timestamp: 9,
      counter: 9,
    });
    assert.deepEqual(decodeTimerCheckpoint(b.subarray(0, 32)), {
      lastReadTimeMs: 5,
      lastTimerLogFlushPos: 6,
      lastTimerQueueOffset: 7,
      masterTimerQueueOffset: 8,
      stateVersion: 0,
      timestamp: 0,
      counter: 0,
    });
    for (let cut = 0; cut < 32; cut++) assert.equal(decodeTimerCheckpoint(b.subarray(0, cut)), undefined);
  });

  it('writes atomically and reads back; a missing or short file reads as undefined', async () => {
    const dir = await tempDir('timer-ck-');
    try {
      const path = join(dir.path, 'timercheck');
      assert.equal(await readTimerCheckpoint(path), undefined);
      const c = {
        lastReadTimeMs: 1,
        lastTimerLogFlushPos: 2,
        lastTimerQueueOffset: 3,
        masterTimerQueueOffset: 3,
        stateVersion: 0,
        timestamp: 4,
        counter: 5,
      };
      await writeTimerCheckpoint(path, c);
      assert.deepEqual(await readTimerCheckpoint(path), c);
      await writeFile(path, Buffer.alloc(10));
      assert.equal(await readTimerCheckpoint(path), undefined);
    } finally {
      await dir.cleanup();
    }
  });
});

describe('timer log', () => {
  it('keeps appended units readable before and after flush, across a reopen', async () => {
    const dir = await tempDir('timer-log-');
    try {
      const log = new TimerLog(dir.path, 1024 * 1024);
      await log.open();
      const positions = Array.from({ length: 100 }, (_, i) => log.append(unit(i)));
      assert.equal((await log.read(positions[42]!))?.queueOffset, 42, 'buffered unit');
      assert.equal(await log.flush(), 100 * TIMER_LOG_UNIT_SIZE);
      assert.equal((await log.read(positions[99]!))?.offsetPy, 99_000, 'flushed unit');
      await log.close();
      const again = new TimerLog(dir.path, 1024 * 1024);
      await again.open();
      const seen: number[] = [];
      await again.recover(0, (u) => seen.push(u.queueOffset));
      assert.deepEqual(
        seen,
        Array.from({ length: 100 }, (_, i) => i),
      );
      assert.equal(again.endPos, 100 * TIMER_LOG_UNIT_SIZE);
      await again.close();
    } finally {
      await dir.cleanup();
    }
  });

  it('reads back from disk every unit, those across a 64 KiB read window included', async () => {
    const dir = await tempDir('timer-log-');
    try {
      const log = new TimerLog(dir.path, 1024 * 1024);
      await log.open();
      const positions = Array.from({ length: 3000 }, (_, i) => log.append(unit(i)));
      await log.flush();
      await log.close();
      const again = new TimerLog(dir.path, 1024 * 1024);
      await again.open();
      await again.recover(again.endPos, () => {});
      for (const [i, pos] of positions.entries()) assert.equal((await again.read(pos))?.queueOffset, i, `unit ${i}`);
      await again.close();
    } finally {
      await dir.cleanup();
    }
  });

  it('starts a unit in the next segment when the current one has no room for it', async () => {
    const dir = await tempDir('timer-log-');
    try {
      // 3 units fit in 200 bytes, 44 are left over.
      const log = new TimerLog(dir.path, 200);
      await log.open();
      const positions = Array.from({ length: 7 }, (_, i) => log.append(unit(i)));
      assert.deepEqual(positions, [0, 52, 104, 200, 252, 304, 400]);
      await log.flush();
      assert.equal((await readdir(dir.path)).length, 3);
      await log.close();
      const again = new TimerLog(dir.path, 200);
      await again.open();
      const seen: number[] = [];
      await again.recover(0, (u) => seen.push(u.pos));
      assert.deepEqual(seen, positions);
      assert.equal(again.append(unit(7)), 452);
      await again.close();
    } finally {
      await dir.cleanup();
    }
  });

  it('cuts a torn tail at the last whole unit, at every cut point', async () => {
    for (const cut of [1, 13, 51, 52, 60]) {
      const dir = await tempDir('timer-log-');
      try {
        const log = new TimerLog(dir.path, 4096);
        await log.open();
        for (let i = 0; i < 10; i++) log.append(unit(i));
        await log.flush();
        await log.close();
        const file = join(dir.path, (await readdir(dir.path))[0]!);
        await truncate(file, (await stat(file)).size - cut);
        const again = new TimerLog(dir.path, 4096);
        await again.open();
        const seen: number[] = [];
        await again.recover(0, (u) => seen.push(u.queueOffset));
        const whole = Math.floor((520 - cut) / TIMER_LOG_UNIT_SIZE);
        assert.equal(seen.length, whole, `cut ${cut}`);
        assert.equal(again.endPos, whole * TIMER_LOG_UNIT_SIZE);
        assert.equal((await stat(file)).size, whole * TIMER_LOG_UNIT_SIZE, 'file trimmed');
        await again.close();
      } finally {
        await dir.cleanup();
      }
    }
  });

  it('stops recovery at a damaged unit (bad size or magic) and drops what follows', async () => {
    const dir = await tempDir('timer-log-');
    try {
      const log = new TimerLog(dir.path, 4096);
      await log.open();
      for (let i = 0; i < 10; i++) log.append(unit(i));
      await log.flush();
      await log.close();
      const file = join(dir.path, (await readdir(dir.path))[0]!);
      const { open } = await import('node:fs/promises');
      const fh = await open(file, 'r+');
      await fh.write(Buffer.from([0xff]), 0, 1, 6 * TIMER_LOG_UNIT_SIZE + 12); // magic of unit 6
      await fh.close();
      const again = new TimerLog(dir.path, 4096);
      await again.open();
      const seen: number[] = [];
      await again.recover(0, (u) => seen.push(u.queueOffset));
      assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
      assert.equal(await again.read(6 * TIMER_LOG_UNIT_SIZE), undefined);
      await again.close();
    } finally {
      await dir.cleanup();
    }
  });
});

describe('timer wheel', () => {
  it('keeps slots across flush and load; a slot of another turn reads as empty', async () => {
    const dir = await tempDir('timer-wheel-');
    try {
      const path = join(dir.path, 'timerwheel');
      const w = new TimerWheel(path, 100, 1000);
      const t = 1_700_000_000_000;
      w.putSlot(t, 0, 52, 2, 0);
      w.putSlot(t + 5000, 104, 104, 1, 0);
      assert.deepEqual(w.getSlot(t + 999), { timeMs: t, firstPos: 0, lastPos: 52, num: 2, magic: 0 });
      await w.flush();
      await w.close();
      const again = new TimerWheel(path, 100, 1000);
      await again.load();
      assert.equal(again.getSlot(t).lastPos, 52);
      assert.equal(again.getSlot(t + 5000).num, 1);
      assert.equal(again.getSlot(t + 200_000).timeMs, -1, 'same index, next turn: empty');
      assert.equal(again.sumNum(t, 200), 3);
      await again.close();
    } finally {
      await dir.cleanup();
    }
  });
});
