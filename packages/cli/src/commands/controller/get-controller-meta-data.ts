import type { Command } from 'commander';
import { controllerAddrs, withController } from '../../support/controller-admin.js';
import { printJson } from '../../support/output.js';
import { action, type CommonOptions, subcommand } from '../../support/run.js';

interface Options extends CommonOptions {
  controllerAddress?: string;
}

export function register(program: Command): void {
  subcommand(program, 'getControllerMetaData', "Get controller cluster's metadata.")
    .option('-a, --controllerAddress <addr>', 'the address of controller')
    .action(
      action<Options>(async (o) => {
        const addr = controllerAddrs(o.controllerAddress)[0] ?? '';
        const m = await withController(addr, (c) => c.metadata(addr));
        if (o.json) {
          printJson(m);
          return;
        }
        process.stdout.write(
          `ControllerGroup\t${m.group ?? ''}\nControllerLeaderId\t${m.controllerLeaderId ?? ''}\nControllerLeaderAddress\t${m.controllerLeaderAddress ?? ''}\n`,
        );
        for (const p of (m.peers ?? '').split(';').filter(Boolean)) process.stdout.write(`#Peer:\t${p}\n`);
      }),
    );
}
