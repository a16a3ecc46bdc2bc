import type { Command } from 'commander';
import { parseTimestamp, printJson, printTable } from '../../support/output.js';
import { action, bool, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  group: string;
  topic: string;
  timestamp: string;
  force: boolean;
}

export function register(program: Command): void {
  subcommand(program, 'resetOffsetByTime', 'Reset consumer offset by timestamp')
    .requiredOption('-g, --group <group>', 'consumer group name')
    .requiredOption('-t, --topic <topic>', 'topic name')
    .requiredOption('-s, --timestamp <ts>', 'ms since epoch, now, or yyyy-MM-dd#HH:mm:ss:SSS')
    .option('-f, --force <bool>', 'reset even if the offset moves forward', bool, true)
    .action(
      action<Options>(async (o) => {
        const ts = parseTimestamp(o.timestamp);
        const result = await withAdmin(o, (admin) => admin.resetOffsetByTime(o.group, o.topic, ts, o.force));
        if (o.json) {
          printJson(result);
          return;
        }
        printTable(
          ['#brokerName', '#queueId', '#offset'],
          result.map((r) => [r.mq.brokerName, r.mq.queueId, r.offset]),
        );
      }),
    );
}
