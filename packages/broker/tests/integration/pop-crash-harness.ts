import { setTimeout as delay } from 'node:timers/promises';
import { parseExtraInfo, ResponseCode } from '@rocketmq-ts/protocol';
import { sendRequest } from '../helpers/broker-harness.js';
import { ack, pop } from '../helpers/pop-client.js';
import { type BrokerProcess, spawnBroker } from './broker-process.js';

// kill -9 trials of an `mqbroker` process in the middle of sends, pops and acks. A producer
// and several pop consumers run against the broker; after a random time it is killed with
// SIGKILL and restarted on the same directory, and the load goes on. At the end the consumers
// drain the topic without kills. Invariant (at-least-once): every message whose send was
// acknowledged is acked by a consumer at least once, none lost. A message acked a second time
// is a duplicate of one of two kinds:
// - late: one of its successful acks was answered after that delivery's invisible time had
//   passed (popTime + invisibleTime), so the broker was free to revive it meanwhile — in flight,
//   allowed (at-least-once);
// - redelivered: every ack of it came in time, yet it was delivered and acked again — an acked
//   message brought back (by a restart's recovery, or a revive repeated after a crash): a defect.

export interface PopCrashOptions {
  trials: number;
  /** Sends per trial. */
  messagesPerTrial: number;
  consumers: number;
  minKillMs: number;
  maxKillMs: number;
  /** How long the final drain may take. */
  drainMs?: number;
  log?: (line: string) => void;
}

export interface PopCrashResult {
  produced: number;
  acked: number;
  deliveries: number;
  duplicateAcks: number;
  /** Duplicates where an ack came after its delivery's invisible time (in flight: allowed). */
  lateDuplicateAcks: number;
  /** Duplicates of messages whose every ack came in time (acked, then delivered again). */
  redeliveredAfterAck: string[];
  /** Messages never acked with an answer, whose ack a kill swallowed (stored or not). */
  ackUnknown: number;
  kills: number;
  lost: string[];
}

const TOPIC = 'PopCrash';
const GROUP = 'g-crash';
const INVISIBLE_MS = 2_000;

export const POP_CRASH_BROKER_CONF = {
  flushDiskType: 'SYNC_FLUSH',
  reviveInterval: 200,
  flushConsumerOffsetInterval: 1000,
  defaultTopicQueueNums: 4,
};

export async function runPopCrashTrials(dir: string, o: PopCrashOptions): Promise<PopCrashResult> {
  const produced = new Set<string>();
  const acked = new Set<string>();
  let deliveries = 0;
  let duplicateAcks = 0;
  let lateDuplicateAcks = 0;
  const redeliveredAfterAck: string[] = [];
  /** Bodies with at least one successful ack answered after its invisible time. */
  const ackedLate = new Set<string>();
  let seq = 0;
  /** Acks whose answer a kill swallowed: stored (consumed, never back) or not (revived, acked later). */
  const ackUnknown = new Set<string>();

  const consume = async (b: BrokerProcess, stop: { v: boolean }, ackRatio: number, pollTime: number) => {
    const call = (cmd: Parameters<BrokerProcess['invoke']>[0]) => b.invoke(cmd);
    while (!stop.v) {
      const r = await pop(call, { group: GROUP, topic: TOPIC, maxMsgNums: 16, invisibleTime: INVISIBLE_MS, pollTime });
      for (const m of r.messages) {
        deliveries++;
        if (Math.random() >= ackRatio) continue; // left to expire: it must come back
        const code = await ack(call, GROUP, m).catch((e: unknown) => {
          ackUnknown.add(m.body);
          throw e;
        });
        if (code !== ResponseCode.SUCCESS) continue;
        const info = parseExtraInfo(m.handle);
        const late = !info.ok || Date.now() >= info.value.popTime + info.value.invisibleTime;
        if (late) ackedLate.add(m.body);
        if (acked.has(m.body)) {
          duplicateAcks++;
          if (ackedLate.has(m.body)) lateDuplicateAcks++;
          else redeliveredAfterAck.push(m.body);
        }
        acked.add(m.body);
      }
    }
  };
  const produce = async (b: BrokerProcess, stop: { v: boolean }, n: number) => {
    for (let i = 0; i < n && !stop.v; i++) {
      const body = `m${seq++}`;
      const r = await b.invoke(sendRequest(TOPIC, body, { queueId: seq % 4 }));
      if (r.code === ResponseCode.SUCCESS) produced.add(body);
    }
  };

  let b = await spawnBroker(dir, POP_CRASH_BROKER_CONF);
  try {
    for (let t = 0; t < o.trials; t++) {
      const stop = { v: false };
      const work = [
        produce(b, stop, o.messagesPerTrial),
        ...Array.from({ length: o.consumers }, () => consume(b, stop, 0.8, 200)),
      ].map((p) => p.catch(() => undefined));
      // The fault: a kill at a random moment of the load (not a wait for a condition).
      await delay(o.minKillMs + Math.floor(Math.random() * (o.maxKillMs - o.minKillMs)));
      await b.kill9();
      stop.v = true;
      await Promise.all(work);
      o.log?.(`trial ${t + 1}/${o.trials}: ${produced.size} produced, ${acked.size} acked, ${deliveries} deliveries`);
      b = await spawnBroker(dir, POP_CRASH_BROKER_CONF);
    }
    // Drain without faults: every produced message must come (back) and be acked.
    const deadline = Date.now() + (o.drainMs ?? 60_000);
    const stop = { v: false };
    const drain = Array.from({ length: o.consumers }, () => consume(b, stop, 1, 500));
    while (Date.now() < deadline && [...produced].some((m) => !acked.has(m) && !ackUnknown.has(m))) await delay(100);
    stop.v = true;
    await Promise.all(drain);
  } finally {
    await b.stop();
  }
  return {
    produced: produced.size,
    acked: acked.size,
    deliveries,
    duplicateAcks,
    lateDuplicateAcks,
    redeliveredAfterAck,
    ackUnknown: [...ackUnknown].filter((m) => !acked.has(m)).length,
    kills: o.trials,
    lost: [...produced].filter((m) => !acked.has(m) && !ackUnknown.has(m)),
  };
}
