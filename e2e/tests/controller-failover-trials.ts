// Failover trials with real processes (issue 15), shared by e2e/tests/controller-failover*.test.ts:
// a NameServer with the embedded controller and three `mqbroker` processes in one group, and
// repeated failover trials under producer load — kill -9 of the master (most trials) or
// SIGSTOP/SIGCONT (every STOP_EVERY-th). Per trial a SyncStateSet member becomes master and writes
// resume through the SDK producer; the old master (restarted, or resumed) comes back as a slave,
// truncates only what was never acknowledged and catches up byte for byte; every acknowledged
// message is in the new master's log at its offset; the chaos checker finds no two members
// accepting writes at once and no queue offset holding two messages. The NameServer, controller
// and other members live on across trials; only the old master is restarted. Timers are the
// documented lowered ones (docs/controller.md, "Failover time"). Fault → first SEND_OK on the new
// master is printed per trial, with p50/p99 at the end. More trials by hand:
// bench/controller/failover-trials.mjs --trials N --fault mix. Not a test file.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { MQAdmin, Producer, PushConsumer } from '@rocketmq-ts/client';
import { decodeStoredRecord } from '@rocketmq-ts/protocol';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import {
  failoverTrial,
  info,
  type Member,
  type NamesrvWithController,
  spawnMember,
  spawnNamesrvWithController,
  stopProc,
  waitSettled,
} from './controller-mode-support.js';
import { repoRoot } from './repo-root.js';

/** Every STOP_EVERY-th trial freezes the master (SIGSTOP, SIGCONT once another member acknowledges). */
const STOP_EVERY = Number(process.env.CONTROLLER_FAILOVER_STOP_EVERY ?? 8);
/** The lowered failover timers of docs/controller.md ("Failover time"). */
const LOWERED = { controllerHeartBeatTimeoutMills: 2000, brokerHeartbeatInterval: 300, scanMs: 200 };

interface Checker {
  check: (
    h: { meta: Record<string, unknown>; events: unknown[] },
    o?: { tenureGapMs?: number },
  ) => {
    splitBrain: { brokers: string[]; start: number; ms: number }[];
    offsetReuse: { count: number; examples: unknown[] };
  };
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : Number.NaN;
};

/**
 * Trials `first`…`last` (numbered across the files that share the 50, so the SIGSTOP ones stay
 * every STOP_EVERY-th) on a group of their own. A test file must end within the runner's 120 s,
 * so the 50 trials are spread over five files, which the runner can also run two at a time.
 */
export function failoverTrialsSuite(first: number, last: number): void {
  describe(`controller mode: failover trials ${first}–${last} of real broker processes`, {
    timeout: 30 * 60_000,
  }, () => {
    let dir: { path: string; cleanup: () => Promise<void> };
    let ns: NamesrvWithController;
    let admin: MQAdmin;
    let producer: Producer;
    let checker: Checker;
    const members: Member[] = [];
    const topic = 'CtlFailover';
    const acked = new Set<string>();
    const history: unknown[] = [];
    const times: Record<'kill' | 'stop', number[]> = { kill: [], stop: [] };

    before(async () => {
      checker = (await import(pathToFileURL(join(repoRoot(), 'bench', 'chaos', 'checker.mjs')).href)) as Checker;
      dir = await tempDir('rmq-ctl-failover-');
      ns = await spawnNamesrvWithController(join(dir.path, 'ns'), LOWERED.scanMs);
      admin = new MQAdmin({ namesrvAddr: ns.namesrvAddr });
      const props = {
        namesrvAddr: ns.namesrvAddr,
        controllerAddr: ns.controllerAddr,
        controllerHeartBeatTimeoutMills: LOWERED.controllerHeartBeatTimeoutMills,
        brokerHeartbeatInterval: LOWERED.brokerHeartbeatInterval,
      };
      // The first one up becomes the first master ("first caller wins").
      members.push(await spawnMember(join(dir.path, 'b0'), 'b0', props));
      await waitSettled(admin, members, 60_000);
      for (const n of ['b1', 'b2']) members.push(await spawnMember(join(dir.path, n), n, props));
      const master = await waitSettled(admin, members, 60_000);
      await admin.createTopic({ topic, brokerAddr: master.addr, readQueueNums: 4, writeQueueNums: 4 });
      // Topics reach the slaves by their metadata sync; a failover before it would lose the topic.
      const created = Date.now();
      await eventually(
        async () => {
          for (const m of members) {
            if (m === master) continue;
            if (Number((await info(admin, m)).slaveSyncTimestamp) <= created) return false;
          }
          return true;
        },
        { timeoutMs: 30_000, message: 'a metadata sync on every slave after the topic was created' },
      );
      producer = new Producer({
        namesrvAddr: ns.namesrvAddr,
        producerGroup: 'ctl_failover_pg',
        pollNameServerIntervalMs: 300,
        sendMsgTimeoutMs: 3000,
        retryTimesWhenSendFailed: 2,
      });
      await producer.start();
    });

    after(async () => {
      const line = (k: 'kill' | 'stop') =>
        `${k} n=${times[k].length} p50 ${pct(times[k], 0.5)} ms p99 ${pct(times[k], 0.99)} ms max ${Math.max(...times[k])} ms`;
      console.log(`# failover (fault → first SEND_OK on the new master): ${line('kill')}; ${line('stop')}`);
      await producer?.shutdown();
      await admin?.close();
      for (const m of members) {
        m.proc?.child.kill('SIGCONT');
        await stopProc(m.proc);
      }
      await stopProc(ns?.proc);
      await dir?.cleanup();
    });

    const send = async (body: string) => {
      const r = await producer.send({ topic, body });
      if (r.sendStatus === 'SEND_OK') acked.add(r.msgId);
      return r;
    };
    const uniqKeyAt = (log: Buffer, pos: number) => decodeStoredRecord(log, pos)?.properties.get('UNIQ_KEY');
    const verdict = (events: unknown[]) => checker.check({ meta: { groups: ['broker-a'] }, events });

    for (let t = first; t <= last; t++) {
      const fault = STOP_EVERY > 0 && t % STOP_EVERY === 0 ? 'stop' : 'kill';
      const what = fault === 'stop' ? 'SIGSTOP/SIGCONT' : 'kill -9';
      it(`trial ${t}: ${what} of the master under load loses no acknowledged message, no split brain`, {
        timeout: 600_000,
      }, async () => {
        const r = await failoverTrial({
          admin,
          members,
          send,
          uniqKeyAt,
          workers: 4,
          before: 40,
          after: 30,
          fault,
          stepTimeoutMs: 90_000,
        });
        history.push(...r.sends);
        times[fault].push(r.failoverMs);
        assert.deepEqual(r.lost, [], `acknowledged messages missing on the new master ${r.newMaster}`);
        assert.notEqual(r.newMaster, r.oldMaster);
        assert.ok(r.ackedBefore > 0 && r.ackedAfter > 0);
        const v = verdict(r.sends);
        assert.deepEqual(v.splitBrain, [], 'two members accepted writes at once');
        assert.equal(
          v.offsetReuse.count,
          0,
          `a queue offset acknowledged for two messages: ${JSON.stringify(v.offsetReuse)}`,
        );
        console.log(
          `# trial ${t} (${fault}): failover ${r.failoverMs} ms, acked ${r.ackedBefore} before / ${r.ackedAfter} after, old master cut ${r.truncatedBytes} bytes`,
        );
      });
    }

    it('over all trials: no split brain, no queue offset holding two messages', () => {
      const v = verdict(history);
      assert.deepEqual(v.splitBrain, []);
      assert.equal(v.offsetReuse.count, 0);
    });

    it('a consumer reads every acknowledged message from the group after the failovers', async () => {
      const got = new Set<string>();
      const consumer = new PushConsumer({
        namesrvAddr: ns.namesrvAddr,
        consumerGroup: 'ctl_failover_cg',
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        pollNameServerIntervalMs: 500,
      });
      consumer.subscribe(topic, '*');
      consumer.registerMessageListener({
        type: 'concurrently',
        consume: (msgs) => {
          for (const m of msgs) got.add(m.msgId);
          return 'CONSUME_SUCCESS';
        },
      });
      await consumer.start();
      try {
        await eventually(() => [...acked].every((id) => got.has(id)), {
          timeoutMs: 60_000,
          message: `all ${acked.size} acknowledged messages consumed`,
        }).catch((e: unknown) => {
          const missing = [...acked].filter((id) => !got.has(id));
          throw new Error(
            `${missing.length} of ${acked.size} not consumed (${got.size} seen), e.g. ${missing.slice(0, 3).join(' ')}`,
            { cause: e },
          );
        });
      } finally {
        await consumer.shutdown();
      }
    });
  });
}
