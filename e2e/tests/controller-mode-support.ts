// A controller-mode broker group as real processes: `mqnamesrv` with the embedded controller and
// 2–3 `mqbroker` processes with enableControllerMode (docs/controller.md, "Starting a
// controller-mode group"), on port 0 in temp dirs. Shared by e2e/tests/controller-failover.test.ts
// and bench/controller/failover-trials.mjs. Not a test file.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MQAdmin } from '@rocketmq-ts/client';
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
}

export interface TrialDeps {
  admin: MQAdmin;
  members: Member[];
  /** Sends one message; resolves with its ack, or undefined if it was not SEND_OK. */
  send: (body: string) => Promise<{ msgId: string; offsetMsgId: string } | undefined>;
  workers?: number;
  before?: number;
  after?: number;
  /** kill: kill -9 then restart; stop: SIGSTOP until another member acknowledges, then SIGCONT. */
  fault?: 'kill' | 'stop';
  /** Decodes the record at `pos` of a CommitLog image and returns its UNIQ_KEY. */
  uniqKeyAt: (log: Buffer, pos: number) => string | undefined;
}

/**
 * One failover trial on a settled group: load, kill -9 of the master, time until a SEND_OK comes
 * from another member, more load, restart of the old master (it must come back as a slave and
 * catch up), then every acknowledged message must be in the new master's log at its offset and
 * the two logs must be byte-identical.
 */
export async function failoverTrial(d: TrialDeps): Promise<TrialResult> {
  const { admin, members } = d;
  const master = await waitSettled(admin, members);
  const acked: Ack[] = [];
  let stopLoad = false;
  let seq = 0;
  const loops = Array.from({ length: d.workers ?? 6 }, async () => {
    while (!stopLoad) {
      const n = seq++;
      const r = await d.send(`m${n}-${'x'.repeat(100 + ((n * 37) % 600))}`).catch(() => undefined);
      if (r) acked.push({ msgId: r.msgId, ...parseOffsetMsgId(r.offsetMsgId), at: Date.now() });
      else await new Promise((res) => setTimeout(res, 20));
    }
  });
  try {
    await eventually(() => acked.length >= (d.before ?? 200), { timeoutMs: 30_000, message: 'acks before the kill' });
    const oldAddr = master.addr;
    const killedAt = Date.now();
    const stopped = master.proc!;
    if (d.fault === 'stop') stopped.child.kill('SIGSTOP');
    else await kill9(master);
    const first = await eventually(() => acked.find((a) => a.at >= killedAt && a.host !== oldAddr), {
      timeoutMs: 40_000,
      intervalMs: 5,
      message: 'a SEND_OK from the new master',
    });
    const failoverMs = first.at - killedAt;
    if (d.fault === 'stop') stopped.child.kill('SIGCONT');
    const ackedBefore = acked.filter((a) => a.host === oldAddr).length;
    const target = acked.length + (d.after ?? 100);
    await eventually(() => acked.length >= target, { timeoutMs: 30_000, message: 'acks after the failover' });
    stopLoad = true;
    await Promise.all(loops);
    const newMaster = (await findMaster(admin, members))!;

    if (d.fault !== 'stop') await restartMember(master);
    await waitSettled(admin, members);
    const newMax = Number((await info(admin, newMaster)).commitLogMaxOffset);
    await eventually(async () => Number((await info(admin, master)).commitLogMaxOffset) === newMax, {
      timeoutMs: 20_000,
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
    const cut = /"from":(\d+),"to":(\d+)[^\n]*truncating the divergent tail/.exec(master.proc!.out());
    return {
      failoverMs,
      ackedBefore,
      ackedAfter: acked.length - ackedBefore,
      oldMaster: oldAddr,
      newMaster: newMaster.addr,
      truncatedBytes: cut ? Number(cut[1]) - Number(cut[2]) : 0,
      lost,
    };
  } finally {
    stopLoad = true;
    await Promise.all(loops);
  }
}
