import type { MessageExt } from '@rocketmq-ts/client';
import type { Command } from 'commander';
import { messageJson, printMessageDetail } from '../../support/message-view.js';
import { printJson } from '../../support/output.js';
import { readRange } from '../../support/read-range.js';
import { action, type CommonOptions, int, namesrvOf, subcommand } from '../../support/run.js';

interface Options extends CommonOptions {
  topic: string;
  brokerName: string;
  queueId: number;
  offset: number;
}

export function register(program: Command): void {
  subcommand(program, 'queryMsgByOffset', 'Query Message by offset')
    .requiredOption('-t, --topic <topic>', 'topic name')
    .requiredOption('-b, --brokerName <name>', 'broker name')
    .requiredOption('-i, --queueId <n>', 'queue id', int('queueId'))
    .requiredOption('-o, --offset <n>', 'queue offset', int('offset'))
    .action(
      action<Options>(async (o) => {
        let found: MessageExt | undefined;
        await readRange(
          {
            namesrvAddr: namesrvOf(o),
            topic: o.topic,
            brokerName: o.brokerName,
            queueId: o.queueId,
            offset: o.offset,
            count: 1,
            group: 'TOOLS_CONSUMER',
          },
          (m) => {
            if (m.queueOffset === o.offset) found = m;
          },
        );
        if (!found) throw new Error(`no message at ${o.brokerName}/${o.queueId}/${o.offset} of ${o.topic}`);
        if (o.json) printJson(messageJson(found));
        else printMessageDetail(found);
      }),
    );
}
