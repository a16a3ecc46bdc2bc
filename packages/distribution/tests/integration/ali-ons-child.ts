// Runs one ali-ons role in its own process (ali-ons keeps an inner producer open forever, so
// it would keep a test process alive). Usage: node ali-ons-child.js '<json options>'.
// Emits one JSON object per line on stdout: {event: 'ready'|'sent'|'received'|'error', ...}.
// Exits when stdin closes (the parent ends it) or after `exitAfterMs`.
import { createRequire } from 'node:module';

interface ChildOptions {
  role: 'producer' | 'consumer';
  namesrvAddr: string;
  group: string;
  topic: string;
  /** consumer */
  subExpression?: string;
  broadcast?: boolean;
  /** consumer: throw on the first delivery of messages whose body starts with "fail" */
  failFirst?: boolean;
  /** producer */
  messages?: Array<{ tags?: string; keys?: string[]; body: string; delayTimeLevel?: number }>;
}

interface AliMessage {
  msgId: string;
  topic: string;
  tags: string;
  keys: string;
  body: Buffer;
  queueId: number;
  queueOffset: number;
  reconsumeTimes: number;
  storeTimestamp: number;
  bornTimestamp: number;
  properties: Record<string, string>;
}

const require = createRequire(import.meta.url);
const ons = require('ali-ons') as {
  Producer: new (o: object) => { ready(): Promise<void>; send(m: unknown): Promise<Record<string, unknown>> };
  Consumer: new (
    o: object,
  ) => {
    ready(): Promise<void>;
    subscribe(topic: string, expr: string, handler: (m: AliMessage) => Promise<void>): void;
    on(event: 'error', fn: (e: Error) => void): void;
  };
  Message: new (topic: string, tags: string, body: string) => { keys: string[]; delayTimeLevel: number };
};

const opts = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const emit = (o: object): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};
const quiet = {
  info() {},
  debug() {},
  warn(...args: unknown[]) {
    process.stderr.write(`[ali-ons warn] ${args.map(String).join(' ')}\n`);
  },
  error(...args: unknown[]) {
    process.stderr.write(`[ali-ons error] ${args.map(String).join(' ')}\n`);
  },
};
const common = {
  nameSrv: [opts.namesrvAddr],
  // Required by an assert even when nameSrv is given (docs/development.md, "ali-ons as a test client").
  httpclient: {
    request: async () => {
      throw new Error('unused');
    },
  },
  logger: quiet,
  rebalanceInterval: 1000,
  persistConsumerOffsetInterval: 500,
};

async function runProducer(): Promise<void> {
  const producer = new ons.Producer({ ...common, producerGroup: opts.group });
  await producer.ready();
  emit({ event: 'ready' });
  for (const m of opts.messages ?? []) {
    const msg = new ons.Message(opts.topic, m.tags ?? '', m.body);
    if (m.keys) msg.keys = m.keys;
    if (m.delayTimeLevel) msg.delayTimeLevel = m.delayTimeLevel;
    const r = await producer.send(msg);
    emit({ event: 'sent', body: m.body, at: Date.now(), result: r });
  }
}

async function runConsumer(): Promise<void> {
  const consumer = new ons.Consumer({
    ...common,
    consumerGroup: opts.group,
    isBroadcast: opts.broadcast ?? false,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    brokerSuspendMaxTimeMillis: 2000,
  });
  consumer.on('error', (e) => emit({ event: 'error', message: e.message }));
  const failed = new Set<string>();
  consumer.subscribe(opts.topic, opts.subExpression ?? '*', async (m) => {
    const body = m.body.toString();
    emit({
      event: 'received',
      body,
      tags: m.tags,
      keys: m.keys,
      topic: m.topic,
      reconsumeTimes: m.reconsumeTimes,
      msgId: m.msgId,
      at: Date.now(),
      storeTimestamp: m.storeTimestamp,
      bornTimestamp: m.bornTimestamp,
    });
    if (opts.failFirst && body.startsWith('fail') && !failed.has(body)) {
      failed.add(body);
      throw new Error(`intentional failure of ${body}`);
    }
  });
  await consumer.ready();
  emit({ event: 'ready' });
}

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
(opts.role === 'producer' ? runProducer() : runConsumer()).catch((e: unknown) => {
  emit({ event: 'error', message: e instanceof Error ? e.message : String(e) });
  process.exit(2);
});
