// Child process for client-rebalance.test.ts: a push consumer that prints every body it
// handles, one per line, until it is killed.
import { PushConsumer } from '@rocketmq-ts/client';

const [namesrvAddr, topic, group] = process.argv.slice(2) as [string, string, string];
const consumer = new PushConsumer({ namesrvAddr, consumerGroup: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
consumer.subscribe(topic);
consumer.registerMessageListener({
  type: 'concurrently',
  consume: (msgs) => {
    process.stdout.write(msgs.map((m) => `${m.body.toString()}\n`).join(''));
  },
});
await consumer.start();
process.stdout.write('ready\n');
