import type { Command } from 'commander';
import { messageJson } from '../../support/message-view.js';
import { formatTime, parseTimestamp } from '../../support/output.js';
import { readRange } from '../../support/read-range.js';
import { action, type CommonOptions, int, namesrvOf, subcommand } from '../../support/run.js';

interface Options extends CommonOptions {
  topic: string;
  brokerName?: string;
  queueId?: number;
  offset?: number;
  consumerGroup: string;
  beginTimestamp?: string;
  endTimestamp?: string;
  messageNumber: number;
}

export function register(program: Command): void {
  subcommand(program, 'consumeMessage', 'Consume message (reads without committing offsets)')
    .requiredOption('-t, --topic <topic>', 'topic name')
    .option('-b, --brokerName <name>', 'broker name')
    .option('-i, --queueId <n>', 'queue id', int('queueId'))
    .option('-o, --offset <n>', 'queue offset', int('offset'))
    .option('-g, --consumerGroup <group>', 'consumer group name', 'TOOLS_CONSUMER')
    .option('-s, --beginTimestamp <ts>', 'begin timestamp')
    .option('-e, --endTimestamp <ts>', 'end timestamp')
    .option('-c, --messageNumber <n>', 'number of messages to consume', int('messageNumber'), 128)
    .action(
      action<Options>(async (o) => {
        const out: Record<string, unknown>[] = [];
        const n = await readRange(
          {
            namesrvAddr: namesrvOf(o),
            topic: o.topic,
            brokerName: o.brokerName,
            queueId: o.queueId,
            offset: o.offset,
            begin: o.beginTimestamp ? parseTimestamp(o.beginTimestamp) : undefined,
            end: o.endTimestamp ? parseTimestamp(o.endTimestamp) : undefined,
            count: o.messageNumber,
            group: o.consumerGroup,
          },
          (m) => {
            if (o.json) out.push(messageJson(m));
            else
              process.stdout.write(
                `MSGID: ${m.msgId} QID: ${m.queueId} OFFSET: ${m.queueOffset} TAGS: ${m.tags ?? ''} KEYS: ${m.keys.join(' ')} STORE: ${formatTime(m.storeTimestamp)} BODY: ${m.body.toString('utf8')}\n`,
              );
          },
        );
        if (o.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        else process.stdout.write(`Consumed ${n} messages.\n`);
      }),
    );
}
