// Shared set-up for the client-*/cli-* tests: a NameServer and one broker started in this
// process by startLocalCluster on port 0 in a temp dir, plus small helpers. Not a test file.
import { spawn } from 'node:child_process';
import { MQAdmin } from '@rocketmq-ts/client';
import type { Logger } from '@rocketmq-ts/common';
import { createLogger } from '@rocketmq-ts/common/pino-logger';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { startLocalCluster } from 'rocketmq-ts';

export interface TestCluster {
  namesrvAddr: string;
  brokerAddr: string;
  clusterName: string;
  /** Port of the broker's Prometheus endpoint on 127.0.0.1 (0 when metrics are not PROM). */
  metricsPort: number;
  shutdown(): Promise<void>;
}

let seq = 0;
/** Unique names so tests sharing a cluster never see each other's topics or groups. */
export const unique = (prefix: string): string => `${prefix}_${process.pid}_${Date.now().toString(36)}_${++seq}`;

/** Every delay level 1 s, so retry and DLQ tests do not wait 10 s+ per redelivery. */
const FAST_DELAY_LEVELS = Array.from({ length: 18 }, () => '1s').join(' ');

export async function startCluster(brokerConfig: Record<string, string | number | boolean> = {}): Promise<TestCluster> {
  const dir = await tempDir('rmq-client-e2e-');
  const cluster = await startLocalCluster({
    dataDir: dir.path,
    namesrvPort: 0,
    brokerPort: 0,
    host: '127.0.0.1',
    brokerConfig: { messageDelayLevel: FAST_DELAY_LEVELS, ...brokerConfig },
  });
  return {
    namesrvAddr: cluster.namesrvAddr,
    brokerAddr: cluster.brokerAddr,
    clusterName: 'DefaultCluster',
    metricsPort: cluster.broker.metrics?.promPort ?? 0,
    async shutdown() {
      await cluster.shutdown();
      await dir.cleanup();
    },
  };
}

/** Creates a topic on the cluster and waits until the NameServer serves its route. */
export async function createTopic(cluster: TestCluster, topic: string, queues = 4): Promise<void> {
  const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
  try {
    await admin.createTopic({ topic, clusterName: cluster.clusterName, readQueueNums: queues, writeQueueNums: queues });
    await eventually(async () => (await admin.topicRoute(topic).catch(() => undefined))?.queueDatas.length === 1, {
      message: `route of ${topic}`,
    });
  } finally {
    await admin.close();
  }
}

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `node <path> …args` (a built bin or helper script); resolves its exit and output. */
export const runNode = (path: string, args: string[], opts: RunOptions = {}): Promise<ChildResult> =>
  runCommand(process.execPath, [path, ...args], opts);

export interface RunOptions {
  timeoutMs?: number;
  /** Added to this process's environment, or the whole environment with `replaceEnv`. */
  env?: NodeJS.ProcessEnv;
  replaceEnv?: boolean;
  cwd?: string;
}

/** Runs `file …args`; resolves its exit and output. */
export function runCommand(
  file: string,
  args: string[],
  { timeoutMs = 30_000, env = {}, replaceEnv = false, cwd }: RunOptions = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const child = spawn(file, args, {
      cwd,
      env: replaceEnv ? env : { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${file} ${args.join(' ')} did not exit within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - start });
    });
  });
}

/** Runs a compiled helper script of this directory in a child process. */
export const runChild = (script: string, args: string[], timeoutMs = 30_000): Promise<ChildResult> =>
  runNode(new URL(script, import.meta.url).pathname, args, { timeoutMs });

/** Client logs on stderr when RMQ_E2E_LOG is set (to diagnose a failing run), else silent. */
export const testLogger = (name: string): Logger | undefined =>
  process.env.RMQ_E2E_LOG ? createLogger(name, 'debug') : undefined;
