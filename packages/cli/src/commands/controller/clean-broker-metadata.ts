import type { Command } from 'commander';
import { withController } from '../../support/controller-admin.js';
import { action, type CommonOptions, subcommand, UsageError } from '../../support/run.js';

interface Options extends CommonOptions {
  controllerAddress?: string;
  brokerControllerIdsToClean?: string;
  brokerName?: string;
  clusterName?: string;
  cleanLivingBroker?: boolean;
}

export function register(program: Command): void {
  subcommand(program, 'cleanBrokerMetadata', 'Clean metadata of broker on controller.')
    .option('-a, --controllerAddress <addr>', 'The address of controller')
    .option(
      '-b, --brokerControllerIdsToClean <ids>',
      'The brokerController id list which requires to clean metadata. eg: 1;2;3',
    )
    .option('--brokerName <name>', 'The broker name of the replicas that require to be manipulated (Java: -bn)')
    .option('-c, --clusterName <cluster>', 'The clusterName of broker')
    .option('-l, --cleanLivingBroker', 'Whether clean up living brokers, default value is false')
    .action(
      action<Options>(async (o) => {
        if (!o.brokerName) throw new UsageError('cleanBrokerMetadata needs -a and -bn <brokerName>');
        await withController(o.controllerAddress, (c) =>
          c.cleanBrokerData({
            clusterName: o.clusterName,
            brokerName: o.brokerName ?? '',
            ids: o.brokerControllerIdsToClean,
            cleanLiving: o.cleanLivingBroker === true,
          }),
        );
        process.stdout.write(`clear broker ${o.brokerName} metadata from controller success! \n`);
      }),
    );
}
