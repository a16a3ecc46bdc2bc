import assert from 'node:assert/strict';
import { mkdir, readdir, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeStoredRecords, MessageConst, ResponseCode } from '@rocketmq-ts/protocol';
import { readTimerCheckpoint, timerCheckpointPath } from '@rocketmq-ts/store';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { props, pullRequest, sendRequest } from '../helpers/broker-harness.js';
import { type BrokerProcess, spawnBroker } from './broker-process.js';
import { runTimerCrashTrials, TIMER_CRASH_BROKER_CONF } from './timer-crash-harness.js';

// Issue 12: timer messages survive restarts, kill -9 and damaged timer files with a real
// `mqbroker` process: every acknowledged timer is stored in its topic at least once, never
// before its time. The long form: bench/timer/crash-trials.mjs.

async function readTopic(b: BrokerProcess, topic: string): Promise<Map<string, number[]>> {
  const seen = new Map<string, number[]>();
  let offset = 0;
  for (;;) {
    const r = await b.invoke(pullRequest(topic, { offset, maxMsgNums: 32 }));
    const msgs = r.code === ResponseCode.SUCCESS && r.body ? decodeStoredRecords(r.body) : [];
    if (msgs.length === 0) return seen;
    for (const m of msgs) {
      const list = seen.get(m.body.toString()) ?? [];
      list.push(m.storeTimestamp);
      seen.set(m.body.toString(), list);
      offset = m.queueOffset + 1;
    }
  }
}

/** Sends `n` timers due `delayMs` from now; returns id → asked time. */
async function sendTimers(b: BrokerProcess, topic: string, n: number, delayMs: number): Promise<Map<string, number>> {
  const asked = new Map<string, number>();
  await b.invoke(sendRequest(topic, 'warm-up'));
  for (let i = 0; i < n; i++) {
    const at = Date.now() + delayMs + (i % 7) * 50;
    const r = await b.invoke(
      sendRequest(topic, `${topic}-${i}`, {
        properties: props({ [MessageConst.PROPERTY_TIMER_DELIVER_MS]: String(at) }),
      }),
    );
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    asked.set(`${topic}-${i}`, at);
  }
  return asked;
}

async function assertAllFired(b: BrokerProcess, topic: string, asked: Map<string, number>): Promise<void> {
  const seen = await eventually(
    async () => {
      const s = await readTopic(b, topic);
      return [...asked.keys()].every((id) => s.has(id)) && s;
    },
    { timeoutMs: 20_000, message: `every ${topic} timer stored` },
  );
  for (const [id, at] of asked) for (const st of seen.get(id)!) assert.ok(st >= at, `${id} stored at ${st} < ${at}`);
}

describe('timer wheel across restarts of an mqbroker process', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir('timer-restart-');
  });
  after(() => tmp.cleanup());

  it('fires every timer pending at a clean stop after the restart, none early', async () => {
    const dir = join(tmp.path, 'clean');
    await mkdir(dir);
    let b = await spawnBroker(dir, TIMER_CRASH_BROKER_CONF);
    const asked = await sendTimers(b, 'TimerClean', 30, 1000);
    await eventually(
      async () => (await readTimerCheckpoint(timerCheckpointPath(join(dir, 'store'))))?.lastTimerQueueOffset,
    );
    await b.stop();
    b = await spawnBroker(dir, TIMER_CRASH_BROKER_CONF);
    try {
      await assertAllFired(b, 'TimerClean', asked);
    } finally {
      await b.stop();
    }
  });

  for (const damage of ['timercheck deleted', 'timerwheel deleted', 'timerlog tail torn'] as const) {
    it(`fires every pending timer after a stop with the ${damage}`, async () => {
      const dir = join(tmp.path, damage.replace(/ /g, '-'));
      const store = join(dir, 'store');
      await mkdir(dir);
      let b = await spawnBroker(dir, TIMER_CRASH_BROKER_CONF);
      const asked = await sendTimers(b, 'TimerDamage', 20, 1000);
      await b.stop();
      if (damage === 'timercheck deleted') await rm(timerCheckpointPath(store));
      if (damage === 'timerwheel deleted') await rm(join(store, 'timerwheel'));
      if (damage === 'timerlog tail torn') {
        const seg = join(store, 'timerlog', (await readdir(join(store, 'timerlog'))).sort().pop()!);
        await truncate(seg, (await stat(seg)).size - 30);
      }
      b = await spawnBroker(dir, TIMER_CRASH_BROKER_CONF);
      try {
        await assertAllFired(b, 'TimerDamage', asked);
      } finally {
        await b.stop();
      }
    });
  }

  it('loses no timer and fires none early across kill -9 trials', async () => {
    const r = await runTimerCrashTrials(join(tmp.path, 'kill'), {
      trials: 2,
      messagesPerTrial: 120,
      minKillMs: 150,
      maxKillMs: 900,
      maxDelayMs: 1500,
    });
    assert.ok(r.produced > 0);
    assert.deepEqual(r.lost, [], `${r.lost.length} of ${r.produced} acknowledged timers never stored`);
    assert.deepEqual(r.early, []);
  });
});
