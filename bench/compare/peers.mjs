// Peer targets: Redis Streams, NATS JetStream, RabbitMQ quorum queues. Each is driven through its
// durable consumer API with acknowledgements, as a user would pick it instead of rocketmq-ts.
// Client libraries come from bench/compare/node_modules (npm ci --prefix bench/compare).
import { pump } from './harness.mjs';

/** Redis Streams: XADD, then XREADGROUP + XACK in one consumer group. */
export async function redisTarget({ port }) {
  const Redis = (await import('ioredis')).default;
  const connect = () => new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  const admin = connect();
  let producer = null;
  let consumer = null;
  const group = 'g';
  return {
    name: 'redis',
    async version() {
      const info = await admin.info('server');
      return `Redis ${/redis_version:(\S+)/.exec(info)?.[1]} Streams, appendfsync everysec`;
    },
    async prepare(topic) {
      try {
        await admin.xgroup('CREATE', topic, group, '0', 'MKSTREAM');
      } catch (e) {
        if (!/BUSYGROUP/.test(e.message)) throw e;
      }
    },
    async produce(n, o) {
      producer ??= connect();
      return pump(n, o, (i) => producer.xadd(o.topic, '*', 'd', o.payload(i)));
    },
    async consume(n, o) {
      consumer ??= connect();
      const acks = [];
      let got = 0;
      while (got < n) {
        const res = await consumer.xreadgroupBuffer(
          'GROUP',
          group,
          'c1',
          'COUNT',
          o.batch,
          'BLOCK',
          1000,
          'STREAMS',
          o.topic,
          '>',
        );
        if (!res) continue;
        const entries = res[0][1];
        const ids = [];
        for (const [id, fields] of entries) {
          ids.push(id);
          o.onMessage(fields[1]);
        }
        got += entries.length;
        acks.push(consumer.xack(o.topic, group, ...ids)); // pipelined ahead of the next read
      }
      const acked = (await Promise.all(acks)).reduce((a, b) => a + b, 0);
      if (acked !== got) throw new Error(`redis: XACK acknowledged ${acked} of ${got}`);
    },
    async close() {
      for (const c of [admin, producer, consumer]) if (c) await c.quit();
    },
  };
}

/** NATS JetStream: file-store stream, publish awaiting PubAck, durable pull consumer with explicit acks. */
export async function natsTarget({ port }) {
  const { connect, AckPolicy, DeliverPolicy, StorageType, RetentionPolicy } = await import('nats');
  const servers = `127.0.0.1:${port}`;
  const admin = await connect({ servers });
  const jsm = await admin.jetstreamManager();
  let producer = null;
  let consumer = null;
  const durable = 'g';
  const stream = (topic) => topic.replace(/[^A-Za-z0-9_-]/g, '_');
  return {
    name: 'nats',
    async version() {
      return `NATS ${admin.info.version} JetStream, file store`;
    },
    async prepare(topic) {
      const name = stream(topic);
      try {
        await jsm.streams.info(name);
      } catch {
        await jsm.streams.add({
          name,
          subjects: [topic],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          num_replicas: 1,
        });
      }
      try {
        await jsm.consumers.info(name, durable);
      } catch {
        await jsm.consumers.add(name, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
        });
      }
    },
    async produce(n, o) {
      producer ??= await connect({ servers });
      const js = producer.jetstream();
      return pump(n, o, (i) => js.publish(o.topic, o.payload(i)));
    },
    async consume(n, o) {
      consumer ??= await connect({ servers });
      const c = await consumer.jetstream().consumers.get(stream(o.topic), durable);
      const messages = await c.consume({ max_messages: o.batch });
      let got = 0;
      for await (const m of messages) {
        o.onMessage(m.data);
        m.ack();
        if (++got >= n) break;
      }
      messages.stop();
      await consumer.flush(); // every ack has reached the server
    },
    async close() {
      for (const c of [producer, consumer, admin]) if (c) await c.drain();
    },
  };
}

/** RabbitMQ: durable quorum queue, persistent messages with publisher confirms, manual acks with prefetch. */
export async function rabbitTarget({ port }) {
  const amqp = (await import('amqplib')).default;
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  const admin = await amqp.connect(url);
  let producer = null;
  let consumer = null;
  return {
    name: 'rabbitmq',
    async version() {
      return `RabbitMQ ${admin.connection.serverProperties.version} quorum queue, publisher confirms`;
    },
    async prepare(topic) {
      const ch = await admin.createChannel();
      await ch.assertQueue(topic, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await ch.close();
    },
    async produce(n, o) {
      producer ??= await amqp.connect(url);
      const ch = await producer.createConfirmChannel();
      const r = await pump(
        n,
        o,
        (i) =>
          new Promise((resolve, reject) => {
            ch.sendToQueue(o.topic, o.payload(i), { persistent: true }, (err) => (err ? reject(err) : resolve()));
          }),
      );
      await ch.close();
      return r;
    },
    async consume(n, o) {
      consumer ??= await amqp.connect(url);
      const ch = await consumer.createChannel();
      await ch.prefetch(o.batch);
      let got = 0;
      let tag = null;
      await new Promise((resolve, reject) => {
        ch.on('error', reject);
        ch.consume(
          o.topic,
          (msg) => {
            if (!msg) return reject(new Error('rabbitmq: consumer cancelled'));
            o.onMessage(msg.content);
            ch.ack(msg);
            if (++got === n) resolve();
          },
          { noAck: false },
        ).then((r) => {
          tag = r.consumerTag;
        }, reject);
      });
      if (tag) await ch.cancel(tag);
      await ch.close(); // flushes the acks
    },
    async close() {
      for (const c of [producer, consumer, admin]) if (c) await c.close();
    },
  };
}
