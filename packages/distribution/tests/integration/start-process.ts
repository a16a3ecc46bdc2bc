import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, tempDir } from '@rocketmq-ts/testkit';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'rocketmq-ts.js');

/** A `rocketmq-ts start` process on port 0 in a fresh temp dir, as users run it. */
export interface StartedProcess {
  proc: ChildProcess;
  namesrv: string;
  broker: string;
  /** What the process says its start-up took. */
  readyMs: number;
  /** From spawn to the boot line (includes node start-up). */
  wallMs: number;
  /** stderr so far (for failure messages). */
  stderr(): string;
  /** SIGKILLs the process if still running and removes its directory. */
  kill(): Promise<void>;
}

export async function startRocketmqTs(extraArgs: readonly string[] = []): Promise<StartedProcess> {
  const dir = await tempDir('rocketmq-ts-start-');
  const t0 = Date.now();
  const proc = spawn(
    process.execPath,
    [
      BIN,
      'start',
      '--data-dir',
      dir.path,
      '--namesrv-port',
      '0',
      '--broker-port',
      '0',
      '--host',
      '127.0.0.1',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => {
    err += c;
  });
  await eventually(() => /ready in/.test(out), { timeoutMs: 15_000, message: 'boot line' });
  const wallMs = Date.now() - t0;
  const m =
    /ready in (\d+) ms: NameServer \S+ \(clients: ([\d.:]+)\), broker broker-a of DefaultCluster at ([\d.:]+)/.exec(
      out,
    );
  assert.ok(m, out);
  return {
    proc,
    namesrv: m[2]!,
    broker: m[3]!,
    readyMs: Number(m[1]),
    wallMs,
    stderr: () => err,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await new Promise((r) => proc.once('exit', r));
      }
      await dir.cleanup();
    },
  };
}
