// Shared set-up for the proxy-* tests: a NameServer, a broker and the gRPC proxy (Local mode)
// in this process on port 0, and the official 5.x Node client (rocketmq-client-nodejs) built
// with a silent logger (its default writes to ~/logs). Not a test file.
import { MQAdmin } from '@rocketmq-ts/client';
import { type GrpcProxy, startClusterProxy } from '@rocketmq-ts/proxy';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { type MessageView, Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { startLocalCluster } from 'rocketmq-ts';

export const silent = { info() {}, warn() {}, error() {}, debug() {} };

export interface ProxyCluster {
  namesrvAddr: string;
  brokerAddr: string;
  /** `127.0.0.1:<port>` of the Local-mode proxy. */
  endpoints: string;
  admin: MQAdmin;
  /** Starts a Cluster-mode proxy on the same NameServer (stopped with the cluster). */
  clusterProxy(): Promise<string>;
  shutdown(): Promise<void>;
}

const PROXY_TEST_CONFIG = {
  // Polls shorter than Java's 5 s floor, so "empty after its await" takes the await.
  grpcClientConsumerMinLongPollingTimeoutMillis: 500,
};

export async function startProxyCluster(
  brokerConfig: Record<string, string | number | boolean> = {},
): Promise<ProxyCluster> {
  const dir = await tempDir('rmq-proxy-e2e-');
  const cluster = await startLocalCluster({
    dataDir: dir.path,
    namesrvPort: 0,
    brokerPort: 0,
    host: '127.0.0.1',
    proxyPort: 0,
    proxyConfig: PROXY_TEST_CONFIG,
    brokerConfig: { transactionTimeOut: 1000, transactionCheckInterval: 1000, ...brokerConfig },
  });
  const admin = new MQAdmin({ namesrvAddr: cluster.namesrvAddr });
  const extra: GrpcProxy[] = [];
  return {
    namesrvAddr: cluster.namesrvAddr,
    brokerAddr: cluster.brokerAddr,
    endpoints: `127.0.0.1:${cluster.proxy!.port}`,
    admin,
    async clusterProxy() {
      const p = await startClusterProxy({
        config: {
          grpcServerPort: 0,
          grpcServerHost: '127.0.0.1',
          namesrvAddr: cluster.namesrvAddr,
          ...PROXY_TEST_CONFIG,
        },
      });
      extra.push(p);
      return `127.0.0.1:${p.port}`;
    },
    async shutdown() {
      await admin.close();
      for (const p of extra) await p.shutdown();
      await cluster.shutdown();
      await dir.cleanup();
    },
  };
}

/** `type`: the topic's `message.type` (none: NORMAL, as in RocketMQ 5.x). */
export async function createTopic(
  c: ProxyCluster,
  topic: string,
  queues = 4,
  type?: 'NORMAL' | 'FIFO' | 'DELAY' | 'TRANSACTION' | 'MIXED',
): Promise<void> {
  await c.admin.createTopic({
    topic,
    clusterName: 'DefaultCluster',
    readQueueNums: queues,
    writeQueueNums: queues,
    ...(type ? { attributes: `+message.type=${type}` } : {}),
  });
  await eventually(async () => (await c.admin.topicRoute(topic).catch(() => undefined))?.queueDatas.length === 1, {
    message: `route of ${topic}`,
  });
}

export function producer(
  endpoints: string,
  topics: string[],
  checker?: { check(m: MessageView): Promise<number> },
): Producer {
  return new Producer({ endpoints, namespace: '', topics, logger: silent, ...(checker ? { checker } : {}) } as never);
}

export function simpleConsumer(
  endpoints: string,
  group: string,
  topic: string,
  filter = '*',
  awaitMs = 2000,
): SimpleConsumer {
  return new SimpleConsumer({
    endpoints,
    namespace: '',
    consumerGroup: group,
    subscriptions: new Map([[topic, filter]]),
    awaitDuration: awaitMs,
    logger: silent,
  } as never);
}

/** Receives until `n` messages arrived (or the deadline), acking none. */
export async function receiveN(
  c: SimpleConsumer,
  n: number,
  invisibleMs = 15_000,
  timeoutMs = 20_000,
): Promise<MessageView[]> {
  const got: MessageView[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < n && Date.now() < deadline) got.push(...(await c.receive(32, invisibleMs)));
  return got;
}

/** Shuts a client down, ignoring the client's own logger complaining after close. */
export const stop = async (c: { shutdown(): Promise<unknown> }): Promise<void> => {
  await c.shutdown().catch(() => undefined);
};
