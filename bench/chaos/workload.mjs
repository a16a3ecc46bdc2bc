// Clients of the chaos harness, on the SDK's public API (packages/client): FIFO producers,
// one probe per broker group, a concurrently and an orderly consumer group. Every send and
// every delivery goes into the history (checker.mjs describes the records).

const CHAOS_ID = 'CHAOS_ID';
const CHAOS_KEY = 'CHAOS_KEY';
const CHAOS_SEQ = 'CHAOS_SEQ';
export const CONSUMER_GROUPS = [
  { name: 'chaos_cg', orderly: false },
  { name: 'chaos_fifo', orderly: true },
];

/** Store host `ip:port` of an IPv4 offset message id (ip 8 hex, port 8 hex, offset 16 hex). */
export function storeHostOf(offsetMsgId) {
  if (typeof offsetMsgId !== 'string' || offsetMsgId.length < 32) return undefined;
  const ip = [0, 2, 4, 6].map((i) => Number.parseInt(offsetMsgId.slice(i, i + 2), 16)).join('.');
  return `${ip}:${Number.parseInt(offsetMsgId.slice(8, 16), 16)}`;
}

export class History {
  constructor(meta) {
    this.meta = meta;
    this.events = [];
    /** consumer group → ids consumed */
    this.consumed = new Map(CONSUMER_GROUPS.map((g) => [g.name, new Set()]));
    this.acked = [];
  }

  send(e) {
    this.events.push({ t: 'send', ...e });
    if (e.status === 'SEND_OK') this.acked.push(e);
  }

  consume(e) {
    this.events.push({ t: 'consume', ...e });
    this.consumed.get(e.group)?.add(e.id);
  }

  fault(e) {
    const rec = { t: 'fault', ...e };
    this.events.push(rec);
    return rec;
  }

  check(e) {
    this.events.push({ t: 'check', ...e });
  }

  /** Acknowledged ids not yet consumed by `group` (optionally only those matching `filter`). */
  pending(group, filter = () => true) {
    const got = this.consumed.get(group);
    return this.acked.filter((s) => filter(s) && !got.has(s.id)).map((s) => s.id);
  }

  toJSON() {
    return { meta: this.meta, events: this.events };
  }
}

/** A client transport that sends each broker's traffic through its client proxy. */
export function proxiedTransport(lib, cluster) {
  const map = (addr) => cluster.clientProxyOf.get(addr) ?? addr;
  return (config) => {
    const inner = new lib.remoting.RemotingClient({
      logger: config.logger,
      requestTimeoutMs: config.requestTimeoutMs,
      serializeType: lib.protocol.SerializeType[config.serializeType],
    });
    return {
      invoke: (addr, cmd, timeoutMs) => inner.invoke(map(addr), cmd, timeoutMs),
      invokeOneway: (addr, cmd) => inner.invokeOneway(map(addr), cmd),
      registerProcessor: (code, handler) => inner.registerProcessor(code, handler),
      close: () => inner.close(),
    };
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {{ lib: any, cluster: any, topic: string, history: History, producers: number,
 *   keysPerProducer: number, rate: number, consumers: number, bodyBytes: number, consumeDelayMs: number }} o
 */
export async function startWorkload(o) {
  const { Producer, PushConsumer, selectMessageQueueByHash } = o.lib.client;
  const transportFactory = proxiedTransport(o.lib, o.cluster);
  const common = { namesrvAddr: o.cluster.namesrvAddr, pollNameServerIntervalMs: 1000, transportFactory };
  let running = true;
  const pad = 'x'.repeat(o.bodyBytes);

  // Consumers first, so that they are subscribed before the first message.
  const consumers = [];
  for (const g of CONSUMER_GROUPS) {
    for (let i = 0; i < o.consumers; i++) {
      const c = new PushConsumer({
        ...common,
        consumerGroup: g.name,
        instanceName: `${g.name}-${i}`,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        heartbeatBrokerIntervalMs: 2000,
        persistConsumerOffsetIntervalMs: 1000,
      });
      c.subscribe(o.topic, '*');
      const record = (msgs) => {
        const time = Date.now();
        for (const m of msgs) {
          const id = m.properties.get(CHAOS_ID);
          if (id === undefined) continue;
          const key = m.properties.get(CHAOS_KEY);
          const seq = m.properties.get(CHAOS_SEQ);
          o.history.consume({
            group: g.name,
            id,
            ...(key !== undefined ? { key, seq: Number(seq) } : {}),
            brokerName: m.brokerName,
            queueId: m.queueId,
            queueOffset: m.queueOffset,
            time,
          });
        }
      };
      // Returning nothing is success, for both kinds of listener. A delay per batch makes the
      // group lag, so that it is still reading when a master dies (and reads from the slave).
      const consume =
        o.consumeDelayMs > 0
          ? async (msgs) => {
              record(msgs);
              await sleep(o.consumeDelayMs);
            }
          : record;
      c.registerMessageListener({ type: g.orderly ? 'orderly' : 'concurrently', consume });
      await c.start();
      consumers.push(c);
    }
  }

  const producer = new Producer({
    ...common,
    producerGroup: 'chaos_pg',
    instanceName: 'chaos-producer',
    sendMsgTimeoutMs: 5000,
    retryTimesWhenSendFailed: 0,
  });
  await producer.start();

  const sendOne = async (id, msg, opts, extra) => {
    const start = Date.now();
    try {
      const r = await producer.send(msg, opts);
      o.history.send({
        id,
        ...extra,
        start,
        end: Date.now(),
        status: r.sendStatus,
        brokerName: r.messageQueue.brokerName,
        queueId: r.messageQueue.queueId,
        queueOffset: r.queueOffset,
        storeHost: storeHostOf(r.offsetMsgId),
      });
      return true;
    } catch (e) {
      o.history.send({ id, ...extra, start, end: Date.now(), status: 'error', error: String(e?.message ?? e) });
      return false;
    }
  };
  const message = (id, props) => ({
    topic: o.topic,
    body: `${id}|${pad}`,
    properties: { [CHAOS_ID]: id, ...props },
  });

  // FIFO producers: each owns its keys and sends them one at a time, paced to `rate` in all.
  const perWorkerGapMs = (1000 * o.producers) / o.rate;
  const loops = [];
  for (let w = 0; w < o.producers; w++) {
    loops.push(
      (async () => {
        const seqs = new Array(o.keysPerProducer).fill(0);
        for (let n = 0; running; n++) {
          const k = n % o.keysPerProducer;
          const key = `k${w}.${k}`;
          const seq = seqs[k]++;
          const id = `p${w}.${n}`;
          const t0 = Date.now();
          const ok = await sendOne(
            id,
            message(id, { [CHAOS_KEY]: key, [CHAOS_SEQ]: String(seq) }),
            { selector: selectMessageQueueByHash, arg: key },
            { key, seq },
          );
          // A failed send is not retried (a new message follows); back off a little after one.
          await sleep(Math.max(0, perWorkerGapMs - (Date.now() - t0)) + (ok ? 0 : 100));
        }
      })(),
    );
  }

  // Probes: one writer per broker group on that group's queue 0, every 100 ms.
  for (const g of o.cluster.groups) {
    loops.push(
      (async () => {
        for (let n = 0; running; n++) {
          const id = `probe.${g.brokerName}.${n}`;
          await sendOne(
            id,
            message(id, {}),
            { queue: { topic: o.topic, brokerName: g.brokerName, queueId: 0 }, timeoutMs: 5000 },
            { probe: g.brokerName },
          );
          await sleep(100);
        }
      })(),
    );
  }

  let freshGroups = 0;
  return {
    /**
     * A consumer group that did not exist before, started now, reading from the first offset:
     * resolves once it has consumed every id in `expected`, or at the deadline, with the ids it
     * did not get. Used while a master is down, so it can only read from the slave.
     */
    async consumeAllWithFreshGroup(expected, timeoutMs) {
      const want = new Set(expected);
      const c = new PushConsumer({
        ...common,
        consumerGroup: `chaos_fresh_${++freshGroups}`,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      });
      c.subscribe(o.topic, '*');
      c.registerMessageListener({
        type: 'concurrently',
        consume: (msgs) => {
          for (const m of msgs) want.delete(m.properties.get(CHAOS_ID));
          return 'CONSUME_SUCCESS';
        },
      });
      await c.start();
      const deadline = Date.now() + timeoutMs;
      while (want.size > 0 && Date.now() < deadline) await sleep(200);
      await c.shutdown();
      return [...want];
    },
    /** Stops sending and waits for the last sends to finish. */
    async stopProducing() {
      running = false;
      await Promise.all(loops);
      await producer.shutdown();
    },
    async stopConsuming() {
      await Promise.all(consumers.map((c) => c.shutdown()));
    },
  };
}
