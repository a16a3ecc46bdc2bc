import type { Command } from 'commander';
import { controllerAddrs, withController } from '../../support/controller-admin.js';
import { action, type CommonOptions, subcommand, UsageError } from '../../support/run.js';

interface Options extends CommonOptions {
  controllerAddress?: string;
  key?: string;
  value?: string;
}

export function register(program: Command): void {
  subcommand(program, 'updateControllerConfig', 'Update controller config.')
    .option('-a, --controllerAddress <addr>', 'Controller address list, eg: 192.168.0.1:9878;192.168.0.2:9878')
    .option('-k, --key <key>', 'config key')
    .option('-v, --value <value>', 'config value')
    .action(
      action<Options>(async (o) => {
        if (!o.key || o.value === undefined) throw new UsageError('updateControllerConfig needs -a, -k and -v');
        await withController(o.controllerAddress, (c) => c.updateConfig(o.key ?? '', o.value ?? ''));
        process.stdout.write(`update controller config success!${controllerAddrs(o.controllerAddress).join(';')}\n`);
      }),
    );
}
