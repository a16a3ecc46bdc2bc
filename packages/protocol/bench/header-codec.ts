// Micro-benchmark of the command codec on typical send and pull headers (not a test).
// Run: npx tsc -b packages/protocol && node packages/protocol/dist/bench/header-codec.js
import { createRequest, createResponse, decodeCommand, encodeCommand, encodeCommandHeader } from '../src/index.js';

const send = createRequest(
  310,
  Object.assign(Object.create(null), {
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
const pullResponse = createResponse(
  send,
  0,
  undefined,
  Object.assign(Object.create(null), {
    suggestWhichBrokerId: '0',
    nextBeginOffset: '1032',
    minOffset: '0',
    maxOffset: '200000',
  }),
);
const sendFrame = encodeCommand(send).subarray(4);

function time(name: string, n: number, fn: () => void): void {
  for (let i = 0; i < 20_000; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(
    `| ${name.padEnd(28)} | ${Math.round((n * 1e9) / ns)
      .toLocaleString()
      .padStart(12)} ops/s | ${(ns / n).toFixed(0).padStart(6)} ns |`,
  );
}

const N = Number(process.argv[2] ?? 300_000);
console.log('| operation | rate | per op |\n|---|---|---|');
time('decode send V2 request', N, () => {
  decodeCommand(sendFrame);
});
time('encode send V2 request', N, () => {
  encodeCommandHeader(send);
});
time('encode pull response header', N, () => {
  encodeCommandHeader(pullResponse);
});
