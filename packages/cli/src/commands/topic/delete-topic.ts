import type { Command } from 'commander';
import { printJson } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  topic: string;
  clusterName: string;
}

export function register(program: Command): void {
  subcommand(program, 'deleteTopic', 'Delete topic from broker and NameServer')
    .requiredOption('-t, --topic <topic>', 'topic name')
    .requiredOption('-c, --clusterName <cluster>', 'delete topic from which cluster')
    .action(
      action<Options>(async (o) => {
        await withAdmin(o, (admin) => admin.deleteTopic(o.topic, o.clusterName));
        if (o.json) printJson({ topic: o.topic, clusterName: o.clusterName, deleted: true });
        else process.stdout.write(`delete topic [${o.topic}] from cluster [${o.clusterName}] success.\n`);
      }),
    );
}
