// A controller-mode broker group as real processes: `mqnamesrv` with the embedded controller and
// 2–3 `mqbroker` processes with enableControllerMode (docs/controller.md, "Starting a
// controller-mode group"), on port 0 in temp dirs. Shared by e2e/tests/controller-failover.test.ts
// and bench/controller/failover-trials.mjs. Not a test file.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MQAdmin } from '@rocketmq-ts/client';
import {
  createRequest,
  decodeStoredRecords,
  encodeProperties,
  PullMessageRequestHeader,
  PullSysFlag,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import type { RemotingClient } from '@rocketmq-ts/remoting';
import { eventually } from '@rocketmq-ts/testkit';
import { readCommitLog } from './ha-support.js';

const BIN = (name: string) => fileURLToPath(new URL(`../../../packages/distribution/bin/${name}.js`, import.meta.url));

export interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
  match: RegExpExecArray;
}

function spawnUntil(bin: string, args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  const child = spawn(process.execPath, [BIN(bin), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROCKETMQ_LOG_LEVEL: process.env.ROCKETMQ_LOG_LEVEL ?? 'warn', ...env },
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<Proc>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > 2_000_000) out = out.slice(-1_000_000);
      const m = pattern.exec(out);
      if (m) resolve({ child, out: () => out, exited, match: m });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`${bin} exited with ${code} before booting: ${out}`)));
  });
}

export interface NamesrvWithController {
  proc: Proc;
  namesrvAddr: string;
  controllerAddr: string;
}

/** `mqnamesrv` with enableControllerInNamesrv; the controller scans every `scanMs`. */
export async function spawnNamesrvWithController(dir: string, scanMs = 500): Promise<NamesrvWithController> {
  await mkdir(dir, { recursive: true });
  const conf = join(dir, 'namesrv.properties');
  await writeFile(
    conf,
    [
      'listenPort=0',
      'bindAddress=127.0.0.1',
      'enableControllerInNamesrv=true',
      'controllerDLegerGroup=group1',
      'controllerDLegerPeers=n0-127.0.0.1:0',
      'controllerDLegerSelfId=n0',
      'controllerBindAddress=127.0.0.1',
      `controllerStorePath=${join(dir, 'controller')}`,
      `scanNotActiveBrokerInterval=${scanMs}`,
      `scanInactiveMasterInterval=${scanMs}`,
    ].join('\n'),
  );
  const proc = await spawnUntil('mqnamesrv', ['-c', conf], /Controller boot success\. address (\S+:\d+)/, {
    HOME: dir,
  });
  const ns = /Name Server boot success.*address (\S+:\d+)/.exec(proc.out());
  return { proc, namesrvAddr: ns![1]!, controllerAddr: proc.match[1]! };
}

export type Props = Record<string, string | number | boolean>;

export interface Member {
  name: string;
  dir: string;
  conf: string;
  proc: Proc | undefined;
  addr: string;
}

/** Writes a controller-mode broker.conf (fast timers) and starts `mqbroker`. */
export async function spawnMember(dir: string, name: string, props: Props): Promise<Member> {
  await mkdir(dir, { recursive: true });
  const conf = join(dir, 'broker.conf');
  const lines: Props = {
    brokerClusterName: 'CtlCluster',
    brokerName: 'broker-a',
    brokerId: -1,
    brokerRole: 'SLAVE',
    listenPort: 0,
    haListenPort: 0,
    listenHost: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    storePathRootDir: join(dir, 'store'),
    mappedFileSizeCommitLog: 4 * 1024 * 1024,
    enableControllerMode: true,
    allAckInSyncStateSet: true,
    controllerHeartBeatTimeoutMills: 3000,
    brokerHeartbeatInterval: 300,
    syncBrokerMetadataPeriod: 500,
    checkSyncStateSetPeriod: 500,
    haMaxTimeSlaveNotCatchup: 3000,
    haSendHeartbeatInterval: 1000,
    haHousekeepingInterval: 6000,
    haReconnectInterval: 300,
    slaveSyncInterval: 1000,
    registerNameServerPeriod: 2000,
    ...props,
  };
  await writeFile(
    conf,
    Object.entries(lines)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  const m: Member = { name, dir, conf, proc: undefined, addr: '' };
  await restartMember(m);
  return m;
}

export async function restartMember(m: Member): Promise<void> {
  m.proc = await spawnUntil('mqbroker', ['-c', m.conf], /The broker\[[^,]+, (\S+:\d+)\] boot success/);
  m.addr = m.proc.match[1]!;
}

export async function kill9(m: Member): Promise<void> {
  const p = m.proc;
  m.proc = undefined;
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGKILL');
  await p.exited;
}

export async function stopProc(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  await p.exited;
  clearTimeout(t);
}

/** One SEND_MESSAGE_V2 of `body` to queue 0 of `topic`, answered as the broker answers it (no client retry). */
export function rawSend(
  client: RemotingClient,
  addr: string,
  topic: string,
  producerGroup: string,
  body: string,
  timeoutMs?: number,
): Promise<RemotingCommand> {
  const header = SendMessageRequestHeaderV2.encode({
    producerGroup,
    topic,
    defaultTopic: 'TBW102',
    defaultTopicQueueNums: 1,
    queueId: 0,
    sysFlag: 0,
    bornTimestamp: Date.now(),
    flag: 0,
    properties: encodeProperties({}),
    reconsumeTimes: 0,
  });
  return client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE_V2, header, Buffer.from(body)), timeoutMs);
}

/** One PULL_MESSAGE of up to 32 messages of queue 0 of `topic` from `offset`, not held. */
export function rawPull(
  client: RemotingClient,
  addr: string,
  topic: string,
  consumerGroup: string,
  offset: number,
): Promise<RemotingCommand> {
  const header = PullMessageRequestHeader.encode({
    consumerGroup,
    topic,
    queueId: 0,
    queueOffset: offset,
    maxMsgNums: 32,
    sysFlag: PullSysFlag.SUBSCRIPTION,
    commitOffset: 0,
    suspendTimeoutMillis: 0,
    subscription: '*',
    subVersion: 0,
    expressionType: 'TAG',
  });
  return client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE, header));
}

/** The bodies a pull answered (none unless it found messages). */
export function pulledBodies(r: RemotingCommand): string[] {
  return r.code === ResponseCode.SUCCESS && r.body ? decodeStoredRecords(r.body).map((m) => m.body.toString()) : [];
}

export async function info(admin: MQAdmin, m: Member): Promise<Record<string, string>> {
  return admin.brokerRuntimeStats(m.addr);
}

/** The live member that reports itself master. */
export async function findMaster(admin: MQAdmin, members: Member[]): Promise<Member | undefined> {
  for (const m of members) {
    if (!m.proc) continue;
    const i = await info(admin, m).catch(() => undefined);
    if (i?.brokerRole === 'SYNC_MASTER') return m;
  }
  return undefined;
}

/** Waits until one live member is master with every live member in its SyncStateSet and caught up. */
export async function waitSettled(admin: MQAdmin, members: Member[], timeoutMs = 30_000): Promise<Member> {
  let master: Member | undefined;
  await eventually(
    async () => {
      master = await findMaster(admin, members);
      if (!master) return false;
      const mi = await info(admin, master);
      const live = members.filter((m) => m.proc);
      const set = (mi.syncStateSet ?? '').split(',').filter(Boolean);
      if (set.length !== live.length) return false;
      for (const m of live) {
        if (m === master) continue;
        const si = await info(admin, m);
        if (si.brokerRole !== 'SLAVE' || si.haClientState !== 'TRANSFER') return false;
      }
      return true;
    },
    { timeoutMs, intervalMs: 200, message: 'a master with every live member in its SyncStateSet' },
  );
  return master!;
}

/** Physical offset and store host inside an offset msgId (ip 8 hex, port 8 hex, offset 16 hex). */
export function parseOffsetMsgId(id: string): { host: string; phy: number } {
  const ip = [0, 2, 4, 6].map((i) => Number.parseInt(id.slice(i, i + 2), 16)).join('.');
  const port = Number.parseInt(id.slice(8, 16), 16);
  return { host: `${ip}:${port}`, phy: Number.parseInt(id.slice(16, 32), 16) };
}

export interface Ack {
  msgId: string;
  host: string;
  phy: number;
  at: number;
}

/** One send of a trial's load, in the chaos checker's history shape (bench/chaos/checker.mjs). */
export interface SendRecord {
  t: 'send';
  id: string;
  start: number;
  end: number;
  status: string;
  brokerName?: string;
  queueId?: number;
  queueOffset?: number;
  storeHost?: string;
}

/** What a trial's `send` resolves with (the SDK's SendResult fits); undefined when not stored. */
export interface TrialSendResult {
  msgId: string;
  offsetMsgId: string;
  sendStatus?: string;
  queueOffset?: number;
  messageQueue?: { brokerName: string; queueId: number };
}

/** When each step of a failover happened, in ms after the fault (undefined: not seen). */
export interface FailoverTimeline {
  /** Another member reports itself master. */
  roleMs?: number;
  /** The NameServer's route for the topic names another master address. */
  routeMs?: number;
  /** The first SEND_OK stored by another member reached the producer. */
  firstAckMs: number;
}

export interface TrialResult {
  /** Kill of the master → first SEND_OK stored by another member (ms). */
  failoverMs: number;
  ackedBefore: number;
  ackedAfter: number;
  oldMaster: string;
  newMaster: string;
  /** Bytes the old master cut from its log when it came back (never acknowledged). */
  truncatedBytes: number;
  /** Acknowledged messages missing from the new master's log (must be 0). */
  lost: string[];
  /** Every send of the trial's load (for the chaos checker's split-brain and offset checks). */
  sends: SendRecord[];
  /** With `probeTopic`: when the new master and its route appeared. */
  timeline?: FailoverTimeline;
}

export interface TrialDeps {
  admin: MQAdmin;
  members: Member[];
  /** Sends one message; resolves with its result, or undefined if it was not stored. */
  send: (body: string) => Promise<TrialSendResult | undefined>;
  workers?: number;
  before?: number;
  after?: number;
  /** kill: kill -9 then restart; stop: SIGSTOP until another member acknowledges, then SIGCONT. */
  fault?: 'kill' | 'stop';
  /** Decodes the record at `pos` of a CommitLog image and returns its UNIQ_KEY. */
  uniqKeyAt: (log: Buffer, pos: number) => string | undefined;
  /** Deadline of each wait of the trial (settling, load, failover, catch-up); generous by default. */
  stepTimeoutMs?: number;
  /** Polls roles and this topic's route during the failover to time its steps. */
  probeTopic?: string;
}

/**
 * One failover trial on a settled group: load, kill -9 (or SIGSTOP) of the master, time until a
 * SEND_OK comes from another member, more load, restart (or SIGCONT) of the old master (it must
 * come back as a slave and catch up), then every acknowledged message must be in the new master's
 * log at its offset and the two logs must be byte-identical. Only the old master is restarted:
 * the NameServer, the controller and the other members live on across trials.
 */
export async function failoverTrial(d: TrialDeps): Promise<TrialResult> {
  const { admin, members } = d;
  const step = d.stepTimeoutMs ?? 60_000;
  const master = await waitSettled(admin, members, step);
  const acked: Ack[] = [];
  const sends: SendRecord[] = [];
  let stopLoad = false;
  let seq = 0;
  const loops = Array.from({ length: d.workers ?? 6 }, async () => {
    while (!stopLoad) {
      const n = seq++;
      const start = Date.now();
      const r = await d.send(`m${n}-${'x'.repeat(100 + ((n * 37) % 600))}`).catch(() => undefined);
      const end = Date.now();
      const status = r ? (r.sendStatus ?? 'SEND_OK') : 'error';
      const rec: SendRecord = { t: 'send', id: r?.msgId ?? `unsent-${n}`, start, end, status };
      if (r) {
        const where = parseOffsetMsgId(r.offsetMsgId);
        rec.storeHost = where.host;
        if (r.messageQueue) {
          rec.brokerName = r.messageQueue.brokerName;
          rec.queueId = r.messageQueue.queueId;
        }
        if (r.queueOffset !== undefined) rec.queueOffset = r.queueOffset;
        if (status === 'SEND_OK') acked.push({ msgId: r.msgId, ...where, at: end });
      }
      sends.push(rec);
      if (status !== 'SEND_OK') await new Promise((res) => setTimeout(res, 20));
    }
  });
  try {
    await eventually(() => acked.length >= (d.before ?? 200), { timeoutMs: step, message: 'acks before the kill' });
    const oldAddr = master.addr;
    const killedAt = Date.now();
    const stopped = master.proc!;
    const outMark = stopped.out().length;
    if (d.fault === 'stop') stopped.child.kill('SIGSTOP');
    else await kill9(master);
    const probing = d.probeTopic ? probeFailover(admin, members, oldAddr, d.probeTopic, killedAt, step) : undefined;
    const first = await eventually(() => acked.find((a) => a.at >= killedAt && a.host !== oldAddr), {
      timeoutMs: step,
      intervalMs: 5,
      message: 'a SEND_OK from the new master',
    });
    const failoverMs = first.at - killedAt;
    if (d.fault === 'stop') stopped.child.kill('SIGCONT');
    const probed = await probing?.done(first.at - killedAt);
    const ackedBefore = acked.filter((a) => a.host === oldAddr).length;
    const target = acked.length + (d.after ?? 100);
    await eventually(() => acked.length >= target, { timeoutMs: step, message: 'acks after the failover' });
    stopLoad = true;
    await Promise.all(loops);
    const newMaster = members.find((m) => m.addr === first.host) ?? (await findMaster(admin, members))!;

    if (d.fault !== 'stop') await restartMember(master);
    await waitSettled(admin, members, step);
    const newMax = Number((await info(admin, newMaster)).commitLogMaxOffset);
    await eventually(async () => Number((await info(admin, master)).commitLogMaxOffset) === newMax, {
      timeoutMs: step,
      message: 'the old master caught up as a slave',
    });
    const nm = await readCommitLog(join(newMaster.dir, 'store'));
    const om = await readCommitLog(join(master.dir, 'store'));
    const lost: string[] = [];
    for (const a of acked) {
      if (a.phy < nm.start || d.uniqKeyAt(nm.bytes, a.phy - nm.start) !== a.msgId) lost.push(a.msgId);
    }
    const from = Math.max(nm.start, om.start);
    const same = nm.bytes
      .subarray(from - nm.start, newMax - nm.start)
      .equals(om.bytes.subarray(from - om.start, newMax - om.start));
    if (!same) throw new Error('the old master log differs from the new master log after catch-up');
    // The cut logged in this trial (a SIGSTOPped master keeps its process and output).
    const out = d.fault === 'stop' ? master.proc!.out().slice(outMark) : master.proc!.out();
    const cut = [...out.matchAll(/"from":(\d+),"to":(\d+)[^\n]*truncating the divergent tail/g)].at(-1);
    return {
      failoverMs,
      ackedBefore,
      ackedAfter: acked.length - ackedBefore,
      oldMaster: oldAddr,
      newMaster: newMaster.addr,
      truncatedBytes: cut ? Number(cut[1]) - Number(cut[2]) : 0,
      lost,
      sends,
      ...(probed ? { timeline: probed } : {}),
    };
  } finally {
    stopLoad = true;
    await Promise.all(loops);
  }
}

/** Polls every 25 ms for another member reporting master and for the topic's route naming it. */
function probeFailover(
  admin: MQAdmin,
  members: Member[],
  oldAddr: string,
  topic: string,
  since: number,
  timeoutMs: number,
): { done: (firstAckMs: number) => Promise<FailoverTimeline> } {
  let roleMs: number | undefined;
  let routeMs: number | undefined;
  let stop = false;
  const loop = (async () => {
    while (!stop && Date.now() - since < timeoutMs && (roleMs === undefined || routeMs === undefined)) {
      if (roleMs === undefined) {
        for (const m of members) {
          if (m.addr === oldAddr || !m.proc) continue;
          const i = await info(admin, m).catch(() => undefined);
          if (i?.brokerRole === 'SYNC_MASTER') roleMs ??= Date.now() - since;
        }
      }
      if (routeMs === undefined) {
        const r = await admin.topicRoute(topic).catch(() => undefined);
        const addr = r?.brokerDatas[0]?.brokerAddrs.get(0);
        if (addr && addr !== oldAddr) routeMs = Date.now() - since;
      }
      await new Promise((res) => setTimeout(res, 25));
    }
  })();
  return {
    done: async (firstAckMs) => {
      // Both steps precede the first acknowledgement; give the poller a moment to see them.
      await eventually(() => (roleMs !== undefined && routeMs !== undefined) || Date.now() - since > timeoutMs, {
        timeoutMs: 5000,
      }).catch(() => undefined);
      stop = true;
      await loop;
      return { roleMs, routeMs, firstAckMs };
    },
  };
}
