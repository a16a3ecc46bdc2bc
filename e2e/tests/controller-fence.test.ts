// Controller mode with real processes: reads stop at the confirm offset and a master past its
// lease refuses writes at admission (apache/rocketmq#6662). A message the master appended but a
// SyncStateSet member does not hold yet may be truncated at the next failover, so no pull may
// return it; and a master resumed after a pause longer than its lease must not append the sends
// it buffered meanwhile (they would take queue offsets the new master gives to acknowledged
// messages). docs/controller.md.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MQAdmin } from '@rocketmq-ts/client';
import { type RemotingCommand, ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import {
  info,
  type Member,
  type NamesrvWithController,
  pulledBodies,
  rawPull,
  rawSend,
  spawnMember,
  spawnNamesrvWithController,
  stopProc,
  waitSettled,
} from './controller-mode-support.js';

const topic = 'CtlFence';

describe('controller mode: confirm-offset reads and write admission', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let ns: NamesrvWithController;
  let admin: MQAdmin;
  const client = new RemotingClient({ requestTimeoutMs: 20_000 });
  const members: Member[] = [];
  let master: Member;
  let slave: Member;

  const send = (addr: string, body: string): Promise<RemotingCommand> =>
    rawSend(client, addr, topic, 'fence_pg', body, 20_000);
  const pull = (addr: string, offset: number): Promise<RemotingCommand> =>
    rawPull(client, addr, topic, 'fence_cg', offset);

  // The queue's max offset as answered to clients is the confirmed one (docs/controller.md): wait
  // until the confirm offset has reached the log's end, then it counts every appended message.
  const settledMax = async (m: Member): Promise<number> => {
    await eventually(
      async () => {
        const i = await info(admin, m);
        return i.confirmOffset === i.commitLogMaxOffset;
      },
      { timeoutMs: 15_000, message: 'confirm offset at the log end' },
    );
    return Number((await pull(m.addr, 0)).extFields.maxOffset);
  };

  const bodies = pulledBodies;

  before(async () => {
    dir = await tempDir('rmq-ctl-fence-');
    ns = await spawnNamesrvWithController(join(dir.path, 'ns'));
    admin = new MQAdmin({ namesrvAddr: ns.namesrvAddr });
    // The stopped slave must stay in the SyncStateSet (no shrink) for the whole first test.
    const props = {
      namesrvAddr: ns.namesrvAddr,
      controllerAddr: ns.controllerAddr,
      haMaxTimeSlaveNotCatchup: 120_000,
      haHousekeepingInterval: 120_000,
      // Not a multiple of the master's 100 ms lease check: the end of the lease (the last answered
      // heartbeat + lease) falls at a different point between two checks in each cycle of the
      // last test, so the gap in which only the admission check refuses a send is not always ~0.
      brokerHeartbeatInterval: 310,
    };
    members.push(await spawnMember(join(dir.path, 'b0'), 'b0', props));
    await waitSettled(admin, members);
    members.push(await spawnMember(join(dir.path, 'b1'), 'b1', props));
    master = await waitSettled(admin, members);
    slave = members.find((m) => m !== master)!;
    await admin.createTopic({ topic, brokerAddr: master.addr, readQueueNums: 1, writeQueueNums: 1 });
  });

  after(async () => {
    ns?.proc.child.kill('SIGCONT');
    for (const m of members) {
      m.proc?.child.kill('SIGCONT');
      await stopProc(m.proc);
    }
    await admin?.close();
    await client.close();
    await stopProc(ns?.proc);
    await dir?.cleanup();
  });

  it('a pull does not return what a SyncStateSet member does not hold yet', async () => {
    const first = await send(master.addr, 'm1');
    assert.equal(first.code, ResponseCode.SUCCESS, first.remark);
    await eventually(async () => bodies(await pull(master.addr, 0)).join() === 'm1', {
      timeoutMs: 10_000,
      message: 'm1 readable once both members hold it',
    });

    const logEnd = Number((await info(admin, master)).commitLogMaxOffset);
    slave.proc!.child.kill('SIGSTOP');
    const pending = send(master.addr, 'm2');
    // Appended on the master (its log grew) but not returned, nor counted in the answered max.
    await eventually(async () => Number((await info(admin, master)).commitLogMaxOffset) > logEnd, {
      timeoutMs: 10_000,
      message: 'm2 appended on the master',
    });
    assert.equal((await pull(master.addr, 1)).extFields.maxOffset, '1');
    for (let i = 0; i < 5; i++) {
      const r = await pull(master.addr, 1);
      assert.equal(r.code, ResponseCode.PULL_NOT_FOUND, `pull ${i} while the slave is stopped: ${r.code} ${r.remark}`);
      assert.equal(r.extFields.nextBeginOffset, '1');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    slave.proc!.child.kill('SIGCONT');
    await eventually(async () => bodies(await pull(master.addr, 1)).join() === 'm2', {
      timeoutMs: 15_000,
      message: 'm2 readable once the slave holds it',
    });
    const second = await pending;
    assert.ok(
      second.code === ResponseCode.SUCCESS || second.code === ResponseCode.FLUSH_SLAVE_TIMEOUT,
      `m2: ${second.code} ${second.remark}`,
    );
    // The slave serves it too (its confirm offset is learned from the master).
    await eventually(async () => bodies(await pull(slave.addr, 1)).join() === 'm2', {
      timeoutMs: 15_000,
      message: 'm2 readable on the slave',
    });
  });

  it('a master resumed past its lease refuses the sends it buffered, before appending them', async () => {
    const before = await settledMax(master);
    master.proc!.child.kill('SIGSTOP');
    const buffered = Promise.all(Array.from({ length: 16 }, (_, i) => send(master.addr, `late-${i}`)));
    // Lease: controllerHeartBeatTimeoutMills 3000 − 2 × brokerHeartbeatInterval 300 = 2400 ms.
    await new Promise((resolve) => setTimeout(resolve, 2800));
    master.proc!.child.kill('SIGCONT');
    for (const r of await buffered) assert.equal(r.code, ResponseCode.SERVICE_NOT_AVAILABLE, `${r.code} ${r.remark}`);
    const after = await settledMax(master);
    assert.equal(after, before, 'nothing appended on the resumed master');
  });

  it('a running master whose controller stops answering appends nothing once its lease is over', async () => {
    // The master keeps running; only the controller (embedded in the NameServer) is frozen. The
    // lease ends while sends keep arriving, before the periodic lease check (every 100 ms) has
    // necessarily run: only the check at write admission keeps a send that arrives in between out
    // of the log. Each sender sends one message at a time, so at most one of its messages can be
    // admitted before the end of the lease and answered after it (stored on the master only, not
    // SEND_OK); every later one must be refused before anything is appended. Two cycles.
    const stored = new Set<number>([ResponseCode.SUCCESS, ResponseCode.FLUSH_SLAVE_TIMEOUT]);
    for (let cycle = 1; cycle <= 2; cycle++) {
      master = await waitSettled(admin, members, 30_000);
      // The master takes writes again once the controller answers it (after the previous test or cycle).
      await eventually(async () => (await send(master.addr, 'warm')).code === ResponseCode.SUCCESS, {
        timeoutMs: 30_000,
        intervalMs: 100,
        message: 'the master accepting writes',
      });
      const start = await settledMax(master);
      ns.proc.child.kill('SIGSTOP');
      // Lease: controllerHeartBeatTimeoutMills 3000 − 2 × brokerHeartbeatInterval 310 = 2380 ms.
      const deadline = Date.now() + 15_000;
      let senders: number[][];
      try {
        senders = await Promise.all(
          Array.from({ length: 4 }, async (_, k) => {
            const codes: number[] = [];
            let refused = 0;
            for (let i = 0; refused < 3 && Date.now() < deadline; i++) {
              const code = (await send(master.addr, `lease-${cycle}-${k}-${i}`)).code;
              codes.push(code);
              if (code === ResponseCode.SERVICE_NOT_AVAILABLE) refused++;
            }
            return codes;
          }),
        );
      } finally {
        ns.proc.child.kill('SIGCONT');
      }
      let appended = 0;
      for (const [k, codes] of senders.entries()) {
        const firstRefused = codes.indexOf(ResponseCode.SERVICE_NOT_AVAILABLE);
        const tail = codes.slice(Math.max(0, firstRefused - 5), firstRefused + 3).join();
        assert.ok(firstRefused > 0, `cycle ${cycle} sender ${k}: no refusal, or nothing accepted first: ${tail}`);
        const late = codes.slice(firstRefused);
        assert.ok(
          late.every((c) => c === ResponseCode.SERVICE_NOT_AVAILABLE),
          `cycle ${cycle} sender ${k}: accepted after a refusal: ${late.join()}`,
        );
        const notAcked = codes.slice(0, firstRefused).filter((c) => c !== ResponseCode.SUCCESS);
        assert.ok(
          notAcked.length <= 1 && notAcked.every((c) => c === ResponseCode.FLUSH_SLAVE_TIMEOUT),
          `cycle ${cycle} sender ${k}: appended after the lease ended (${notAcked.length} stored, not acknowledged): …${tail}`,
        );
        appended += codes.filter((c) => stored.has(c)).length;
      }
      const end = await settledMax(master);
      assert.equal(end - start, appended, `cycle ${cycle}: every refused send left the log untouched`);
    }
  });
});
