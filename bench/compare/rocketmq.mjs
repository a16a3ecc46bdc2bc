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
    throw new Error('BENCH_CLIENT=sdk but @rocketmq-ts/client is not built or lacks Producer, PushConsumer or MQAdmin');
  return 'raw';
}

let sdkModule;
async function loadSdk() {
  if (sdkModule !== undefined) return sdkModule;
  try {
    const m = await import('@rocketmq-ts/client');
    sdkModule = typeof m.Producer === 'function' && m.PushConsumer && m.MQAdmin ? m : null;
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
      return `rocketmq-ts ${flush} (raw-remoting client, not the SDK)`;
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
        batch: o.batch,
        onMessage: o.onMessage,
        onReady: o.onReady,
      });
    },
    /** Creates many topics (bounded concurrency) and waits until the NameServer routes them all. */
    async prepareMany(topics, concurrency = 16) {
      await eachLimited(topics, concurrency, (t) => admin.createTopic(t, QUEUES));
      await eachLimited(topics, concurrency, (t) => admin.awaitRoute(t));
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

/**
 * The producer settings of a RocketMQ user after throughput: auto-batching on (Java's
 * DefaultMQProducer#setAutoBatch(true)), so that the 128 sends in flight leave as a few
 * SEND_BATCH_MESSAGE requests. Every send is still awaited on its own. The produce phase is also
 * run once with it off (produceUnbatched), and the report shows both figures.
 */
export const PRODUCER_SETTINGS = { autoBatch: process.env.BENCH_AUTOBATCH !== '0' };

/**
 * Through the SDK: Producer.send (waits for the broker's SEND_OK), PushConsumer with a concurrent
 * listener in a fresh consumer group starting from the first offset; the SDK commits offsets as it
 * goes (on pulls, periodically and at shutdown). Topics are created with the SDK's MQAdmin.
 */
async function sdkTarget({ namesrv, flush }, sdk) {
  const admin = sdkAdmin(namesrv, sdk);
  const producers = [];
  const newProducer = async (settings = PRODUCER_SETTINGS) => {
    const p = new sdk.Producer({ namesrvAddr: namesrv, producerGroup: `bench_pg_${producers.length}`, ...settings });
    await p.start();
    producers.push(p);
    return p;
  };
  let producer = null;
  let unbatched = null;
  const send = async (p, msg) => {
    const r = await p.send(msg);
    if (r.sendStatus !== 'SEND_OK') throw new Error(`send: ${r.sendStatus}`);
  };
  return {
    name: 'rocketmq-ts',
    signalsReady: true,
    async version() {
      return `rocketmq-ts ${flush} (SDK: @rocketmq-ts/client Producer ${JSON.stringify(PRODUCER_SETTINGS)} + PushConsumer)`;
    },
    async prepare(topic) {
      await admin.createTopic(topic);
      await admin.awaitRoute(topic);
    },
    async produce(n, o) {
      producer ??= await newProducer();
      return pump(n, o, (i) => send(producer, { topic: o.topic, body: o.payload(i) }));
    },
    /** The same produce load through a producer with auto-batching off: one SEND_MESSAGE_V2 per message. */
    async produceUnbatched(n, o) {
      unbatched ??= await newProducer({ autoBatch: false });
      return pump(n, o, (i) => send(unbatched, { topic: o.topic, body: o.payload(i) }));
    },
    async consume(n, o) {
      let got = 0;
      let finish;
      const done = new Promise((resolve) => {
        finish = resolve;
      });
      const consumer = new sdk.PushConsumer({
        namesrvAddr: namesrv,
        consumerGroup: `bench_cg_${o.topic}`,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        pullBatchSize: o.batch,
        consumeMessageBatchMaxSize: 32,
      });
      consumer.subscribe(o.topic, '*');
      consumer.registerMessageListener({
        type: 'concurrently',
        consume: (msgs) => {
          for (const m of msgs) {
            if (got >= n) break;
            got++;
            o.onMessage(m.body);
          }
          if (got >= n) finish();
          return 'CONSUME_SUCCESS';
        },
      });
      await consumer.start();
      if (o.onReady) setTimeout(o.onReady, 1000); // first rebalance and pulls
      try {
        await done;
      } finally {
        await consumer.shutdown();
      }
    },
    async prepareMany(topics, concurrency = 16) {
      await eachLimited(topics, concurrency, (t) => admin.createTopic(t));
      await eachLimited(topics, concurrency, (t) => admin.awaitRoute(t));
    },
    /** `o.autoBatch === false` runs the same spread with auto-batching off. */
    async produceSpread(n, topics, o) {
      const settings = o.autoBatch === false ? { ...PRODUCER_SETTINGS, autoBatch: false } : PRODUCER_SETTINGS;
      const clients = [];
      for (let p = 0; p < o.producers; p++) clients.push(await newProducer(settings));
      // Route lookups happen on the first send to each topic: do them before the clock starts.
      for (const c of clients) await Promise.all(topics.map((t) => c.fetchPublishMessageQueues(t)));
      const T = topics.length;
      const P = clients.length;
      const t0 = performance.now();
      await Promise.all(
        clients.map((c, p) => {
          const count = Math.floor(n / P) + (p < n % P ? 1 : 0);
          return pump(count, { inflight: Math.max(1, Math.floor(o.inflight / P)) }, (i) => {
            const k = i * P + p;
            return send(c, { topic: topics[k % T], body: o.payload(k) });
          });
        }),
      );
      return (performance.now() - t0) / 1000;
    },
    async close() {
      for (const p of producers) await p.shutdown();
      await admin.close();
    },
  };
}

/** Topic creation through MQAdmin (UPDATE_AND_CREATE_TOPIC on the master), and route polling. */
function sdkAdmin(namesrv, sdk) {
  const admin = new sdk.MQAdmin({ namesrvAddr: namesrv });
  let brokerAddr = null;
  const until = async (what, fn, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const v = await fn();
        if (v) return v;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`${what}: ${e.message}`);
      }
      if (Date.now() > deadline) throw new Error(`${what}: timed out`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    async createTopic(topic) {
      brokerAddr ??= await until('broker registration', async () => (await admin.masterAddrs())[0]?.addr);
      await admin.createTopic({ topic, brokerAddr, readQueueNums: QUEUES, writeQueueNums: QUEUES });
    },
    awaitRoute: (topic) => until(`route of ${topic}`, () => admin.topicRoute(topic)),
    close: () => admin.close(),
  };
}

async function eachLimited(items, concurrency, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
