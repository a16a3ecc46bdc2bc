import { type ChildProcess, spawn } from 'node:child_process';
import { eventually } from '@rocketmq-ts/testkit';

// A child process whose stdout is read as JSON lines; tests wait on what it has emitted.

export interface ChildHandle {
  proc: ChildProcess;
  events: Array<Record<string, unknown>>;
  stderr: string[];
  /** Waits until `pred` holds over the events so far (polling, deadline-bounded). */
  until(pred: (events: Array<Record<string, unknown>>) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  stop(): Promise<void>;
}

export function spawnJsonLines(script: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildHandle {
  const proc = spawn(process.execPath, [script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const events: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  let buf = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line === '') continue;
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        stderr.push(`(stdout) ${line}`);
      }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(chunk);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    events,
    stderr,
    async until(pred, timeoutMs = 20_000, what = 'child events') {
      try {
        await eventually(() => pred(events), { timeoutMs, intervalMs: 50, message: what });
      } catch (e) {
        throw new Error(
          `${(e as Error).message}\nevents: ${JSON.stringify(events)}\nstderr: ${stderr.join('').slice(-2000)}`,
        );
      }
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.stdin!.end();
        const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
