import { ElectMasterResponseHeader } from '@rocketmq-ts/protocol';
import type { Command } from 'commander';
import { withController } from '../../support/controller-admin.js';
import { printJson } from '../../support/output.js';
import { action, type CommonOptions, int, subcommand, UsageError } from '../../support/run.js';

interface Options extends CommonOptions {
  controllerAddress?: string;
  brokerId?: number;
  brokerName?: string;
  clusterName?: string;
}

export function register(program: Command): void {
  subcommand(program, 'electMaster', 'Re-elect the specified broker as master.')
    .option('-a, --controllerAddress <addr>', 'The address of controller')
    .option('-b, --brokerId <id>', 'The id of the broker which requires to become master', int('brokerId'))
    .option('--brokerName <name>', 'The broker name of the replicas that require to be manipulated (Java: -bn)')
    .option('-c, --clusterName <cluster>', 'the clusterName of broker')
    .action(
      action<Options>(async (o) => {
        if (o.brokerId === undefined || !o.brokerName || !o.clusterName)
          throw new UsageError('electMaster needs -a, -c, -bn <brokerName> and -b <brokerId>');
        const res = await withController(o.controllerAddress, (c) =>
          c.electMaster(o.clusterName ?? '', o.brokerName ?? '', o.brokerId ?? -1),
        );
        const h = ElectMasterResponseHeader.decode(res.extFields);
        const v = h.ok ? h.value : {};
        if (o.json) {
          printJson(v);
          return;
        }
        process.stdout.write(
          `\n#clusterName\t${o.clusterName}\n#brokerName\t${o.brokerName}\n#brokerMasterAddr\t${v.masterAddress ?? ''}\n#brokerMasterId\t${v.masterBrokerId ?? ''}\n#MasterEpoch\t${v.masterEpoch ?? ''}\n#SyncStateSetEpoch\t${v.syncStateSetEpoch ?? ''}\n`,
        );
      }),
    );
}
