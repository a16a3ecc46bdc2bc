// A `rocketmq-ts start` process (NameServer + broker) for the hostile-client harness: its own
// process, so a crash is seen as an exit and its RSS can be read from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A port a hostile client can be pointed at. `kind` says which requests make sense there:
 * RocketMQ remoting (namesrv, broker, controller), the HA byte protocol (ha), gRPC over
 * HTTP/2 (grpc, the proxy) or HTTP/1.1 (http, the dashboard).
 */
export interface Target {
  /** e.g. `namesrv`, `broker`, `broker-fast`, `ha`, `proxy`, `dashboard`, `controller`. */
  name: string;
  kind: 'namesrv' | 'broker' | 'controller' | 'ha' | 'grpc' | 'http';
  host: string;
  port: number;
}

export interface ServerProcess {
  pid: number;
  namesrvAddr: string;
  brokerAddr: string;
  /** Every listening port of the process, in the order abuse runs against them. */
  targets: Target[];
  /** Resident set size now, in MiB (from /proc/<pid>/status). */
  rssMiB(): Promise<number>;
  /** Exit code or signal once the process has exited, else undefined. */
  exited(): string | undefined;
  /** Everything the process wrote to stderr (crash traces end up here). */
  stderr(): string;
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  /** broker.conf keys to set. */
  brokerConfig?: Record<string, string | number | boolean>;
  /** Bind the broker at a port P with P-2 free, so the fast (VIP) port runs too. Default true. */
  fastPort?: boolean;
  /** Extra node flags for the server, e.g. `--max-old-space-size=512`. */
  nodeArgs?: string[];
  /** Default 20 s. */
  startTimeoutMs?: number;
  /** The `rocketmq-ts` bin to run (default: this checkout's); another checkout's for comparisons. */
  bin?: string;
  /** Also run an `mqcontroller` process (its remoting port becomes the `controller` target). Default true. */
  controller?: boolean;
  /**
   * Run in this directory and leave it in place at stop() (the caller removes it), so that a
   * second server can start on the first one's files. Default: a fresh temporary directory,
   * removed at stop().
   */
  dir?: string;
}

// From e2e/dist/tests/hostile/ to the repository root.
const BIN = fileURLToPath(new URL('../../../../packages/distribution/bin/rocketmq-ts.js', import.meta.url));
const MQCONTROLLER = fileURLToPath(new URL('../../../../packages/controller/dist/src/main.js', import.meta.url));

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen({ port, host: '127.0.0.1' }, () => {
      const a = s.address();
      const p = typeof a === 'object' && a !== null ? a.port : undefined;
      s.close(() => resolve(p));
    });
  });
}

/** A free port P > 1024 whose P-2 is free too (the fast port); racy but retried by the caller. */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await tryListen(0);
    if (p !== undefined && p > 1026 && (await tryListen(p - 2)) !== undefined) return p;
  }
  throw new Error('no free port pair for the broker and its fast port');
}

export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  // The fast port P-2 is checked free before the start, but another process on a busy machine
  // may take it in between (the broker then runs without it): start again, a few times.
  // Ports are chosen free before the spawn, so a parallel test may take one in between
  // (EADDRINUSE at start): that start is retried too.
  for (let attempt = 1; ; attempt++) {
    let server: ServerProcess;
    try {
      server = await startOnce(options);
    } catch (err) {
      if (attempt < 3 && String(err).includes('EADDRINUSE')) continue;
      throw err;
    }
    const wanted = options.fastPort ?? true;
    if (!wanted || server.targets.some((t) => t.name === 'broker-fast') || attempt === 3) return server;
    await server.stop();
  }
}

async function startOnce(options: ServerProcessOptions): Promise<ServerProcess> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'rmq-hostile-')));
  const removeDir = (): Promise<void> =>
    options.dir === undefined ? rm(dir, { recursive: true, force: true }) : Promise.resolve();
  const conf = join(dir, 'broker.conf');
  const lines = Object.entries(options.brokerConfig ?? {}).map(([k, v]) => `${k}=${v}`);
  await writeFile(conf, `${lines.join('\n')}\n`);
  const fast = options.fastPort ?? true;
  const brokerPort = fast ? await freePortPair() : 0;
  const args = [
    '--single-threaded-gc',
    ...(options.nodeArgs ?? []),
    options.bin ?? BIN,
    'start',
    '--data-dir',
    join(dir, 'data'),
    '--namesrv-port',
    '0',
    '--broker-port',
    String(brokerPort),
    '--host',
    '127.0.0.1',
    // The side servers on free ports (fixed 8081/8082/5557 would collide with parallel tests).
    '--proxy-port',
    '0',
    '--dashboard-port',
    '0',
    '--metrics-port',
    '0',
    '-c',
    conf,
    '--log-level',
    'error',
  ];
  const proc: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exit: string | undefined;
  proc.stdout?.setEncoding('utf8').on('data', (c: string) => {
    if (out.length < 65536) out += c;
  });
  proc.stderr?.setEncoding('utf8').on('data', (c: string) => {
    if (err.length < 1 << 20) err += c;
  });
  const exitedPromise = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      exit = signal ?? String(code);
      resolve();
    }),
  );
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  const ready = /NameServer [\d.]+:(\d+) .*?, broker \S+ of \S+ at ([\d.]+):(\d+),/;
  for (;;) {
    if (ready.test(out)) break;
    if (exit !== undefined || Date.now() > deadline) {
      proc.kill('SIGKILL');
      await removeDir();
      throw new Error(`server did not start (exit ${exit}): ${err.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const m = ready.exec(out)!;
  const namesrvPort = Number(m[1]);
  const host = m[2]!;
  const port = Number(m[3]);
  const targets: Target[] = [
    { name: 'namesrv', kind: 'namesrv', host: '127.0.0.1', port: namesrvPort },
    { name: 'broker', kind: 'broker', host, port },
  ];
  if (fast && (await tryListen(port - 2)) === undefined) {
    targets.push({ name: 'broker-fast', kind: 'broker', host, port: port - 2 });
  }
  // A master listens for slaves on haListenPort = listenPort + 1 (not in the ready line).
  if (brokerPort > 0 && (await tryListen(port + 1)) === undefined) {
    targets.push({ name: 'ha', kind: 'ha', host, port: port + 1 });
  }
  const proxy = /gRPC proxy \(Local mode\) at [\d.]+:(\d+)/.exec(out);
  if (proxy) targets.push({ name: 'proxy', kind: 'grpc', host: '127.0.0.1', port: Number(proxy[1]) });
  const dashboard = /dashboard http:\/\/[\d.]+:(\d+)/.exec(out);
  if (dashboard) targets.push({ name: 'dashboard', kind: 'http', host: '127.0.0.1', port: Number(dashboard[1]) });
  const controller: { proc: ChildProcess; port: number } | Error | undefined =
    options.controller === false
      ? undefined
      : await startController(dir).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  if (controller instanceof Error) {
    err += `controller did not start: ${controller.message}\n`;
  } else if (controller !== undefined) {
    targets.push({ name: 'controller', kind: 'controller', host: '127.0.0.1', port: controller.port });
    controller.proc.once('exit', (code: number | null, signal: string | null) => {
      exit ??= `controller ${signal ?? String(code)}`;
    });
  }
  const pid = proc.pid!;
  let stopping: Promise<void> | undefined;
  return {
    pid,
    namesrvAddr: `127.0.0.1:${namesrvPort}`,
    brokerAddr: `${host}:${port}`,
    targets,
    async rssMiB() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
      return kb / 1024;
    },
    exited: () => exit,
    stderr: () => err,
    stop() {
      stopping ??= (async () => {
        if (controller && !(controller instanceof Error)) controller.proc.kill('SIGKILL');
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGTERM');
          const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
          await exitedPromise;
          clearTimeout(t);
        }
        await removeDir();
      })();
      return stopping;
    },
  };
}

/** An `mqcontroller` (local event log) on a free port, for the controller target. */
async function startController(dir: string): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const conf = join(dir, 'controller.conf');
  await writeFile(
    conf,
    `controllerDLegerPeers=n0-127.0.0.1:${port}\ncontrollerBindAddress=127.0.0.1\ncontrollerStorePath=${join(dir, 'ctl')}\n`,
  );
  const proc = spawn(process.execPath, [MQCONTROLLER, '-c', conf], {
    env: { ...process.env, HOME: dir },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error('no boot line in 20 s')), 20_000);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (/boot success/.test(out)) {
        clearTimeout(t);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`exited ${code}: ${out}`));
    });
  });
  return { proc, port };
}

async function freePort(): Promise<number> {
  const p = await tryListen(0);
  if (p === undefined) throw new Error('no free port');
  return p;
}
