import type { Command } from 'commander';
import { formatTime, printJson, printTable } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  groupName: string;
  topic?: string;
}

export function register(program: Command): void {
  subcommand(program, 'consumerProgress', "Query consumer's progress, speed")
    .requiredOption('-g, --groupName <group>', 'consumer group name')
    .option('-t, --topic <topic>', 'only this topic')
    .action(
      action<Options>(async (o) => {
        const p = await withAdmin(o, (admin) => admin.consumeStats(o.groupName, o.topic));
        if (o.json) {
          printJson(p);
          return;
        }
        printTable(
          ['#Topic', '#Broker Name', '#QID', '#Broker Offset', '#Consumer Offset', '#Diff', '#LastTime'],
          p.queues.map((q) => [
            q.mq.topic,
            q.mq.brokerName,
            q.mq.queueId,
            q.brokerOffset,
            q.consumerOffset,
            q.lag,
            formatTime(q.lastTimestamp),
          ]),
        );
        process.stdout.write(`\nConsume TPS: ${p.consumeTps.toFixed(2)}\nConsume Diff Total: ${p.totalLag}\n`);
      }),
    );
}
