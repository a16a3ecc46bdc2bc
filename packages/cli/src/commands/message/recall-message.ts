import { Producer } from '@rocketmq-ts/client';
import type { Command } from 'commander';
import { printJson, printTable } from '../../support/output.js';
import { action, type CommonOptions, namesrvOf, subcommand } from '../../support/run.js';

// recallMessage: cancels a timer message before it fires by the recall handle its send
// printed (RocketMQ 5.3's DefaultMQProducer.recallMessage).

interface Options extends CommonOptions {
  topic: string;
  recallHandle: string;
}

export function register(program: Command): void {
  subcommand(program, 'recallMessage', 'Recall a timer message before it fires')
    .requiredOption('-t, --topic <topic>', 'topic name')
    .requiredOption('-r, --recallHandle <handle>', 'the recall handle returned by the send')
    .action(
      action<Options>(async (o) => {
        const producer = new Producer({ namesrvAddr: namesrvOf(o), producerGroup: 'PID_MQADMIN_RECALL' });
        await producer.start();
        try {
          const msgId = await producer.recall(o.topic, o.recallHandle);
          if (o.json) printJson({ msgId });
          else printTable(['#Topic', '#MsgId', '#Result'], [[o.topic, msgId, 'RECALLED']]);
        } finally {
          await producer.shutdown();
        }
      }),
    );
}
