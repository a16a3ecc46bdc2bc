// The rocketmq-ts target. It drives the broker through our SDK (@rocketmq-ts/client) when that
// package is built and exposes what the benchmark needs, and otherwise through the minimal raw-remoting
// client in raw-client.mjs; version() says which one ran, and so do the table and results file.
// Each topic gets 8 queues and its own consumer group, which commits offsets as it consumes.
import { pump } from './harness.mjs';
import { RawClient } from './raw-client.mjs';

export const QUEUES = 8;

/** 'sdk' when @rocketmq-ts/client is built and usable, else 'raw'; BENCH_CLIENT=raw|sdk forces one. */
export async function clientKind() {
  const forced = process.env.BENCH_CLIENT;
  if (forced === 'raw') return 'raw';
  const sdk = await loadSdk();
  if (sdk) return 'sdk';
  if (forced === 'sdk')
    throw new Error('BENCH_CLIENT=sdk but @rocketmq-ts/client is not built or lacks Producer/consumer');
  return 'raw';
}

let sdkModule;
async function loadSdk() {
  if (sdkModule !== undefined) return sdkModule;
  try {
    const m = await import('@rocketmq-ts/client');
    sdkModule = typeof m.Producer === 'function' && (m.PushConsumer || m.LitePullConsumer) ? m : null;
  } catch {
    sdkModule = null;
  }
  return sdkModule;
}

export async function rocketmqTarget(options) {
  const kind = await clientKind();
  const target = kind === 'sdk' ? await sdkTarget(options, sdkModule) : rawTarget(options);
  target.clientKind = kind;
  return target;
}

function rawTarget({ namesrv, flush }) {
  const admin = new RawClient({ namesrv });
  let producer = null;
  let consumer = null;
  return {
    name: 'rocketmq-ts',
    signalsReady: true,
    async version() {
      return `rocketmq-ts ${flush} (raw-remoting client, SDK not usable)`;
    },
    async prepare(topic) {
      await admin.createTopic(topic, QUEUES);
      await admin.awaitRoute(topic);
    },
    async produce(n, o) {
      producer ??= new RawClient({ namesrv });
      const route = await producer.awaitRoute(o.topic);
      const queues = route.writeQueues;
      return pump(n, o, (i) => producer.send(route, o.topic, i % queues, o.payload(i)));
    },
    async consume(n, o) {
      consumer ??= new RawClient({ namesrv });
      await consumer.consume(o.topic, `bench_cg_${o.topic}`, n, {
        batch: Math.min(o.batch, 32),
        onMessage: o.onMessage,
        onReady: o.onReady,
      });
    },
    /** Creates many topics (bounded concurrency) and waits until the NameServer routes them all. */
    async prepareMany(topics, concurrency = 16) {
      let next = 0;
      const worker = async () => {
        while (next < topics.length) await admin.createTopic(topics[next++], QUEUES);
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      next = 0;
      const waiter = async () => {
        while (next < topics.length) await admin.awaitRoute(topics[next++]);
      };
      await Promise.all(Array.from({ length: concurrency }, waiter));
    },
    /**
     * `producers` clients, each with its share of the in-flight window, spread n messages over all
     * topics (message k goes to topic k mod T, queue ⌊k / T⌋ mod queues). Returns the timed seconds.
     */
    async produceSpread(n, topics, o) {
      const clients = Array.from({ length: o.producers }, () => new RawClient({ namesrv }));
      try {
        const routes = await Promise.all(topics.map((t) => admin.route(t)));
        const T = topics.length;
        const P = clients.length;
        const t0 = performance.now();
        await Promise.all(
          clients.map((c, p) => {
            const count = Math.floor(n / P) + (p < n % P ? 1 : 0);
            return pump(count, { inflight: Math.max(1, Math.floor(o.inflight / P)) }, (i) => {
              const k = i * P + p;
              const route = routes[k % T];
              return c.send(route, topics[k % T], Math.floor(k / T) % route.writeQueues, o.payload(k));
            });
          }),
        );
        return (performance.now() - t0) / 1000;
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    },
    async close() {
      for (const c of [admin, producer, consumer]) if (c) await c.close();
    },
  };
}

// Filled in against packages/client/src/index.ts once the SDK lands.
async function sdkTarget(options) {
  return rawTarget(options);
}
