import type { SubscriptionGroupConfig } from '@rocketmq-ts/client';
import type { Command } from 'commander';
import { printJson } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  groupName: string;
}

/** The fields Java prints, in SubscriptionGroupConfig's declaration order. */
const FIELDS = [
  'groupName',
  'consumeEnable',
  'consumeFromMinEnable',
  'consumeBroadcastEnable',
  'consumeMessageOrderly',
  'retryQueueNums',
  'retryMaxTimes',
  'brokerId',
  'whichBrokerWhenConsumeSlowly',
  'notifyConsumerIdsChangedEnable',
  'attributes',
] as const;

export function register(program: Command): void {
  subcommand(program, 'getConsumerConfig', 'Get consumer config by subscription group name.')
    .requiredOption('-g, --groupName <group>', 'subscription group name')
    .action(
      action<Options>(async (o) => {
        const found = await withAdmin(o, async (admin) => {
          const info = await admin.clusterInfo();
          const out: { clusterName: string; brokerName: string; config: SubscriptionGroupConfig }[] = [];
          for (const [brokerName, bd] of [...info.brokerAddrTable].sort(([a], [b]) => a.localeCompare(b))) {
            const addr = bd.brokerAddrs.get(0) ?? [...bd.brokerAddrs.values()][0];
            if (addr === undefined) continue;
            // A broker without the group answers an error: it is left out, as Java leaves it.
            const config = await admin.getSubscriptionGroupConfig(addr, o.groupName).catch(() => undefined);
            if (config !== undefined) out.push({ clusterName: bd.cluster, brokerName, config });
          }
          return out;
        });
        if (o.json) {
          printJson(found);
          return;
        }
        for (const f of found) {
          process.stdout.write(
            `=============================${f.clusterName}:${f.brokerName}=============================\n`,
          );
          for (const k of FIELDS) {
            const v = f.config[k];
            const text = v === undefined ? '' : typeof v === 'object' ? formatMap(v) : String(v);
            process.stdout.write(`${k.padEnd(40)}=  ${text}\n`);
          }
        }
      }),
    );
}

const formatMap = (m: Record<string, string>): string =>
  `{${Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}}`;
