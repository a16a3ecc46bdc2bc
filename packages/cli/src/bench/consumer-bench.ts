import { PushConsumer } from '@rocketmq-ts/client';
import { Histogram } from './histogram.js';
import { f3, Reporter } from './reporter.js';

export interface ConsumerBenchOptions {
  namesrvAddr: string;
  topic: string;
  group: string;
  expression: string;
  threadCount: number;
  messageQuantity: number;
  duration: number;
  reportInterval: number;
  fromFirst: boolean;
}

/**
 * Consumes until the count or time bound (or Ctrl-C). RT is born→consume (B2C, clock of the
 * producer host) and store→consume (S2C); the histogram percentiles are B2C.
 */
export async function runConsumerBench(o: ConsumerBenchOptions): Promise<void> {
  const s2c = new Histogram();
  // S2C per report interval (the histogram above is the whole run).
  let ivS2cSum = 0;
  let ivS2cCount = 0;
  const ivS2c = (): number => {
    const v = ivS2cCount === 0 ? 0 : ivS2cSum / ivS2cCount;
    ivS2cSum = 0;
    ivS2cCount = 0;
    return v;
  };
  const failed = 0;
  let count = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const reporter = new Reporter(
    o.reportInterval,
    (tps, iv, total) =>
      `Consume TPS: ${tps} | Average(B2C) RT(ms): ${f3(iv.mean)} | Max(B2C) RT(ms): ${f3(total.max)} | Average(S2C) RT(ms): ${f3(ivS2c())} | Max(S2C) RT(ms): ${f3(s2c.max)} | Consume Fail: ${failed}`,
    () => `consumed ${count} msgs`,
    1,
    { messages: o.messageQuantity, seconds: o.duration },
  );
  const consumer = new PushConsumer({
    namesrvAddr: o.namesrvAddr,
    consumerGroup: o.group,
    consumeThreadMax: o.threadCount,
    consumeFromWhere: o.fromFirst ? 'CONSUME_FROM_FIRST_OFFSET' : 'CONSUME_FROM_LAST_OFFSET',
  });
  consumer.subscribe(o.topic, o.expression);
  consumer.registerMessageListener({
    type: 'concurrently',
    consume: (msgs) => {
      const now = Date.now();
      for (const m of msgs) {
        reporter.record(now - m.bornTimestamp);
        s2c.record(now - m.storeTimestamp);
        ivS2cSum += now - m.storeTimestamp;
        ivS2cCount++;
        count++;
      }
      if (o.messageQuantity > 0 && count >= o.messageQuantity) done();
    },
  });
  await consumer.start();
  reporter.start();
  const timer = o.duration > 0 ? setTimeout(done, o.duration * 1000) : undefined;
  process.once('SIGINT', done);
  await finished;
  if (timer) clearTimeout(timer);
  process.off('SIGINT', done);
  reporter.finish('consumer', { 'Average(S2C) RT(ms)': f3(s2c.mean), 'p99(S2C) RT(ms)': f3(s2c.percentile(99)) });
  await consumer.shutdown();
}
