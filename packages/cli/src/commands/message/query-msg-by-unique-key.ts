import type { Command } from 'commander';
import { messageJson, printMessageDetail } from '../../support/message-view.js';
import { printJson } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  msgId: string;
  topic: string;
}

export function register(program: Command): void {
  subcommand(program, 'queryMsgByUniqueKey', 'Query Message by Unique key')
    .requiredOption('-i, --msgId <uniqKey>', 'message UNIQ_KEY (the client msgId)')
    .requiredOption('-t, --topic <topic>', 'topic name')
    .action(
      action<Options>(async (o) => {
        const m = await withAdmin(o, (admin) => admin.viewMessage(o.msgId, o.topic));
        if (o.json) printJson(messageJson(m));
        else printMessageDetail(m);
      }),
    );
}
