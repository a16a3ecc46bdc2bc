import { BENCHMARK_TOPIC } from '@rocketmq-ts/protocol';
import { Command } from 'commander';
import { runConsumerBench } from './bench/consumer-bench.js';
import { runProducerBench } from './bench/producer-bench.js';

// mqbench: RocketMQ's benchmark tool (benchmark/producer.sh, consumer.sh, batchproducer.sh)
// with its flag letters. Java spells the report interval `-ri`; commander only knows
// one-letter short flags, so it is rewritten to --reportInterval before parsing.
const argv = process.argv.map((a) => (a === '-ri' ? '--reportInterval' : a));

const num = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`not a non-negative number: ${v}`);
  return n;
};
const bool = (v: string): boolean => v === 'true';
const namesrv = (v: string | undefined): string => {
  const a = v ?? process.env.NAMESRV_ADDR;
  if (!a) throw new Error('no NameServer address: pass -n <addr> or set NAMESRV_ADDR');
  return a;
};

const program = new Command('mqbench').description('RocketMQ benchmark (rocketmq-ts)');

const producerCommand = (name: string, batch: boolean) => {
  const cmd = program
    .command(name)
    .description(batch ? 'batch producer benchmark' : 'producer benchmark')
    .option('-n, --namesrvAddr <addr>', 'NameServer address (default env NAMESRV_ADDR)')
    .option('-t, --topic <topic>', 'topic', BENCHMARK_TOPIC)
    .option('-w, --threadCount <n>', 'concurrent senders', num, 64)
    .option('-s, --messageSize <bytes>', 'message size', num, 128)
    .option('-k, --keyEnable <bool>', 'set a key on each message', bool, false)
    .option('-y, --asyncEnable <bool>', 'async send (a window of sends in flight per sender)', bool, false)
    .option('-q, --messageQuantity <n>', 'stop after this many messages (0 = no limit)', num, 0)
    .option('--duration <seconds>', 'stop after this long (0 = no limit)', num, 0)
    .option('--reportInterval <seconds>', 'report interval (-ri)', num, 1)
    .option('-g, --group <group>', 'producer group', `benchmark_producer_${process.pid}`)
    .option('-l, --tagCount <n>', 'tags cycled over messages (0 = none)', num, 0)
    .option('-c, --compressEnable <bool>', 'compress bodies over 4 KiB', bool, false);
  if (batch) cmd.option('-b, --batchSize <n>', 'messages per batch', num, 16);
  cmd.action(async (o: Record<string, unknown>) => {
    await runProducerBench({
      namesrvAddr: namesrv(o.namesrvAddr as string | undefined),
      topic: o.topic as string,
      threadCount: Math.max(1, o.threadCount as number),
      messageSize: Math.max(1, o.messageSize as number),
      keyEnable: o.keyEnable as boolean,
      asyncEnable: o.asyncEnable as boolean,
      messageQuantity: o.messageQuantity as number,
      duration: o.duration as number,
      reportInterval: Math.max(0.1, o.reportInterval as number),
      group: o.group as string,
      batchSize: batch ? Math.max(1, o.batchSize as number) : 1,
      tagCount: o.tagCount as number,
      compressEnable: o.compressEnable as boolean,
    });
  });
};
producerCommand('producer', false);
producerCommand('batchproducer', true);

program
  .command('consumer')
  .description('consumer benchmark')
  .option('-n, --namesrvAddr <addr>', 'NameServer address (default env NAMESRV_ADDR)')
  .option('-t, --topic <topic>', 'topic', BENCHMARK_TOPIC)
  .option('-g, --group <group>', 'consumer group', 'benchmark_consumer')
  .option('-e, --expression <expr>', 'tag expression', '*')
  .option('-w, --threadCount <n>', 'concurrent listener calls', num, 20)
  .option('-q, --messageQuantity <n>', 'stop after this many messages (0 = no limit)', num, 0)
  .option('--duration <seconds>', 'stop after this long (0 = no limit)', num, 0)
  .option('--reportInterval <seconds>', 'report interval (-ri)', num, 1)
  .option('-f, --fromFirst <bool>', 'start a new group at the first offset instead of the last', bool, false)
  .action(async (o: Record<string, unknown>) => {
    await runConsumerBench({
      namesrvAddr: namesrv(o.namesrvAddr as string | undefined),
      topic: o.topic as string,
      group: o.group as string,
      expression: o.expression as string,
      threadCount: Math.max(1, o.threadCount as number),
      messageQuantity: o.messageQuantity as number,
      duration: o.duration as number,
      reportInterval: Math.max(0.1, o.reportInterval as number),
      fromFirst: o.fromFirst as boolean,
    });
  });

try {
  await program.parseAsync(argv);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
