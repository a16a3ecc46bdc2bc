import type { Command } from 'commander';
import { printJson } from '../../support/output.js';
import { action, bool, type CommonOptions, int, subcommand, UsageError, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  topic: string;
  brokerAddr?: string;
  clusterName?: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  order: boolean;
  attributes?: string;
}

export function register(program: Command): void {
  subcommand(program, 'updateTopic', 'Update or create topic')
    .requiredOption('-t, --topic <topic>', 'topic name')
    .option('-b, --brokerAddr <addr>', 'create topic to which broker')
    .option('-c, --clusterName <cluster>', 'create topic to which cluster')
    .option('-r, --readQueueNums <n>', 'set read queue nums', int('readQueueNums'), 8)
    .option('-w, --writeQueueNums <n>', 'set write queue nums', int('writeQueueNums'), 8)
    .option('-p, --perm <perm>', 'set topic permission (2=W, 4=R, 6=RW)', int('perm'), 6)
    .option('-o, --order <bool>', 'set topic order', bool, false)
    .option('-a, --attributes <attrs>', 'attribute(+a=b,+c=d,-e), e.g. +message.type=FIFO')
    .action(
      action<Options>(async (o) => {
        if (!o.brokerAddr && !o.clusterName)
          throw new UsageError('updateTopic needs -b <brokerAddr> or -c <clusterName>');
        const brokers = await withAdmin(o, (admin) =>
          admin.createTopic({
            topic: o.topic,
            brokerAddr: o.brokerAddr,
            clusterName: o.clusterName,
            readQueueNums: o.readQueueNums,
            writeQueueNums: o.writeQueueNums,
            perm: o.perm,
            order: o.order,
            attributes: o.attributes,
          }),
        );
        if (o.json) printJson({ topic: o.topic, brokers, attributes: o.attributes ?? '' });
        else {
          for (const b of brokers) process.stdout.write(`create topic to ${b} success.\n`);
          // Java prints the TopicConfig it sent, attributes as the parsed modification.
          const entries = o.attributes ? o.attributes.trim().split(',') : [];
          const attrs = `{${entries.map((e) => (e.includes('=') ? e : `${e}=`)).join(', ')}}`;
          const perm = `${o.perm & 4 ? 'R' : '-'}${o.perm & 2 ? 'W' : '-'}${o.perm & 1 ? 'X' : '-'}`;
          process.stdout.write(
            `TopicConfig [topicName=${o.topic}, readQueueNums=${o.readQueueNums}, writeQueueNums=${o.writeQueueNums}, ` +
              `perm=${perm}, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=${o.order}, attributes=${attrs}]\n`,
          );
        }
      }),
    );
}
