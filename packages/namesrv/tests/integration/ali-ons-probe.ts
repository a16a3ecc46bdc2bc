// Child process for ali-ons.test.ts (not a test): asks a NameServer for a topic's route
// through ali-ons, prints what ali-ons made of it as one JSON line, and exits. ali-ons
// never closes its inner producer, so it cannot run inside the test process.
// usage: node ali-ons-probe.js <host:port> <topic> <missingTopic>
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Producer } = require('ali-ons') as { Producer: new (options: object) => AliOnsProducer };

interface AliOnsProducer {
  ready(): Promise<void>;
  tryToFindTopicPublishInfo(topic: string): Promise<{ messageQueueList: { brokerName: string; queueId: number }[] }>;
  _mqClient: {
    getTopicRouteInfoFromNameServer(topic: string, timeoutMs: number): Promise<unknown>;
    findBrokerAddressInPublish(brokerName: string): string | undefined;
  };
}

const [nameSrv, topic, missingTopic] = process.argv.slice(2) as [string, string, string];
const toStderr = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);
const logger = { info() {}, debug() {}, warn: toStderr, error: toStderr };

const producer = new Producer({
  producerGroup: 'PID_NAMESRV_PROBE',
  nameSrv,
  // Required by an assert even when nameSrv is set (docs/development.md, "ali-ons as a test client"); never called.
  httpclient: { request: async () => Promise.reject(new Error('unused')) },
  logger,
});
await producer.ready();
const route = await producer._mqClient.getTopicRouteInfoFromNameServer(topic, 3000);
const publish = await producer.tryToFindTopicPublishInfo(topic);
let missing: { name: string; code: number } | undefined;
try {
  await producer._mqClient.getTopicRouteInfoFromNameServer(missingTopic, 3000);
} catch (e) {
  missing = { name: (e as Error).name, code: (e as { code: number }).code };
}
process.stdout.write(
  `${JSON.stringify({
    route,
    queues: publish.messageQueueList.map((q) => `${q.brokerName}#${q.queueId}`),
    masterAddr: producer._mqClient.findBrokerAddressInPublish('broker-a'),
    missing,
  })}\n`,
);
process.exit(0);
