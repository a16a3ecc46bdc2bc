// Child process running ali-ons (CommonJS) for client-alions.test.ts. ali-ons never closes
// its inner producer, so this script ends with process.exit().
//   produce <namesrv> <topic> <count>        sends <count> messages tagged TagA, bodies "ons-<i>"
//   consume <namesrv> <topic> <group> <count> [sql] prints each received message as a JSON line
//     (subscribed with `*`, or with the SQL92 expression: ali-ons takes {expressionType, subString})
import { createRequire } from 'node:module';

interface OnsMessage {
  keys: string[];
  body: Buffer;
  tags: string;
  msgId: string;
  properties: Record<string, string>;
}
interface Ons {
  Producer: new (
    o: object,
  ) => {
    ready(): Promise<void>;
    send(m: unknown): Promise<{ sendStatus: string; msgId: string }>;
    close(): Promise<void>;
  };
  Consumer: new (
    o: object,
  ) => {
    ready(): Promise<void>;
    subscribe(
      topic: string,
      expr: string | { expressionType: string; subString: string },
      fn: (msg: OnsMessage) => Promise<void>,
    ): void;
    on(ev: string, fn: (e: unknown) => void): void;
    close(): Promise<void>;
  };
  Message: new (topic: string, tags: string, body: Buffer | string) => { keys: string[] };
}
const ons = createRequire(import.meta.url)('ali-ons') as Ons;
const quiet = { info() {}, warn() {}, debug() {}, error() {} };
const httpclient = { request: async () => Promise.reject(new Error('unused')) };
const [mode, namesrv, topic, a, b, sql] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string | undefined,
  string | undefined,
];
setTimeout(() => {
  process.stderr.write('ali-ons child timed out\n');
  process.exit(2);
}, 40_000).unref();

if (mode === 'produce') {
  const producer = new ons.Producer({
    nameSrv: namesrv,
    httpclient,
    producerGroup: `ONS_P_${process.pid}`,
    logger: quiet,
  });
  await producer.ready();
  for (let i = 0; i < Number(a); i++) {
    const m = new ons.Message(topic, 'TagA', `ons-${i}`);
    m.keys = [`key-${i}`];
    const r = await producer.send(m);
    if (r.sendStatus !== 'SEND_OK') throw new Error(r.sendStatus);
  }
  process.stdout.write('sent\n');
  process.exit(0);
} else {
  const want = Number(b);
  const consumer = new ons.Consumer({
    nameSrv: namesrv,
    httpclient,
    consumerGroup: a,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    logger: quiet,
  });
  consumer.on('error', (e) => process.stderr.write(`ali-ons error: ${String(e)}\n`));
  let n = 0;
  const expr = sql === undefined ? '*' : { expressionType: 'SQL92', subString: sql };
  consumer.subscribe(topic, expr, async (msg) => {
    process.stdout.write(
      `${JSON.stringify({ body: msg.body.toString(), tags: msg.tags, keys: msg.keys, msgId: msg.msgId, props: msg.properties })}\n`,
    );
    if (++n >= want) setTimeout(() => process.exit(0), 200);
  });
  await consumer.ready();
  process.stdout.write('ready\n');
}
