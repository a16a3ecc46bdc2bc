// An ali-ons push consumer (an independent pure-JS RocketMQ client) across the loss and return
// of its SYNC_MASTER, real processes (issue 14): with the master killed by -9 the same consumer
// goes on from the slave (slaveReadEnable); once the master is back it consumes from it and
// commits its offsets there. Also the classic regression scenarios of the reference:
// #9804/#9984 (a topic and group created on the master after the slave started exist on the
// slave once a metadata sync ran, so the failover finds them) and #1094 (consuming from the
// slave while the master is down, then the master's return: re-consumption bounded by what was
// consumed during the outage — here none, the consumer keeps its progress in memory).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MQAdmin, Producer, type SendResult } from '@rocketmq-ts/client';
import { createRequest, parseFastjson, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import {
  type BrokerProps,
  kill9,
  type Proc,
  runtimeInfo,
  spawnBroker,
  spawnNamesrv,
  stop,
  type TempDir,
} from './ha-support.js';

const CHILD = fileURLToPath(new URL('./ha-alions-child.js', import.meta.url));
const TOPIC = 'HaOns';
const GROUP = 'HaOnsGroup';

interface Got {
  body: string;
  queueId: number;
  offset: number;
  at: number;
}

/** The ali-ons consumer child; `got` grows as it prints messages. */
function onsConsumer(namesrv: string): { child: ChildProcess; got: Got[]; err: () => string } {
  const child = spawn(process.execPath, [CHILD, namesrv, TOPIC, GROUP], { stdio: ['ignore', 'pipe', 'pipe'] });
  const got: Got[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('{')) got.push(JSON.parse(line) as Got);
    }
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return { child, got, err: () => err };
}

/** One of a broker's metadata tables (the requests a slave's metadata sync uses). */
async function table(rc: RemotingClient, addr: string, code: number): Promise<Record<string, unknown>> {
  const res = await rc.invoke(addr, createRequest(code, {}), 5000);
  assert.equal(res.code, ResponseCode.SUCCESS);
  const parsed = parseFastjson(res.body?.toString('utf8') ?? '');
  assert.ok(parsed.ok);
  return parsed.value as Record<string, unknown>;
}

/** Sum over the queues of GROUP's committed offsets for TOPIC on one broker. */
async function committed(rc: RemotingClient, addr: string): Promise<number> {
  const t = (await table(rc, addr, RequestCode.GET_ALL_CONSUMER_OFFSET)).offsetTable as Record<
    string,
    Record<string, number>
  >;
  return Object.values(t?.[`${TOPIC}@${GROUP}`] ?? {}).reduce((a, b) => a + Number(b), 0);
}

describe('ali-ons consumer across a SYNC_MASTER kill -9 and its return', () => {
  let dir: TempDir;
  let namesrv: Proc;
  let admin: MQAdmin;
  let rc: RemotingClient;
  let producer: Producer;
  let consumer: ReturnType<typeof onsConsumer> | undefined;
  const procs: Proc[] = [];

  before(async () => {
    dir = await tempDir('rmq-ha-ons-');
    namesrv = await spawnNamesrv(dir.path);
    admin = new MQAdmin({ namesrvAddr: namesrv.addr });
    rc = new RemotingClient();
    producer = new Producer({ namesrvAddr: namesrv.addr, producerGroup: 'ha_ons_pg', pollNameServerIntervalMs: 1000 });
  });
  after(async () => {
    consumer?.child.kill('SIGKILL');
    await producer?.shutdown();
    await admin?.close();
    await rc?.close();
    for (const p of procs) await stop(p);
    if (namesrv) await stop(namesrv);
    await dir?.cleanup();
  });

  it('goes on from the slave while the master is down, returns to the master after its restart (#9804, #1094)', async () => {
    const props: BrokerProps = {
      brokerName: 'ha-ons',
      namesrvAddr: namesrv.addr,
      registerNameServerPeriod: 2000,
      slaveSyncInterval: 1000,
      slaveReadEnable: true,
    };
    const masterProps = { ...props, brokerRole: 'SYNC_MASTER' };
    let master = await spawnBroker(join(dir.path, 'm'), masterProps);
    procs.push(master);
    const slave = await spawnBroker(join(dir.path, 's'), { ...props, brokerRole: 'SLAVE', brokerId: 1 });
    procs.push(slave);
    const slaveIn = async (addr: string) => Number((await runtimeInfo(admin, addr)).haConnectionNums) === 1;
    await eventually(() => slaveIn(master.addr), { timeoutMs: 20_000, message: 'slave connected' });
    // Created on the master after the slave started: only the metadata sync brings them over.
    await admin.createTopic({ topic: TOPIC, clusterName: 'HaCluster', readQueueNums: 4, writeQueueNums: 4 });
    await producer.start();
    const sendAll = async (prefix: string, n: number): Promise<SendResult[]> => {
      const out: SendResult[] = [];
      for (let i = 0; i < n; i++) out.push(await producer.send({ topic: TOPIC, body: `${prefix}-${i}` }));
      return out;
    };
    const bodies = (prefix: string) =>
      new Set(consumer!.got.filter((g) => g.body.startsWith(`${prefix}-`)).map((g) => g.body));

    // A: consumed from the master; offsets committed there and synced to the slave.
    for (const r of await sendAll('a', 20)) assert.equal(r.sendStatus, 'SEND_OK');
    consumer = onsConsumer(namesrv.addr);
    await eventually(() => bodies('a').size === 20, { timeoutMs: 30_000, message: `A consumed ${consumer!.err()}` });
    await eventually(async () => (await committed(rc, master.addr)) === 20, { message: 'A committed on the master' });
    await eventually(async () => (await committed(rc, slave.addr)) === 20, {
      message: 'A offsets synced to the slave',
    });
    // #9804 / #9984: topic and group are on the slave before the failover.
    const topics = (await table(rc, slave.addr, RequestCode.GET_ALL_TOPIC_CONFIG)).topicConfigTable as object;
    assert.ok(TOPIC in topics, 'topic synced to the slave');
    const groups = (await table(rc, slave.addr, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG))
      .subscriptionGroupTable as object;
    assert.ok(GROUP in groups, 'group synced to the slave');

    // B: more than one pull batch per queue (ali-ons pulls 32), sent while the consumer is
    // frozen, then the master dies. What the frozen consumer's held pulls carried came from the
    // master; the rest can only come from the slave.
    consumer.child.kill('SIGSTOP');
    const b = await sendAll('b', 200);
    for (const r of b) assert.equal(r.sendStatus, 'SEND_OK', 'SYNC_MASTER: on the slave too');
    await kill9(master);
    consumer.child.kill('SIGCONT');
    await eventually(() => bodies('b').size === 200, {
      timeoutMs: 60_000,
      message: `B consumed with the master down (${bodies('b').size}/200) ${consumer.err()}`,
    });
    // Progress made during the outage is committed to the slave (no master in the route).
    await eventually(async () => (await committed(rc, slave.addr)) === 220, { message: 'B committed on the slave' });

    // The master returns (same store, new port); the slave catches up with it again.
    master = await spawnBroker(join(dir.path, 'm'), masterProps);
    procs.push(master);
    await eventually(() => slaveIn(master.addr), { timeoutMs: 30_000, message: 'slave reconnected' });
    let c: SendResult[] = [];
    await eventually(
      async () => {
        c = await sendAll('c', 20);
        return true;
      },
      { timeoutMs: 30_000, message: 'producer finds the returned master' },
    );
    for (const r of c) assert.equal(r.sendStatus, 'SEND_OK');
    await eventually(() => bodies('c').size === 20, { timeoutMs: 30_000, message: 'C consumed' });
    // Offsets go to the master again, and reach the end (A + B + C).
    await eventually(async () => (await committed(rc, master.addr)) === 240, {
      timeoutMs: 30_000,
      message: 'offsets committed on the returned master',
    });

    // With the slave gone, D can only come from the master: the consumer pulls from it.
    await kill9(slave);
    // The master notices first (else a SYNC send waits slaveTimeout, as long as the client's timeout).
    await eventually(async () => Number((await runtimeInfo(admin, master.addr)).haConnectionNums) === 0, {
      message: 'master saw the slave go',
    });
    const d = await sendAll('d', 10);
    for (const r of d) assert.ok(['SEND_OK', 'SLAVE_NOT_AVAILABLE'].includes(r.sendStatus), r.sendStatus);
    await eventually(() => bodies('d').size === 10, { timeoutMs: 30_000, message: 'D consumed from the master' });

    // #1094: re-consumption bounded by what was consumed during the outage (B); A never again.
    const seen = new Map<string, number>();
    for (const g of consumer.got) seen.set(g.body, (seen.get(g.body) ?? 0) + 1);
    const again = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
    assert.ok(!again.some((k) => k.startsWith('a-')), `A consumed twice: ${again.join(',')}`);
    assert.ok(again.length <= 200, `re-consumed ${again.length}`);
  });
});
