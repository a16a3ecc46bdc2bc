import type { Command } from 'commander';
import { printJson } from '../../support/output.js';
import { action, bool, type CommonOptions, subcommand, UsageError, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  groupName: string;
  brokerAddr?: string;
  clusterName?: string;
  removeOffset: boolean;
}

export function register(program: Command): void {
  subcommand(program, 'deleteSubGroup', 'Delete subscription group from broker')
    .requiredOption('-g, --groupName <group>', 'subscription group name')
    .option('-b, --brokerAddr <addr>', 'delete subscription group from which broker')
    .option('-c, --clusterName <cluster>', 'delete subscription group from which cluster')
    .option('-r, --removeOffset <bool>', "also remove the group's consumer offsets", bool, false)
    .action(
      action<Options>(async (o) => {
        if (!o.brokerAddr && !o.clusterName)
          throw new UsageError('deleteSubGroup needs -b <brokerAddr> or -c <clusterName>');
        const brokers = await withAdmin(o, (admin) =>
          admin.deleteSubscriptionGroup(
            o.groupName,
            { brokerAddr: o.brokerAddr, clusterName: o.clusterName },
            o.removeOffset,
          ),
        );
        if (o.json) printJson({ groupName: o.groupName, brokers });
        else
          for (const b of brokers)
            process.stdout.write(`delete subscription group [${o.groupName}] from broker [${b}] success.\n`);
      }),
    );
}
