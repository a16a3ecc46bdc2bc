// Child process for client-lifecycle.test.ts: starts a producer, a push consumer and a lite
// pull consumer, exchanges a message, closes them all and then simply returns. The test
// asserts the process exits by itself, i.e. no timer or socket was left behind.
import { LitePullConsumer, MQAdmin, Producer, PushConsumer } from '@rocketmq-ts/client';

const [namesrvAddr, topic] = process.argv.slice(2) as [string, string];
const producer = new Producer({ namesrvAddr, producerGroup: `P_${process.pid}` });
const consumer = new PushConsumer({
  namesrvAddr,
  consumerGroup: `G_${process.pid}`,
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
});
const lite = new LitePullConsumer({
  namesrvAddr,
  consumerGroup: `L_${process.pid}`,
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
});
const admin = new MQAdmin({ namesrvAddr });
let received!: () => void;
const got = new Promise<void>((r) => {
  received = r;
});
consumer.subscribe(topic);
consumer.registerMessageListener({ type: 'concurrently', consume: () => received() });
lite.subscribe(topic);
await consumer.start();
await lite.start();
await producer.start();
await producer.send({ topic, body: 'bye' });
await got;
for (let i = 0; i < 50 && (await lite.poll(200)).length === 0; i++);
await admin.topicList();
await producer.shutdown();
await consumer.shutdown();
await lite.shutdown();
await admin.close();
process.stdout.write('closed\n');
