import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequest, type RemotingCommand } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';

// `mqbroker` (dist/src/main.js) as a child process on port 0; the boot line tells the address.

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'main.js');

export interface BrokerProcess {
  proc: ChildProcess;
  addr: string;
  client: RemotingClient;
  invoke(cmd: RemotingCommand, timeoutMs?: number): Promise<RemotingCommand>;
  request(code: number, ext?: Record<string, string>, body?: Buffer): Promise<RemotingCommand>;
  /** SIGTERM and wait; resolves the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill9(): Promise<void>;
}

export async function spawnBroker(dir: string, conf: Record<string, string | number> = {}): Promise<BrokerProcess> {
  const confPath = join(dir, 'broker.conf');
  const lines = {
    brokerClusterName: 'DefaultCluster',
    brokerName: 'broker-a',
    listenPort: 0,
    listenHost: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    storePathRootDir: join(dir, 'store'),
    mappedFileSizeCommitLog: 16 * 1024 * 1024,
    mappedFileSizeConsumeQueue: 6000 * 20,
    ...conf,
  };
  await writeFile(
    confPath,
    Object.entries(lines)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  const proc = spawn(process.execPath, ['--enable-source-maps', MAIN, '-c', confPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROCKETMQ_LOG_LEVEL: 'warn', NAMESRV_ADDR: '' },
  });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const addr = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`broker did not boot in 15 s: ${stderr}`)), 15_000);
    proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /The broker\[[^,]+, ([\d.]+:\d+)\] boot success/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code} before booting: ${stderr}`));
    });
  });
  const client = new RemotingClient({ requestTimeoutMs: 10_000 });
  return {
    proc,
    addr,
    client,
    invoke: (cmd, timeoutMs) => client.invoke(addr, cmd, timeoutMs),
    request: (code, ext = {}, body) => client.invoke(addr, createRequest(code, { ...ext }, body)),
    async stop() {
      await client.close();
      proc.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      await client.close();
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
