import type { Command } from 'commander';
import { formatTime, printJson, printTable } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  topic: string;
}

export function register(program: Command): void {
  subcommand(program, 'topicStatus', 'Examine topic status info (min/max offset per queue)')
    .requiredOption('-t, --topic <topic>', 'topic name')
    .action(
      action<Options>(async (o) => {
        const stats = await withAdmin(o, (admin) => admin.topicStats(o.topic));
        if (o.json) {
          printJson(stats);
          return;
        }
        printTable(
          ['#Broker Name', '#QID', '#Min Offset', '#Max Offset', '#Last Updated'],
          stats.map((s) => [
            s.mq.brokerName,
            s.mq.queueId,
            s.minOffset,
            s.maxOffset,
            formatTime(s.lastUpdateTimestamp),
          ]),
        );
      }),
    );
}
