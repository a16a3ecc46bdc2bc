import { parseAttributeModification } from '@rocketmq-ts/protocol';
import type { Command } from 'commander';
import { printJson } from '../../support/output.js';
import { action, bool, type CommonOptions, int, subcommand, UsageError, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  groupName: string;
  brokerAddr?: string;
  clusterName?: string;
  consumeEnable?: boolean;
  consumeFromMinEnable?: boolean;
  consumeBroadcastEnable?: boolean;
  consumeMessageOrderly?: boolean;
  retryQueueNums?: number;
  retryMaxTimes?: number;
  brokerId?: number;
  whichBrokerWhenConsumeSlowly?: number;
  notifyConsumerIdsChanged?: boolean;
  attributes?: string;
}

export function register(program: Command): void {
  subcommand(program, 'updateSubGroup', 'Update or create subscription group')
    .requiredOption('-g, --groupName <group>', 'consumer group name')
    .option('-b, --brokerAddr <addr>', 'create group to which broker')
    .option('-c, --clusterName <cluster>', 'create group to which cluster')
    .option('-s, --consumeEnable <bool>', 'consume enable', bool)
    .option('-m, --consumeFromMinEnable <bool>', 'from min offset', bool)
    .option('-d, --consumeBroadcastEnable <bool>', 'broadcast', bool)
    .option('-o, --consumeMessageOrderly <bool>', 'consume message orderly', bool)
    .option('-q, --retryQueueNums <n>', 'retry queue nums', int('retryQueueNums'))
    .option('-r, --retryMaxTimes <n>', 'retry max times', int('retryMaxTimes'))
    .option('-i, --brokerId <n>', 'consumer from which broker id', int('brokerId'))
    .option(
      '-w, --whichBrokerWhenConsumeSlowly <n>',
      'which broker id when consume slowly',
      int('whichBrokerWhenConsumeSlowly'),
    )
    .option('-a, --notifyConsumerIdsChanged <bool>', 'notify consumer ids changed', bool)
    .option('--attributes <attrs>', 'attribute(+a=b,+c=d,-e)')
    .action(
      action<Options>(async (o) => {
        if (!o.brokerAddr && !o.clusterName)
          throw new UsageError('updateSubGroup needs -b <brokerAddr> or -c <clusterName>');
        let attributes: Record<string, string> | undefined;
        if (o.attributes !== undefined) {
          const mod = parseAttributeModification(o.attributes.trim());
          if (!mod.ok) throw new UsageError(mod.error);
          attributes = Object.fromEntries(mod.value);
        }
        // As Java's command: broadcast and from-min are false unless given.
        const config = {
          groupName: o.groupName,
          ...(o.consumeEnable === undefined ? {} : { consumeEnable: o.consumeEnable }),
          consumeFromMinEnable: o.consumeFromMinEnable ?? false,
          consumeBroadcastEnable: o.consumeBroadcastEnable ?? false,
          ...(o.consumeMessageOrderly === undefined ? {} : { consumeMessageOrderly: o.consumeMessageOrderly }),
          ...(o.retryQueueNums === undefined ? {} : { retryQueueNums: o.retryQueueNums }),
          ...(o.retryMaxTimes === undefined ? {} : { retryMaxTimes: o.retryMaxTimes }),
          ...(o.brokerId === undefined ? {} : { brokerId: o.brokerId }),
          ...(o.whichBrokerWhenConsumeSlowly === undefined
            ? {}
            : { whichBrokerWhenConsumeSlowly: o.whichBrokerWhenConsumeSlowly }),
          ...(o.notifyConsumerIdsChanged === undefined
            ? {}
            : { notifyConsumerIdsChangedEnable: o.notifyConsumerIdsChanged }),
          ...(attributes === undefined ? {} : { attributes }),
        };
        const brokers = await withAdmin(o, (admin) =>
          admin.createOrUpdateSubscriptionGroup(config, { brokerAddr: o.brokerAddr, clusterName: o.clusterName }),
        );
        if (o.json) printJson({ config, brokers });
        else for (const b of brokers) process.stdout.write(`create subscription group to ${b} success.\n`);
      }),
    );
}
