import { parseProperties } from '@rocketmq-ts/common';
import type { Command } from 'commander';
import { withController } from '../../support/controller-admin.js';
import { printJson } from '../../support/output.js';
import { action, type CommonOptions, subcommand } from '../../support/run.js';

interface Options extends CommonOptions {
  controllerAddress?: string;
}

export function register(program: Command): void {
  subcommand(program, 'getControllerConfig', 'Get controller config.')
    .option('-a, --controllerAddress <addr>', 'Controller address list, eg: 192.168.0.1:9878;192.168.0.2:9878')
    .action(
      action<Options>(async (o) => {
        const configs = await withController(o.controllerAddress, (c) => c.configs());
        if (o.json) {
          printJson(
            Object.fromEntries([...configs].map(([a, text]) => [a, Object.fromEntries(parseProperties(text))])),
          );
          return;
        }
        for (const [addr, text] of configs) {
          process.stdout.write(`============${addr}============\n`);
          const props = parseProperties(text);
          const w = Math.max(0, ...[...props.keys()].map((k) => k.length));
          for (const [k, v] of props) process.stdout.write(`${k.padEnd(w)}  =  ${v}\n`);
        }
      }),
    );
}
