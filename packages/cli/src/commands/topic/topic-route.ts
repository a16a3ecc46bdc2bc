import type { Command } from 'commander';
import { printJson, printTable } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';
import { attributesByBroker, formatAttributes } from '../../support/topic-attributes.js';

interface Options extends CommonOptions {
  topic: string;
}

export function register(program: Command): void {
  subcommand(program, 'topicRoute', 'Examine topic route info')
    .requiredOption('-t, --topic <topic>', 'topic name')
    .action(
      action<Options>(async (o) => {
        const { route, attributes } = await withAdmin(o, async (admin) => {
          const r = await admin.topicRoute(o.topic);
          return { route: r, attributes: await attributesByBroker(admin, r, o.topic) };
        });
        if (o.json) {
          printJson({
            queueDatas: route.queueDatas,
            brokerDatas: route.brokerDatas.map((b) => ({ ...b, brokerAddrs: Object.fromEntries(b.brokerAddrs) })),
            attributes,
          });
          return;
        }
        printTable(
          ['#ClusterName', '#BrokerName', '#BrokerAddrs', '#ReadQueue', '#WriteQueue', '#Perm', '#Attributes'],
          route.brokerDatas.map((b) => {
            const qd = route.queueDatas.find((q) => q.brokerName === b.brokerName);
            const addrs = [...b.brokerAddrs].map(([id, a]) => `${id}:${a}`).join(',');
            const attrs = formatAttributes(attributes[b.brokerName]);
            return [b.cluster, b.brokerName, addrs, qd?.readQueueNums, qd?.writeQueueNums, qd?.perm, attrs];
          }),
        );
      }),
    );
}
