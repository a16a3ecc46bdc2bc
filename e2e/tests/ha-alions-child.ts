// Child process for ha-alions.test.ts: an ali-ons push consumer that runs until it is killed,
// printing one JSON line per message ({ body, queueId, at }). Route polling, offset
// persistence and the pull retry delay are shortened so failovers show up within seconds.
//   <namesrv> <topic> <group>
import { createRequire } from 'node:module';

interface OnsMessage {
  body: Buffer;
  queueId: number;
  queueOffset: number;
}
interface OnsConsumer {
  ready(): Promise<void>;
  subscribe(topic: string, expr: string, fn: (msg: OnsMessage) => Promise<void>): void;
  on(ev: string, fn: (e: unknown) => void): void;
}
const ons = createRequire(import.meta.url)('ali-ons') as { Consumer: new (o: object) => OnsConsumer };
const quiet = { info() {}, warn() {}, debug() {}, error() {} };
const [namesrv, topic, group] = process.argv.slice(2) as [string, string, string];
setTimeout(() => {
  process.stderr.write('ha ali-ons child timed out\n');
  process.exit(2);
}, 170_000).unref();

const consumer = new ons.Consumer({
  nameSrv: namesrv,
  httpclient: { request: async () => Promise.reject(new Error('unused')) },
  consumerGroup: group,
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  logger: quiet,
  // ali-ons' own spelling of the route polling interval.
  pollNameServerInteval: 1000,
  persistConsumerOffsetInterval: 500,
  pullTimeDelayMillsWhenException: 300,
  rebalanceInterval: 2000,
});
consumer.on('error', (e) => process.stderr.write(`ali-ons error: ${String(e)}\n`));
consumer.subscribe(topic, '*', async (msg) => {
  process.stdout.write(
    `${JSON.stringify({ body: msg.body.toString(), queueId: msg.queueId, offset: msg.queueOffset, at: Date.now() })}\n`,
  );
});
await consumer.ready();
process.stdout.write('ready\n');
