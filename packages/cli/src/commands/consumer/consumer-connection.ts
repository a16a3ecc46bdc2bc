import type { Command } from 'commander';
import { printJson, printTable } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  consumerGroup: string;
}

export function register(program: Command): void {
  subcommand(program, 'consumerConnection', 'Query consumer connections and subscriptions')
    .requiredOption('-g, --consumerGroup <group>', 'consumer group name')
    .action(
      action<Options>(async (o) => {
        const c = await withAdmin(o, (admin) => admin.consumerConnection(o.consumerGroup));
        if (o.json) {
          printJson(c);
          return;
        }
        printTable(
          ['#', '#ClientId', '#ClientAddr', '#Language', '#Version'],
          c.connections.map((x, i) => [i + 1, x.clientId, x.clientAddr, x.language, x.version]),
        );
        process.stdout.write('\nBelow is subscription:\n');
        printTable(
          ['#', '#Topic', '#SubExpression'],
          c.subscriptions.map((s, i) => [i + 1, s.topic, s.subString]),
        );
        process.stdout.write(
          `\nConsumeType: ${c.consumeType}\nMessageModel: ${c.messageModel}\nConsumeFromWhere: ${c.consumeFromWhere}\n`,
        );
      }),
    );
}
