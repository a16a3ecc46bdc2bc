// `rocketmq-ts`: the all-in-one launcher. `rocketmq-ts start` runs a NameServer and a broker in
// one process, for development and tests.
import { type LogLevel, shutdownOnSignals } from '@rocketmq-ts/common';
import { createLogger } from '@rocketmq-ts/common/pino-logger';
import { Command, Option } from 'commander';
import { startLocalCluster } from './local-cluster.js';

interface StartFlags {
  dataDir: string;
  namesrvPort: string;
  brokerPort: string;
  flushDiskType: 'SYNC_FLUSH' | 'ASYNC_FLUSH';
  metricsPort?: string;
  configFile?: string;
  host: string;
  proxyPort: string;
  proxy: boolean;
  logLevel: LogLevel;
  dashboard: boolean;
  dashboardPort: string;
  dashboardHost: string;
  dashboardToken?: string;
  dashboardSampleInterval: string;
}

function port(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}: not a port: ${v}`);
  return n;
}

function millis(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 100 || n > 3_600_000)
    throw new Error(`${name}: not a duration of 100..3600000 ms: ${v}`);
  return n;
}

async function start(flags: StartFlags, given: (name: keyof StartFlags) => boolean): Promise<void> {
  const started = performance.now();
  const logger = createLogger('rocketmq-ts', flags.logLevel);
  // With -c, a flag left at its default yields to the file's value.
  const explicit = <T>(name: keyof StartFlags, v: T): T | undefined =>
    flags.configFile === undefined || given(name) ? v : undefined;
  // `--broker-port 0` (tests, several clusters on one machine) moves the side ports to free ports
  // too, unless they are given: the proxy's 8081 and the dashboard's 8082 would collide otherwise.
  const sidePort = (name: 'proxyPort' | 'dashboardPort', flag: string, v: string): number =>
    flags.brokerPort === '0' && !given(name) ? 0 : port(flag, v);
  const cluster = await startLocalCluster({
    dataDir: explicit('dataDir', flags.dataDir),
    namesrvPort: port('--namesrv-port', flags.namesrvPort),
    brokerPort: explicit('brokerPort', port('--broker-port', flags.brokerPort)),
    host: flags.host,
    flushDiskType: explicit('flushDiskType', flags.flushDiskType),
    configFile: flags.configFile,
    metricsPort: flags.metricsPort === undefined ? undefined : port('--metrics-port', flags.metricsPort),
    dashboardPort: flags.dashboard ? sidePort('dashboardPort', '--dashboard-port', flags.dashboardPort) : undefined,
    dashboardHost: flags.dashboardHost,
    dashboardToken: flags.dashboardToken ?? process.env.DASHBOARD_TOKEN,
    dashboardRequired: given('dashboardPort'),
    dashboardSampleIntervalMs: millis('--dashboard-sample-interval', flags.dashboardSampleInterval),
    proxyPort: flags.proxy ? sidePort('proxyPort', '--proxy-port', flags.proxyPort) : false,
    proxyRequired: given('proxyPort'),
    logger,
  });
  const ms = Math.round(performance.now() - started);
  console.log(
    `rocketmq-ts ready in ${ms} ms: NameServer ${flags.host}:${cluster.namesrvPort} (clients: ${cluster.namesrvAddr}), ` +
      `broker ${cluster.broker.components.identity.brokerName} of ${cluster.broker.components.identity.clusterName} at ${cluster.brokerAddr}, ` +
      `${cluster.proxy ? `gRPC proxy (Local mode) at ${flags.host}:${cluster.proxy.port}, ` : flags.proxy ? `no gRPC proxy (port ${flags.proxyPort} busy), ` : ''}` +
      `data in ${cluster.dataDir}, ${cluster.flushDiskType}` +
      (cluster.broker.metrics?.promPort
        ? `, metrics http://127.0.0.1:${cluster.broker.metrics.promPort}/metrics`
        : '') +
      (cluster.dashboard ? `, dashboard ${cluster.dashboard.url}` : ''),
  );
  shutdownOnSignals(() => cluster.shutdown(), logger);
}

const program = new Command('rocketmq-ts').description('Apache RocketMQ rebuilt in TypeScript');
program
  .command('start')
  .description('run a NameServer, a broker (DefaultCluster / broker-a) and the gRPC proxy in one process')
  .option('--data-dir <dir>', 'storePathRootDir of the broker', './data')
  .option('--namesrv-port <port>', 'NameServer port', '9876')
  .option('--broker-port <port>', 'broker port (listenPort)', '10911')
  .addOption(
    new Option('--flush-disk-type <type>', 'flushDiskType')
      .choices(['SYNC_FLUSH', 'ASYNC_FLUSH'])
      .default('ASYNC_FLUSH'),
  )
  .option(
    '--metrics-port <port>',
    'Prometheus /metrics port on 127.0.0.1 (metricsPromExporterPort; default 5557, any free port with --broker-port 0)',
  )
  .option('-c, --config-file <file>', 'broker.conf to overlay')
  .option('--host <host>', 'address to bind', '0.0.0.0')
  .option(
    '--dashboard-port <port>',
    'dashboard HTTP port (0 = any free port; any free port with --broker-port 0)',
    '8082',
  )
  .option('--no-dashboard', 'do not start the dashboard')
  .option(
    '--dashboard-host <host>',
    'dashboard bind address (anything but loopback needs a token for changes)',
    '127.0.0.1',
  )
  .option('--dashboard-sample-interval <ms>', 'how often the dashboard samples throughput and lag', '5000')
  .option('--dashboard-token <token>', "bearer token for the dashboard's mutating calls (default: env DASHBOARD_TOKEN)")
  .option(
    '--proxy-port <port>',
    'gRPC proxy port (RocketMQ 5.x clients, Local mode; any free port with --broker-port 0)',
    '8081',
  )
  .option('--no-proxy', 'do not serve gRPC')
  .addOption(
    new Option('--log-level <level>', 'log level')
      .choices(['debug', 'info', 'warn', 'error', 'silent'])
      .default('warn'),
  )
  .action((flags: StartFlags, cmd: Command) => start(flags, (name) => cmd.getOptionValueSource(name) === 'cli'));

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`rocketmq-ts: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
