// `rocketmq-dashboard`: the dashboard on its own, against any NameServer.
import { type LogLevel, shutdownOnSignals } from '@rocketmq-ts/common';
import { createLogger } from '@rocketmq-ts/common/pino-logger';
import { Command, Option } from 'commander';
import { startDashboard } from './server/dashboard.js';

interface Flags {
  namesrvAddr?: string;
  port: string;
  host: string;
  token?: string;
  sampleInterval: string;
  logLevel: LogLevel;
}

function integer(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: not an integer in [${min}, ${max}]: ${v}`);
  return n;
}

const program = new Command('rocketmq-dashboard')
  .description('web dashboard for a RocketMQ cluster: brokers, topics, consumer lag, messages, DLQ resend')
  .option('-n, --namesrvAddr <addr>', 'NameServer address list, e.g. 127.0.0.1:9876 (default: env NAMESRV_ADDR)')
  .option('-p, --port <port>', 'HTTP port', '8082')
  .option('--host <host>', 'address to bind (anything but loopback needs --token for changes)', '127.0.0.1')
  .option('--token <token>', 'bearer token for mutating calls (default: env DASHBOARD_TOKEN)')
  .option('--sample-interval <ms>', 'how often throughput and lag are sampled', '5000')
  .addOption(
    new Option('--log-level <level>', 'log level')
      .choices(['debug', 'info', 'warn', 'error', 'silent'])
      .default('warn'),
  )
  .action(async (flags: Flags) => {
    const namesrvAddr = flags.namesrvAddr ?? process.env.NAMESRV_ADDR;
    if (!namesrvAddr) throw new Error('no NameServer address: pass -n <addr> or set NAMESRV_ADDR');
    const logger = createLogger('rocketmq-dashboard', flags.logLevel);
    const dashboard = await startDashboard({
      namesrvAddr,
      port: integer('--port', flags.port, 0, 65535),
      host: flags.host,
      token: flags.token ?? process.env.DASHBOARD_TOKEN,
      sampleIntervalMs: integer('--sample-interval', flags.sampleInterval, 100, 3_600_000),
      logger,
    });
    console.log(`rocketmq-dashboard ready: ${dashboard.url} (NameServer ${namesrvAddr})`);
    shutdownOnSignals(() => dashboard.close(), logger);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`rocketmq-dashboard: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
