import { Producer } from '@rocketmq-ts/client';
import type { Command } from 'commander';
import { printJson, printTable } from '../../support/output.js';
import { action, type CommonOptions, int, namesrvOf, subcommand } from '../../support/run.js';

interface Options extends CommonOptions {
  topic: string;
  body: string;
  keys?: string;
  tags?: string;
  broker?: string;
  qid?: number;
  deliverTimeMs?: number;
  delayTimeSec?: number;
}

export function register(program: Command): void {
  subcommand(program, 'sendMessage', 'Send a message')
    .requiredOption('-t, --topic <topic>', 'topic name')
    .requiredOption('-p, --body <body>', 'UTF-8 string format of the message body')
    .option('-k, --keys <keys>', 'message keys')
    .option('-c, --tags <tags>', 'message tags')
    .option('-b, --broker <brokerName>', 'send message to target broker')
    .option('-i, --qid <n>', 'send message to target queue', int('qid'))
    .option('-d, --deliverTimeMs <ms>', 'deliver at this time (epoch ms, timer message)', int('deliverTimeMs'))
    .option('-s, --delayTimeSec <s>', 'deliver this many seconds later (timer message)', int('delayTimeSec'))
    .action(
      action<Options>(async (o) => {
        const producer = new Producer({ namesrvAddr: namesrvOf(o), producerGroup: 'PID_MQADMIN_SEND' });
        await producer.start();
        try {
          const msg = {
            topic: o.topic,
            body: o.body,
            ...(o.tags ? { tags: o.tags } : {}),
            ...(o.keys ? { keys: o.keys } : {}),
            ...(o.deliverTimeMs !== undefined ? { deliveryTimestamp: o.deliverTimeMs } : {}),
            ...(o.delayTimeSec !== undefined ? { delayTimeSec: o.delayTimeSec } : {}),
          };
          const queue =
            o.broker !== undefined && o.qid !== undefined
              ? { topic: o.topic, brokerName: o.broker, queueId: o.qid }
              : undefined;
          const r = await producer.send(msg, queue ? { queue } : {});
          if (o.json) printJson(r);
          else
            printTable(
              ['#Broker Name', '#QID', '#Send Result', '#MsgId', ...(r.recallHandle ? ['#Recall Handle'] : [])],
              [
                [
                  r.messageQueue.brokerName,
                  r.messageQueue.queueId,
                  r.sendStatus,
                  r.msgId,
                  ...(r.recallHandle ? [r.recallHandle] : []),
                ],
              ],
            );
        } finally {
          await producer.shutdown();
        }
      }),
    );
}
