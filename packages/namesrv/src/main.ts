import { homedir } from 'node:os';
import { applyProperties, formatProperties, readPropertiesFile, shutdownOnSignals } from '@rocketmq-ts/common';
import { createLogger } from '@rocketmq-ts/common/pino-logger';
import { ControllerManager, defaultControllerConfig } from '@rocketmq-ts/controller';
import { Command } from 'commander';
import { defaultNamesrvConfig, type NamesrvConfig } from './namesrv-config.js';
import { NamesrvController } from './namesrv-controller.js';

// `mqnamesrv`: the only place that reads argv and the environment.
//   mqnamesrv [-c namesrv.properties] [-p]

async function main(): Promise<void> {
  const program = new Command('mqnamesrv')
    .description('RocketMQ NameServer (rocketmq-ts)')
    .option('-c, --configFile <file>', 'Name server config properties file')
    .option('-p, --printConfigItem', 'Print all config items and exit')
    .helpOption('-h, --help', 'Print help')
    .parse(process.argv);
  const opts = program.opts<{ configFile?: string; printConfigItem?: boolean }>();
  const logger = createLogger('namesrv');

  let config: NamesrvConfig = defaultNamesrvConfig({ home: homedir(), rocketmqHome: process.env.ROCKETMQ_HOME });
  // With enableControllerInNamesrv the same file carries the controller's keys (RocketMQ's way).
  let controllerConfig = defaultControllerConfig({ home: homedir() });
  if (opts.configFile) {
    const props = await readPropertiesFile(opts.configFile);
    const { config: applied, unknown } = applyProperties(config, props);
    config = applied;
    const forController = applyProperties(controllerConfig, props);
    controllerConfig = forController.config;
    const unknownToBoth = unknown.filter((k) => forController.unknown.includes(k));
    if (unknownToBoth.length > 0)
      logger.warn({ keys: unknownToBoth, file: opts.configFile }, 'unknown config keys ignored');
    logger.info({ file: opts.configFile }, 'load config properties file OK');
  }
  if (opts.printConfigItem) {
    process.stdout.write(formatProperties(config));
    return;
  }

  const controller = new NamesrvController(config, { logger });
  await controller.start();
  console.log(`The Name Server boot success. serializeType=JSON, address ${config.bindAddress}:${controller.port}`);
  let embedded: ControllerManager | undefined;
  if (config.enableControllerInNamesrv) {
    embedded = new ControllerManager(controllerConfig, { logger: logger.child({ component: 'controller' }) });
    await embedded.start();
    console.log(`The Controller boot success. address ${embedded.address}, type ${controllerConfig.controllerType}`);
  }

  shutdownOnSignals(async () => {
    await embedded?.shutdown();
    await controller.shutdown();
  }, logger);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
