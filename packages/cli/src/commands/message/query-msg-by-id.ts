import type { Command } from 'commander';
import { messageJson, printMessageDetail } from '../../support/message-view.js';
import { printJson } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  msgId: string;
  topic?: string;
}

export function register(program: Command): void {
  subcommand(program, 'queryMsgById', 'Query Message by Id')
    .requiredOption('-i, --msgId <id>', 'offset message id (or UNIQ_KEY with -t)')
    .option('-t, --topic <topic>', 'topic, to look the id up as a UNIQ_KEY')
    .action(
      action<Options>(async (o) => {
        const m = await withAdmin(o, (admin) => admin.viewMessage(o.msgId, o.topic));
        if (o.json) printJson(messageJson(m));
        else printMessageDetail(m);
      }),
    );
}
