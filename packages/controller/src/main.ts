import { homedir } from 'node:os';
import { applyProperties, formatProperties, readPropertiesFile, shutdownOnSignals } from '@rocketmq-ts/common';
import { createLogger } from '@rocketmq-ts/common/pino-logger';
import { Command } from 'commander';
import { type ControllerConfig, defaultControllerConfig } from './controller-config.js';
import { ControllerManager } from './controller-manager.js';

// `mqcontroller`: the only place that reads argv and the environment.
//   mqcontroller -c controller.conf [-p]

async function main(): Promise<void> {
  const program = new Command('mqcontroller')
    .description('RocketMQ Controller (rocketmq-ts)')
    .option('-c, --configFile <file>', 'Controller config properties file')
    .option('-p, --printConfigItem', 'Print all config items and exit')
    .helpOption('-h, --help', 'Print help')
    .parse(process.argv);
  const opts = program.opts<{ configFile?: string; printConfigItem?: boolean }>();
  const logger = createLogger('controller');
  let config: ControllerConfig = defaultControllerConfig({ home: homedir() });
  config.rocketmqHome = process.env.ROCKETMQ_HOME ?? '';
  if (opts.configFile) {
    const { config: applied, unknown } = applyProperties(config, await readPropertiesFile(opts.configFile));
    config = applied;
    if (unknown.length > 0) logger.warn({ keys: unknown, file: opts.configFile }, 'unknown config keys ignored');
  }
  if (opts.printConfigItem) {
    process.stdout.write(formatProperties(config));
    return;
  }
  const controller = new ControllerManager(config, { logger });
  await controller.start();
  console.log(`The Controller boot success. address ${controller.address}, type ${config.controllerType}`);
  shutdownOnSignals(() => controller.shutdown(), logger);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
