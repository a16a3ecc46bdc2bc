// Shared set-up for the ha-* tests: a NameServer, masters and slaves as separate processes
// (`mqnamesrv`, `mqbroker`) on port 0 in temp dirs, and helpers to read their CommitLogs.
// Not a test file.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MQAdmin } from '@rocketmq-ts/client';
import { eventually } from '@rocketmq-ts/testkit';

const BIN = (name: string) => fileURLToPath(new URL(`../../../packages/distribution/bin/${name}.js`, import.meta.url));

export interface Proc {
  child: ChildProcess;
  /** `ip:port` printed at boot. */
  addr: string;
  out: () => string;
  exited: Promise<number | null>;
}

function spawnUntil(bin: string, args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  const child = spawn(process.execPath, [BIN(bin), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROCKETMQ_LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<Proc>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) resolve({ child, addr: m[1]!, out: () => out, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    void exited.then((code) => reject(new Error(`${bin} exited with ${code} before booting: ${out}`)));
  });
}

export async function spawnNamesrv(dir: string): Promise<Proc> {
  const conf = join(dir, 'namesrv.conf');
  await writeFile(conf, 'listenPort=0\nbindAddress=127.0.0.1\n');
  return spawnUntil('mqnamesrv', ['-c', conf], /boot success.*address (\S+:\d+)/);
}

export type BrokerProps = Record<string, string | number | boolean>;

/** `mqbroker` on port 0 with its store in `dir`; resolves at "boot success". */
export async function spawnBroker(dir: string, props: BrokerProps): Promise<Proc> {
  await mkdir(dir, { recursive: true });
  const conf = join(dir, 'broker.conf');
  const lines: BrokerProps = {
    brokerClusterName: 'HaCluster',
    listenPort: 0,
    haListenPort: 0,
    listenHost: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    storePathRootDir: join(dir, 'store'),
    mappedFileSizeCommitLog: 4 * 1024 * 1024,
    haReconnectInterval: 500,
    ...props,
  };
  await writeFile(
    conf,
    Object.entries(lines)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  return spawnUntil('mqbroker', ['-c', conf], /The broker\[[^,]+, (\S+:\d+)\] boot success/);
}

export async function kill9(p: Proc): Promise<void> {
  p.child.kill('SIGKILL');
  await p.exited;
}

export async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  await p.exited;
}

/** The whole CommitLog of a store directory, segments concatenated from its first offset. */
export async function readCommitLog(storeDir: string): Promise<{ start: number; bytes: Buffer }> {
  const dir = join(storeDir, 'commitlog');
  const names = (await readdir(dir)).filter((n) => /^\d{20}$/.test(n)).sort();
  const parts = await Promise.all(names.map((n) => readFile(join(dir, n))));
  return { start: names[0] ? Number(names[0]) : 0, bytes: Buffer.concat(parts) };
}

/** Runtime info (brokerStatus) of one broker. */
export async function runtimeInfo(admin: MQAdmin, addr: string): Promise<Record<string, string>> {
  return admin.brokerRuntimeStats(addr);
}

/** Waits until the slave reports (and the master has) `offset` or more. */
export async function waitReplicated(
  admin: MQAdmin,
  slaveAddr: string,
  offset: number,
  timeoutMs = 20_000,
): Promise<void> {
  await eventually(async () => Number((await runtimeInfo(admin, slaveAddr)).commitLogMaxOffset) >= offset, {
    timeoutMs,
    message: `slave at ${slaveAddr} reaches ${offset}`,
  });
}
