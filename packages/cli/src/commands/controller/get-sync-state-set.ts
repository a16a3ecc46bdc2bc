import type { Command } from 'commander';
import { withController } from '../../support/controller-admin.js';
import { printJson } from '../../support/output.js';
import { action, type CommonOptions, subcommand, UsageError, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  controllerAddress?: string;
  clusterName?: string;
  brokerName?: string;
}

export function register(program: Command): void {
  subcommand(program, 'getSyncStateSet', 'Fetch syncStateSet for target brokers.')
    .option('-a, --controllerAddress <addr>', 'the address of controller')
    .option('-c, --clusterName <cluster>', 'which cluster (broker names from the NameServer)')
    .option('-b, --brokerName <names>', 'which broker to fetch (comma-separated for several)')
    .action(
      action<Options>(async (o) => {
        let names = (o.brokerName ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (names.length === 0 && o.clusterName) {
          const info = await withAdmin(o, (admin) => admin.clusterInfo());
          names = [...(info.clusterAddrTable.get(o.clusterName) ?? [])];
        }
        if (names.length === 0) throw new UsageError('getSyncStateSet needs -b <brokerName> or -c <clusterName>');
        const table = await withController(o.controllerAddress, (c) => c.syncStateData(names));
        if (o.json) {
          printJson(Object.fromEntries(table));
          return;
        }
        for (const [name, i] of table) {
          process.stdout.write(
            `\n#brokerName\t${name}\n#MasterBrokerId\t${i.masterBrokerId ?? ''}\n#MasterAddr\t${i.masterAddress ?? ''}\n#MasterEpoch\t${i.masterEpoch}\n#SyncStateSetEpoch\t${i.syncStateSetEpoch}\n#SyncStateSetNums\t${i.inSyncReplicas.length}\n`,
          );
          for (const r of i.inSyncReplicas) process.stdout.write(`\nInSyncReplica:\t${JSON.stringify(r)}\n`);
          for (const r of i.notInSyncReplicas) process.stdout.write(`\nNotInSyncReplica:\t${JSON.stringify(r)}\n`);
        }
      }),
    );
}
