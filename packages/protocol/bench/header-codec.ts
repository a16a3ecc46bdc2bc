// Micro-benchmark of the command codec on typical send and pull headers (not a test).
// Run: npx tsc -b packages/protocol && node packages/protocol/dist/bench/header-codec.js [n]
// Per-op cost is CPU time of this process (process.cpuUsage), not wall time, so that other
// load on a shared box inflates it less. Bytes per op: growth of V8's new space over batches
// of 200 ops that no scavenge interrupted (the median of those batches).
import { getHeapSpaceStatistics } from 'node:v8';
import {
  createRequest,
  createResponse,
  decodeCommand,
  encodeCommand,
  encodeCommandHeader,
  SerializeType,
} from '../src/index.js';

// Fast-mode null-prototype objects, as header schemas build them.
const fields = (o: Record<string, string>): Record<string, string> => Object.assign(Object.setPrototypeOf({}, null), o);
const send = createRequest(
  310,
  fields({
    a: 'ProducerGroup',
    b: 'BenchTopic',
    c: 'TBW102',
    d: '4',
    e: '3',
    f: '0',
    g: '1763800000000',
    h: '0',
    i: 'UNIQ_KEY\u00017F0000010001000000000000000000AB\u0002WAIT\u0001true\u0002TAGS\u0001TagA\u0002',
    j: '0',
    k: 'false',
    l: '16',
  }),
  Buffer.alloc(1024),
  12345,
);
const sendResponse = createResponse(
  send,
  0,
  undefined,
  fields({
    msgId: '7F00000100002A9F0000000000A1B2C3',
    queueId: '3',
    queueOffset: '123456',
    transactionId: '7F0000010001000000000000000000AB',
    MSG_REGION: 'DefaultRegion',
    TRACE_ON: 'true',
  }),
);
const pullResponse = createResponse(
  send,
  0,
  undefined,
  fields({ suggestWhichBrokerId: '0', nextBeginOffset: '1032', minOffset: '0', maxOffset: '200000' }),
);
const jsonFrame = encodeCommand(send).subarray(4);
const binaryFrame = encodeCommand(send, SerializeType.ROCKETMQ).subarray(4);

let sink: unknown;
const newSpaceUsed = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
function bytesPerOp(fn: () => unknown): number {
  const per: number[] = [];
  for (let b = 0; b < 60; b++) {
    const before = newSpaceUsed();
    for (let i = 0; i < 200; i++) sink = fn();
    const grown = newSpaceUsed() - before;
    if (grown >= 0) per.push(grown / 200);
  }
  per.sort((x, y) => x - y);
  return per[Math.floor(per.length / 2)] ?? Number.NaN;
}
function time(name: string, n: number, fn: () => unknown): void {
  for (let i = 0; i < 50_000; i++) sink = fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) sink = fn();
  const c = process.cpuUsage(c0);
  const ns = (c.user + c.system) * 1000;
  console.log(
    `| ${name.padEnd(36)} | ${Math.round((n * 1e9) / ns)
      .toLocaleString()
      .padStart(10)} ops/s | ${(ns / n).toFixed(0).padStart(6)} ns | ${bytesPerOp(fn).toFixed(0).padStart(5)} B |`,
  );
}

const N = Number(process.argv[2] ?? 300_000);
console.log('| operation | rate (CPU time) | per op | heap per op |\n|---|---|---|---|');
time('decode send V2 request (JSON)', N, () => decodeCommand(jsonFrame));
time('decode send V2 request (ROCKETMQ)', N, () => decodeCommand(binaryFrame));
time('encode send V2 request (JSON)', N, () => encodeCommandHeader(send));
time('encode send V2 request (ROCKETMQ)', N, () => encodeCommandHeader(send, SerializeType.ROCKETMQ));
time('encode send response (JSON)', N, () => encodeCommandHeader(sendResponse));
time('encode send response (ROCKETMQ)', N, () => encodeCommandHeader(sendResponse, SerializeType.ROCKETMQ));
time('encode pull response header (JSON)', N, () => encodeCommandHeader(pullResponse));
time('encode pull response header (ROCKETMQ)', N, () => encodeCommandHeader(pullResponse, SerializeType.ROCKETMQ));
if (sink === 42) console.log('');
