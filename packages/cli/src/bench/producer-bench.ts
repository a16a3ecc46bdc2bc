import { type Message, MQBrokerError, Producer } from '@rocketmq-ts/client';
import { f3, Reporter } from './reporter.js';

export interface ProducerBenchOptions {
  namesrvAddr: string;
  topic: string;
  threadCount: number;
  messageSize: number;
  keyEnable: boolean;
  asyncEnable: boolean;
  /** 0 = unbounded. */
  messageQuantity: number;
  /** Seconds, 0 = unbounded. */
  duration: number;
  reportInterval: number;
  group: string;
  /** >1 = batchproducer. */
  batchSize: number;
  tagCount: number;
  compressEnable: boolean;
}

/** Runs a producer benchmark until the count or time bound (or Ctrl-C); prints the summary. */
export async function runProducerBench(o: ProducerBenchOptions): Promise<void> {
  const producer = new Producer({
    namesrvAddr: o.namesrvAddr,
    producerGroup: o.group,
    compressMsgBodyOverHowmuch: o.compressEnable ? 4096 : -1,
    sendMsgTimeoutMs: 10_000,
  });
  await producer.start();
  // One body shared by every message: the benchmark measures the path, not allocation.
  const body = Buffer.alloc(o.messageSize, 'a');
  let issued = 0;
  let sendFailed = 0;
  let responseFailed = 0;
  let stop = false;
  const deadline = o.duration > 0 ? Date.now() + o.duration * 1000 : Number.POSITIVE_INFINITY;
  const onSigint = () => {
    stop = true;
  };
  process.once('SIGINT', onSigint);
  const unit = Math.max(1, o.batchSize);
  const reporter: Reporter = new Reporter(
    o.reportInterval,
    (tps, iv, total) =>
      `Send TPS: ${tps * unit} | Max RT(ms): ${f3(total.max)} | Average RT(ms): ${f3(iv.mean)} | Send Failed: ${sendFailed} | Response Failed: ${responseFailed}`,
    (): string => `sent ${reporter.total.count * unit} msgs, failed ${sendFailed + responseFailed}`,
    unit,
    { messages: o.messageQuantity, seconds: o.duration },
  );
  const next = (): boolean => {
    if (stop || Date.now() >= deadline) return false;
    if (o.messageQuantity > 0 && issued >= o.messageQuantity) return false;
    issued += unit;
    return true;
  };
  const build = (): Message => {
    const n = issued;
    return {
      topic: o.topic,
      body,
      ...(o.tagCount > 0 ? { tags: `tag${n % o.tagCount}` } : {}),
      ...(o.keyEnable ? { keys: String(n) } : {}),
    };
  };
  const sendOne = async (): Promise<void> => {
    const t0 = performance.now();
    try {
      if (unit > 1) await producer.sendBatch(Array.from({ length: unit }, build));
      else await producer.send(build());
      reporter.record(performance.now() - t0);
    } catch (e) {
      if (e instanceof MQBrokerError) responseFailed += unit;
      else sendFailed += unit;
    }
  };
  reporter.start();
  const workers = Array.from({ length: o.threadCount }, async () => {
    if (!o.asyncEnable) {
      while (next()) await sendOne();
      return;
    }
    // Async mode: each worker keeps a window of sends in flight instead of one.
    const inFlight = new Set<Promise<void>>();
    while (next()) {
      const p = sendOne().finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= 32) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  });
  await Promise.all(workers);
  process.off('SIGINT', onSigint);
  reporter.finish('producer', {
    'Sent OK': reporter.total.count * unit,
    'Send Failed': sendFailed,
    'Response Failed': responseFailed,
    'Message Size(B)': o.messageSize,
    Concurrency: o.threadCount,
    ...(unit > 1 ? { 'Batch Size': unit } : {}),
  });
  await producer.shutdown();
}
