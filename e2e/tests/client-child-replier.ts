// Child process for client-request-reply.test.ts: answers every request message of a topic
// with `echo:<body>` through createReplyMessage and its own producer. Bodies starting with
// `noreply` get no answer; bodies starting with `slow` are answered after 1 s. Prints `ready`
// once started, then one line per reply sent (`sent <body>` or `failed <body> <reason>`).
import { createReplyMessage, Producer, PushConsumer } from '@rocketmq-ts/client';

const [namesrvAddr, topic, group] = process.argv.slice(2) as [string, string, string];
const producer = new Producer({ namesrvAddr, producerGroup: `${group}_replier` });
await producer.start();
const consumer = new PushConsumer({ namesrvAddr, consumerGroup: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
consumer.subscribe(topic);
consumer.registerMessageListener({
  type: 'concurrently',
  consume: async (msgs) => {
    await Promise.all(
      msgs.map(async (m) => {
        const body = m.body.toString();
        if (body.startsWith('noreply')) return;
        if (body.startsWith('slow')) await new Promise((r) => setTimeout(r, 1000));
        try {
          await producer.send(createReplyMessage(m, `echo:${body}`));
          process.stdout.write(`sent ${body}\n`);
        } catch (e) {
          process.stdout.write(`failed ${body} ${(e as Error).message}\n`);
        }
      }),
    );
  },
});
await consumer.start();
process.stdout.write('ready\n');
