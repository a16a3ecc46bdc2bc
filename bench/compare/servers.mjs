// Starting and stopping the servers under test: each on 127.0.0.1, on free ports, with a fresh data
// dir. Every process is started by us, and stopped only through the PID we started (or the PID
// file the server wrote for us), never by name.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** ROCKETMQ_TS_BIN=path/to/bin.js benchmarks another build of `rocketmq-ts start`. */
export const ROCKETMQ_BIN =
  process.env.ROCKETMQ_TS_BIN ?? path.join(REPO, 'packages', 'distribution', 'bin', 'rocketmq-ts.js');
const ROCKETMQ_DIST = path.join(REPO, 'packages', 'distribution', 'dist', 'src', 'rocketmq-ts.js');
const RABBIT_BIN = '/usr/lib/rabbitmq/bin';

const portFree = (port) =>
  new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

/** A free loopback port p whose neighbours p+d (for each d in `also`) are free too. */
export async function freePort(also = []) {
  for (let tries = 0; tries < 200; tries++) {
    const p = 20000 + Math.floor(Math.random() * 40000);
    let ok = await portFree(p);
    for (const d of also) ok = ok && (await portFree(p + d));
    if (ok) return p;
  }
  throw new Error('no free port found');
}

export async function waitPort(port, timeoutMs, isAlive = () => true) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = await new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    if (!isAlive()) throw new Error(`server exited before listening on ${port}`);
    if (Date.now() > deadline) throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

async function waitFor(cond, timeoutMs, isAlive) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (!isAlive()) throw new Error('server exited before it was ready');
    if (Date.now() > deadline) throw new Error(`server not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the PID is gone. */
export async function stopPid(pid, graceMs = 15_000) {
  if (!pid || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid)) {
    console.log(`  pid ${pid} did not exit after SIGTERM; SIGKILL`);
    process.kill(pid, 'SIGKILL');
    while (alive(pid)) await sleep(50);
  }
}

function startDetached(cmd, args, { logFile, env }) {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env }, detached: true });
  child.unref();
  child.on('error', () => {});
  return child;
}

const PEER_PACKAGES = { redis: 'redis-server', nats: 'nats-server', rabbitmq: 'rabbitmq-server' };
const PEER_BINARIES = { redis: 'redis-server', nats: 'nats-server', rabbitmq: `${RABBIT_BIN}/rabbitmq-server` };

const haveBinary = (bin) => (bin.startsWith('/') ? existsSync(bin) : spawnSync('which', [bin]).status === 0);

/**
 * Installs the peers' Debian packages that are missing. Returns the peers that are usable; a peer
 * whose install fails is reported and left out.
 */
export function ensurePeers(peers) {
  const missing = peers.filter((p) => !haveBinary(PEER_BINARIES[p]));
  if (missing.length > 0) {
    const pkgs = missing.map((p) => PEER_PACKAGES[p]);
    console.log(`# installing ${pkgs.join(' ')} from Debian's packages`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const apt = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 600_000 });
    apt(['update']);
    if (apt(['install', '-y', '--no-install-recommends', ...pkgs]).status !== 0) {
      for (const pkg of pkgs) apt(['install', '-y', '--no-install-recommends', pkg]);
    }
  }
  return peers.filter((p) => {
    if (haveBinary(PEER_BINARIES[p])) return true;
    console.log(`# SKIP ${p}: ${PEER_PACKAGES[p]} could not be installed (apt-get install failed)`);
    return false;
  });
}

/** Redis 7 with Streams persisted by the append-only file, fsync'd every second. */
async function startRedis(dir) {
  const port = await freePort();
  const child = startDetached(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--protected-mode',
      'yes',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
    ],
    { logFile: path.join(dir, 'server.log') },
  );
  await waitPort(port, 20_000, () => child.exitCode === null);
  return { pid: child.pid, options: { port }, stop: () => stopPid(child.pid) };
}

/** NATS with JetStream on the file store. */
async function startNats(dir) {
  const port = await freePort();
  const store = path.join(dir, 'jetstream');
  mkdirSync(store, { recursive: true });
  const child = startDetached('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], {
    logFile: path.join(dir, 'server.log'),
  });
  await waitPort(port, 20_000, () => child.exitCode === null);
  return { pid: child.pid, options: { port }, stop: () => stopPid(child.pid) };
}

/** RabbitMQ (a node of its own, with its own epmd) on loopback; the measured PID is beam.smp. */
async function startRabbit(dir) {
  const [port, epmdPort, distPort] = [await freePort(), await freePort(), await freePort()];
  const f = (name) => path.join(dir, name);
  mkdirSync(f('mnesia'), { recursive: true });
  mkdirSync(f('log'), { recursive: true });
  mkdirSync(f('home'), { recursive: true });
  writeFileSync(
    f('rabbitmq.conf'),
    `listeners.tcp.1 = 127.0.0.1:${port}\nloopback_users.guest = true\nlog.file.level = warning\nlog.console = false\n`,
  );
  writeFileSync(f('advanced.config'), '[].\n');
  writeFileSync(f('enabled_plugins'), '[].\n');
  writeFileSync(f('rabbitmq-env.conf'), '');
  const node = `bench${process.pid}@localhost`;
  const dist = '-kernel inet_dist_use_interface {127,0,0,1}';
  const env = {
    RABBITMQ_NODENAME: node,
    RABBITMQ_MNESIA_BASE: f('mnesia'),
    RABBITMQ_LOG_BASE: f('log'),
    RABBITMQ_CONFIG_FILE: f('rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: f('advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: f('enabled_plugins'),
    RABBITMQ_PID_FILE: f('beam.pid'),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONF_ENV_FILE: f('rabbitmq-env.conf'),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(epmdPort),
    HOME: f('home'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: dist,
    RABBITMQ_CTL_ERL_ARGS: dist,
  };
  const epmd = startDetached('epmd', ['-address', '127.0.0.1', '-port', String(epmdPort)], {
    logFile: f('epmd.log'),
    env,
  });
  await waitPort(epmdPort, 10_000, () => epmd.exitCode === null);
  const wrapper = startDetached(`${RABBIT_BIN}/rabbitmq-server`, [], { logFile: f('server.log'), env });
  const stopAll = async () => {
    spawnSync(`${RABBIT_BIN}/rabbitmqctl`, ['-n', node, 'stop'], { env: { ...process.env, ...env }, timeout: 60_000 });
    if (existsSync(f('beam.pid'))) await stopPid(Number(readFileSync(f('beam.pid'), 'utf8').trim()));
    await stopPid(wrapper.pid);
    await stopPid(epmd.pid);
  };
  try {
    await waitPort(port, 120_000, () => wrapper.exitCode === null);
    execFileSync(`${RABBIT_BIN}/rabbitmqctl`, ['-n', node, 'await_startup'], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
      timeout: 120_000,
    });
  } catch (e) {
    await stopAll();
    throw e;
  }
  const pid = Number(readFileSync(f('beam.pid'), 'utf8').trim());
  return { pid, options: { port }, stop: stopAll };
}

/**
 * rocketmq-ts through its own `rocketmq-ts start` bin (NameServer + broker in one process).
 * With `cpuProfDir` the broker runs under `node --cpu-prof`; the profile is written when it exits.
 */
async function startRocketmq(dir, { flush, cpuProfDir, readBatch = 256 }) {
  if (!process.env.ROCKETMQ_TS_BIN && !existsSync(ROCKETMQ_DIST)) {
    throw new Error(
      `rocketmq-ts start is not built (${path.relative(REPO, ROCKETMQ_DIST)} missing): run npm run build`,
    );
  }
  const namesrvPort = await freePort();
  // The broker also listens on listenPort-2 (fast remoting) and listenPort+1 (HA) in RocketMQ.
  const brokerPort = await freePort([-2, 1]);
  const data = path.join(dir, 'store');
  // The one broker.conf change: a pull may return as many messages as the peers read per
  // request (run.mjs `batch`; RocketMQ's default caps it at 32). See docs/benchmarks.md.
  const conf = path.join(dir, 'broker.conf');
  // BENCH_BROKER_CONF adds lines for a diagnosis run, e.g. 'metricsExporterType=DISABLE'.
  const extra = (process.env.BENCH_BROKER_CONF ?? '').split(';').filter(Boolean).join('\n');
  writeFileSync(conf, `maxTransferCountOnMessageInMemory=${readBatch}\n${extra ? `${extra}\n` : ''}`);
  // The flags of `npm start` and of the bin's shebang (docs/benchmarks.md, "Broker process flags").
  const nodeArgs = ['--enable-source-maps', '--single-threaded-gc'];
  if (cpuProfDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${path.join(cpuProfDir, path.basename(dir))}`);
  // Diagnosis, e.g. BENCH_SERVER_NODE_ARGS=--trace-gc (the lines land in the kept server.log with --cpu-prof).
  if (process.env.BENCH_SERVER_NODE_ARGS)
    nodeArgs.push(...process.env.BENCH_SERVER_NODE_ARGS.split(' ').filter(Boolean));
  const args = [
    ...nodeArgs,
    ROCKETMQ_BIN,
    'start',
    '--data-dir',
    data,
    '--namesrv-port',
    String(namesrvPort),
    '--broker-port',
    String(brokerPort),
    '--flush-disk-type',
    flush,
    '--host',
    '127.0.0.1',
    '--config-file',
    conf,
    // The side servers run as `rocketmq-ts start` runs them, on free ports (a fixed 8081/8082/5557
    // would collide with anything else on the machine).
    '--proxy-port',
    '0',
    '--dashboard-port',
    '0',
    '--metrics-port',
    '0',
  ];
  const child = startDetached(process.execPath, args, { logFile: path.join(dir, 'server.log') });
  const isAlive = () => child.exitCode === null && child.signalCode === null;
  try {
    await waitPort(namesrvPort, 30_000, isAlive);
    await waitPort(brokerPort, 30_000, isAlive);
    // The broker listens before it is ready (it answers SERVICE_NOT_AVAILABLE until then): wait
    // for the launcher's ready line.
    await waitFor(() => readLog(path.join(dir, 'server.log'), 200).includes('rocketmq-ts ready'), 30_000, isAlive);
  } catch (e) {
    await stopPid(child.pid);
    const log = readLog(path.join(dir, 'server.log'));
    throw new Error(`${e.message}\n--- rocketmq-ts log (tail) ---\n${log}`);
  }
  return {
    pid: child.pid,
    options: { namesrv: `127.0.0.1:${namesrvPort}`, broker: `127.0.0.1:${brokerPort}`, flush },
    stop: () => stopPid(child.pid, 20_000),
    logFile: path.join(dir, 'server.log'),
  };
}

export function readLog(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts the server of `spec.kind` in a fresh directory under `root`. */
export async function startServer(spec, root, extra = {}) {
  const dir = path.join(root, spec.label.replace(/[^A-Za-z0-9_-]/g, '_'));
  mkdirSync(dir, { recursive: true });
  const server = await startKind(spec, dir, extra);
  // A stopped server's data goes at once: left for the end of the run, the gigabytes written by
  // earlier targets (and earlier topic counts) were still being written back by the kernel while
  // later ones were measured. Unlinked files' dirty pages are dropped instead. Kept with
  // --cpu-prof, whose profiles and server logs live in the same tree.
  const stop = server.stop;
  server.stop = async (...args) => {
    await stop(...args);
    if (!extra.cpuProfDir) rmSync(dir, { recursive: true, force: true });
  };
  return server;
}

function startKind(spec, dir, extra) {
  switch (spec.kind) {
    case 'redis':
      return startRedis(dir);
    case 'nats':
      return startNats(dir);
    case 'rabbitmq':
      return startRabbit(dir);
    case 'rocketmq':
      return startRocketmq(dir, { flush: spec.flush, ...extra });
    default:
      throw new Error(`unknown server kind ${spec.kind}`);
  }
}
