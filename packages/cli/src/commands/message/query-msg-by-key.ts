import type { Command } from 'commander';
import { messageJson } from '../../support/message-view.js';
import { parseTimestamp, printJson, printTable } from '../../support/output.js';
import { action, type CommonOptions, int, subcommand, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  topic: string;
  msgKey: string;
  beginTimestamp?: string;
  endTimestamp?: string;
  maxNum: number;
}

export function register(program: Command): void {
  subcommand(program, 'queryMsgByKey', 'Query Message by Key')
    .requiredOption('-t, --topic <topic>', 'topic name')
    .requiredOption('-k, --msgKey <key>', 'message key')
    .option('-b, --beginTimestamp <ts>', 'begin timestamp')
    .option('-e, --endTimestamp <ts>', 'end timestamp')
    .option('-c, --maxNum <n>', 'the maximum number of messages to query', int('maxNum'), 64)
    .action(
      action<Options>(async (o) => {
        const begin = o.beginTimestamp ? parseTimestamp(o.beginTimestamp) : 0;
        const end = o.endTimestamp ? parseTimestamp(o.endTimestamp) : Number.MAX_SAFE_INTEGER;
        const list = await withAdmin(o, (admin) => admin.queryMessageByKey(o.topic, o.msgKey, o.maxNum, begin, end));
        if (o.json) {
          printJson(list.map((m) => messageJson(m)));
          return;
        }
        printTable(
          ['#Message ID', '#QID', '#Offset'],
          list.map((m) => [m.offsetMsgId, m.queueId, m.queueOffset]),
        );
      }),
    );
}
