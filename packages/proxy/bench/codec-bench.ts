// Encode/decode rate of the proxy's protobufjs reflection codec for a SendMessageRequest and a
// ReceiveMessageResponse of one 1 KiB message. Run: node packages/proxy/dist/bench/codec-bench.js
import { codec } from '../src/grpc/codec.js';

const message = {
  topic: { name: 'BenchTopic' },
  userProperties: { a: '1', b: 'two' },
  systemProperties: {
    tag: 'TagA',
    keys: ['k1'],
    messageId: '0102FC000000016A1D0B28BFF000000000',
    bornTimestamp: { seconds: 1_800_000_000, nanos: 0 },
    bornHost: '127.0.0.1',
    receiptHandle: '0 1800000000000 15000 3 0 broker-a 1 12345 987654321',
  },
  body: Buffer.alloc(1024, 7),
};
const cases: Array<[string, unknown]> = [
  ['SendMessageRequest', { messages: [message] }],
  ['ReceiveMessageResponse', { message }],
];
for (const [name, value] of cases) {
  const c = codec<unknown>(name);
  const bytes = c.encode(value);
  const n = 200_000;
  let t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) c.encode(value);
  const enc = Number(process.hrtime.bigint() - t) / n;
  t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) c.decode(bytes);
  const dec = Number(process.hrtime.bigint() - t) / n;
  console.log(
    `${name.padEnd(24)} ${bytes.length} B  encode ${(enc / 1000).toFixed(2)} µs  decode ${(dec / 1000).toFixed(2)} µs`,
  );
}
