// `mqbroker -n <namesrv> -c broker.conf [-p]`: the broker process.
import { parseArgs } from 'node:util';
import { formatProperties, shutdownOnSignals } from '@rocketmq-ts/common';
import { createLogger } from '@rocketmq-ts/common/pino-logger';
import { type BrokerConfig, loadBrokerConfigFile } from './broker-config.js';
import { startBroker } from './runtime/lifecycle.js';

const USAGE = `usage: mqbroker [-n namesrvAddr] [-c broker.conf] [-p]
  -n, --namesrvAddr  NameServer list, 'ip:port;ip:port' (default: broker.conf or $NAMESRV_ADDR)
  -c, --configFile   broker.conf (Java properties)
  -p, --printConfigItem  print the effective configuration and exit
  -h, --help`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      namesrvAddr: { type: 'string', short: 'n' },
      configFile: { type: 'string', short: 'c' },
      printConfigItem: { type: 'boolean', short: 'p' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const overrides: Partial<BrokerConfig> = {};
  if (values.namesrvAddr !== undefined) overrides.namesrvAddr = values.namesrvAddr;
  const { config, unknown } = await loadBrokerConfigFile(values.configFile, overrides);
  if (config.namesrvAddr === '' && process.env.NAMESRV_ADDR) config.namesrvAddr = process.env.NAMESRV_ADDR;
  if (values.printConfigItem) {
    process.stdout.write(formatProperties(config));
    return;
  }
  const logger = createLogger('broker', (process.env.ROCKETMQ_LOG_LEVEL as 'info' | undefined) ?? 'info');
  if (unknown.length > 0) logger.warn({ keys: unknown }, 'unknown broker.conf keys ignored');
  const broker = await startBroker({ config, logger });
  console.log(
    `The broker[${config.brokerName}, ${broker.brokerAddr}] boot success. serializeType=JSON and name server is ${config.namesrvAddr || '(none)'}`,
  );
  shutdownOnSignals(() => broker.shutdown(), logger);
}

main().catch((err: unknown) => {
  console.error(`mqbroker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
