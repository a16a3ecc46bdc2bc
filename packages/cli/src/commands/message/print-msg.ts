import type { Command } from 'commander';
import { messageJson } from '../../support/message-view.js';
import { formatTime, parseTimestamp } from '../../support/output.js';
import { readRange } from '../../support/read-range.js';
import { action, bool, type CommonOptions, namesrvOf, subcommand } from '../../support/run.js';

interface Options extends CommonOptions {
  topic: string;
  subExpression: string;
  beginTimestamp?: string;
  endTimestamp?: string;
  printBody: boolean;
}

export function register(program: Command): void {
  subcommand(program, 'printMsg', 'Print every message of a topic')
    .requiredOption('-t, --topic <topic>', 'topic name')
    .option('-s, --subExpression <expr>', 'subscribe expression', '*')
    .option('-b, --beginTimestamp <ts>', 'begin timestamp')
    .option('-e, --endTimestamp <ts>', 'end timestamp')
    .option('-d, --printBody <bool>', 'print body', bool, true)
    .action(
      action<Options>(async (o) => {
        const out: Record<string, unknown>[] = [];
        const n = await readRange(
          {
            namesrvAddr: namesrvOf(o),
            topic: o.topic,
            begin: o.beginTimestamp ? parseTimestamp(o.beginTimestamp) : undefined,
            end: o.endTimestamp ? parseTimestamp(o.endTimestamp) : undefined,
            tags: o.subExpression,
            group: 'TOOLS_CONSUMER',
          },
          (m) => {
            if (o.json) out.push(messageJson(m, o.printBody));
            else
              process.stdout.write(
                `MSGID: ${m.msgId} BROKER: ${m.brokerName} QID: ${m.queueId} OFFSET: ${m.queueOffset} TAGS: ${m.tags ?? ''} STORE: ${formatTime(m.storeTimestamp)}${o.printBody ? ` BODY: ${m.body.toString('utf8')}` : ''}\n`,
              );
          },
        );
        if (o.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        else process.stdout.write(`Printed ${n} messages.\n`);
      }),
    );
}
