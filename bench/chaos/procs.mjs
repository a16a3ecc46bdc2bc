// Server processes for the chaos harness: spawned from the built bins, output kept in a log file
// per process (appended across restarts), and the signals the fault injectors send.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A port free on every one of `hosts` a moment ago (loopback aliases included). */
export async function freePort(hosts = ['127.0.0.1']) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await bindable(hosts[0], 0);
    let ok = port > 0;
    for (const h of hosts.slice(1)) if (ok) ok = (await bindable(h, port)) === port;
    if (ok) return port;
  }
  throw new Error(`no free port on ${hosts.join(', ')}`);
}

function bindable(host, port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(-1));
    srv.listen(port, host, () => {
      const p = srv.address().port;
      srv.close(() => resolve(p));
    });
  });
}

/**
 * One server process that can be killed, stopped, continued and restarted with the same
 * arguments. `ready` is a pattern of its output that means "booted".
 */
export class Proc {
  /**
   * @param {{ name: string, bin: string, args: string[], ready: RegExp, logDir: string, env?: object }} o
   */
  constructor(o) {
    this.o = o;
    this.name = o.name;
    this.child = undefined;
    this.stopped = false;
    this.log = createWriteStream(join(o.logDir, `${o.name}.log`), { flags: 'a' });
  }

  get alive() {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and resolves with the match of `ready` (rejects if it exits first or after timeoutMs). */
  start(timeoutMs = 60_000) {
    const { bin, args, ready, env } = this.o;
    const child = spawn(process.execPath, ['--enable-source-maps', bin, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // HOME: files a server writes under ~ by default (controller config) stay in the run dir.
      env: {
        ...process.env,
        ROCKETMQ_LOG_LEVEL: process.env.ROCKETMQ_LOG_LEVEL ?? 'warn',
        HOME: this.o.logDir,
        ...env,
      },
    });
    this.child = child;
    this.stopped = false;
    this.log.write(`--- start ${new Date().toISOString()} pid ${child.pid}\n`);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    let out = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name} not ready in ${timeoutMs} ms:\n${out}`)),
        timeoutMs,
      );
      const onData = (d) => {
        this.log.write(d);
        if (out === undefined) return;
        out += d;
        const m = ready.exec(out);
        if (m) {
          out = undefined;
          clearTimeout(timer);
          resolve(m);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void this.exited.then((code) => {
        this.log.write(`--- exit ${code} ${new Date().toISOString()}\n`);
        if (out !== undefined) {
          clearTimeout(timer);
          reject(new Error(`${this.name} exited (${code}) before it was ready:\n${out}`));
        }
      });
    });
  }

  async kill9() {
    if (!this.alive) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  sigstop() {
    if (!this.alive) return;
    this.child.kill('SIGSTOP');
    this.stopped = true;
  }

  sigcont() {
    if (!this.alive) return;
    this.child.kill('SIGCONT');
    this.stopped = false;
  }

  /** SIGTERM (after SIGCONT if stopped), SIGKILL if it has not exited within graceMs. */
  async terminate(graceMs = 10_000) {
    if (!this.alive) return;
    if (this.stopped) this.sigcont();
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }

  close() {
    return new Promise((resolve) => this.log.end(resolve));
  }
}
