import { mkdir } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { decodeStoredRecords, MessageConst, ResponseCode } from '@rocketmq-ts/protocol';
import { props, pullRequest, sendRequest } from '../helpers/broker-harness.js';
import { type BrokerProcess, spawnBroker } from './broker-process.js';

// kill -9 trials of an `mqbroker` process while timer messages are sent, filed and fired. A
// producer sends messages with TIMER_DELIVER_MS a random 0.1…maxDelay s ahead; at a random
// moment the broker is killed with SIGKILL and restarted on the same directory, and the load
// goes on. At the end, without faults, the topic is read until every timer is due and fired.
// Invariants: every message whose send was acknowledged is stored in its topic at least once
// (none lost), and none was stored before the time it asked for (none early). Duplicates
// (a slot fired again after a crash) are counted: at-least-once allows them.

export interface TimerCrashOptions {
  trials: number;
  /** Sends per trial (fewer when the kill comes first). */
  messagesPerTrial: number;
  minKillMs: number;
  maxKillMs: number;
  /** Longest delay asked for. */
  maxDelayMs: number;
  /** How long the final read may take beyond the last due time. */
  drainMs?: number;
  log?: (line: string) => void;
}

export interface TimerCrashResult {
  produced: number;
  stored: number;
  duplicates: number;
  kills: number;
  lost: string[];
  /** `id: stored at … < asked …` for every copy stored before its time. */
  early: string[];
  /** Largest (store time − asked time) seen, ms. */
  maxLateMs: number;
}

const TOPIC = 'TimerCrash';

/** Precision 100 ms scales the wheel down so trials take seconds; the wheel logic is the same. */
export const TIMER_CRASH_BROKER_CONF = {
  timerPrecisionMs: 100,
  timerFlushIntervalMs: 200,
};

export async function runTimerCrashTrials(dir: string, o: TimerCrashOptions): Promise<TimerCrashResult> {
  const asked = new Map<string, number>();
  let seq = 0;
  let lastDue = 0;

  const produce = async (b: BrokerProcess, stop: { v: boolean }, n: number) => {
    // A few sends in flight at once, so a kill finds some half-done.
    const lane = async (count: number) => {
      for (let i = 0; i < count && !stop.v; i++) {
        const id = `t${seq++}`;
        const at = Date.now() + 100 + Math.floor(Math.random() * o.maxDelayMs);
        const r = await b.invoke(
          sendRequest(TOPIC, id, { properties: props({ [MessageConst.PROPERTY_TIMER_DELIVER_MS]: String(at) }) }),
        );
        if (r.code === ResponseCode.SUCCESS) {
          asked.set(id, at);
          lastDue = Math.max(lastDue, at);
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, () => lane(Math.ceil(n / 4))));
  };

  await mkdir(dir, { recursive: true });
  let b = await spawnBroker(dir, TIMER_CRASH_BROKER_CONF);
  try {
    // The topic exists before the first timer (its sends then all go to queue 0).
    await b.invoke(sendRequest(TOPIC, 'warm-up'));
    for (let t = 0; t < o.trials; t++) {
      const stop = { v: false };
      const work = produce(b, stop, o.messagesPerTrial).catch(() => undefined);
      // The fault: a kill at a random moment of the load (not a wait for a condition).
      await delay(o.minKillMs + Math.floor(Math.random() * (o.maxKillMs - o.minKillMs)));
      await b.kill9();
      stop.v = true;
      await work;
      o.log?.(`trial ${t + 1}/${o.trials}: ${asked.size} acknowledged timer sends`);
      b = await spawnBroker(dir, TIMER_CRASH_BROKER_CONF);
    }
    // No faults from here: wait for every due time, then read until all are there.
    const seen = new Map<string, number[]>();
    const deadline = Math.max(Date.now(), lastDue) + (o.drainMs ?? 20_000);
    let offset = 0;
    for (;;) {
      const r = await b.invoke(pullRequest(TOPIC, { offset, maxMsgNums: 32 }));
      const msgs = r.code === ResponseCode.SUCCESS && r.body ? decodeStoredRecords(r.body) : [];
      for (const m of msgs) {
        const id = m.body.toString();
        const list = seen.get(id) ?? [];
        list.push(m.storeTimestamp);
        seen.set(id, list);
        offset = m.queueOffset + 1;
      }
      if (msgs.length > 0) continue;
      if ([...asked.keys()].every((id) => seen.has(id)) || Date.now() > deadline) break;
      await delay(100);
    }
    const early: string[] = [];
    let stored = 0;
    let duplicates = 0;
    let maxLateMs = 0;
    for (const [id, at] of asked) {
      const times = seen.get(id) ?? [];
      stored += times.length > 0 ? 1 : 0;
      duplicates += Math.max(0, times.length - 1);
      for (const st of times) {
        if (st < at) early.push(`${id}: stored at ${st} < asked ${at}`);
        maxLateMs = Math.max(maxLateMs, st - at);
      }
    }
    return {
      produced: asked.size,
      stored,
      duplicates,
      kills: o.trials,
      lost: [...asked.keys()].filter((id) => !seen.has(id)),
      early,
      maxLateMs,
    };
  } finally {
    await b.stop();
  }
}
