// Child process for proxy-grpc-client.test.ts: a rocketmq-client-nodejs PushConsumer that fails
// body `p3` once and prints the bodies it consumed as one JSON line once it has `count` distinct
// ones. Run in a child because the client (1.0.8) keeps a handle open after PushConsumer.shutdown(),
// so a process using one never exits by itself.
//   proxy-push-child <endpoints> <topic> <group> <count>
import { ConsumeResult, type MessageView, PushConsumer } from 'rocketmq-client-nodejs';

const [endpoints, topic, group, count] = process.argv.slice(2) as [string, string, string, string];
const silent = { info() {}, warn() {}, error() {}, debug() {} };
setTimeout(() => {
  process.stderr.write('push child timed out\n');
  process.exit(2);
}, 40_000).unref();

const seen = new Map<string, number>();
let failed = false;
const push = new PushConsumer({
  endpoints,
  namespace: '',
  consumerGroup: group,
  subscriptions: new Map([[topic, '*']]),
  logger: silent,
  messageListener: {
    consume(m: MessageView) {
      const body = m.body.toString();
      if (body === 'p3' && !failed) {
        failed = true;
        return ConsumeResult.FAILURE;
      }
      seen.set(body, (seen.get(body) ?? 0) + 1);
      if (seen.size >= Number(count)) {
        process.stdout.write(`${JSON.stringify({ failed, bodies: [...seen.keys()].sort() })}\n`);
        setTimeout(() => process.exit(0), 300);
      }
      return ConsumeResult.SUCCESS;
    },
  },
} as never);
await push.startup();
