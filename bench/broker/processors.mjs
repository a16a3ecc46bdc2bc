#!/usr/bin/env node
// CPU cost of the broker's send and pull request handling without sockets or a store: a
// frame is decoded, handled by SendMessageProcessor / PullMessageProcessor against stub
// dependencies that answer at once, and the response header encoded — what the broker's own
// code costs per message, free of the disk and of the scheduling noise of a shared box
// (process CPU time, not wall time), and the heap it allocates per request (growth of V8's new
// space over batches of 100 requests that no scavenge interrupted, median).
//
//   npx tsc -b packages/distribution && node bench/broker/processors.mjs [--n 300000]
//     [--header json|rocketmq] [--root <another built checkout>]
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '300000' },
    header: { type: 'string', default: 'json' },
    root: { type: 'string', default: '' },
  },
});
const ROOT = values.root ? resolve(values.root) : new URL('../..', import.meta.url).pathname;
const P = await import(join(ROOT, 'packages/protocol/dist/src/index.js'));
const { SendMessageProcessor } = await import(join(ROOT, 'packages/broker/dist/src/processors/send-message.js'));
const { PullMessageProcessor } = await import(join(ROOT, 'packages/broker/dist/src/processors/pull-message.js'));
const TYPE = values.header === 'rocketmq' ? P.SerializeType.ROCKETMQ : P.SerializeType.JSON;
const N = Number(values.n);

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const topicView = { topicName: 'BenchTopic', perm: 6, readQueueNums: 8, writeQueueNums: 8 };
const topics = {
  get: (t) => (t === 'BenchTopic' ? topicView : undefined),
  ensure: async () => topicView,
  createForSend: async () => undefined,
};
const group = { consumeEnable: true, consumeBroadcastEnable: true, retryMaxTimes: 16 };
let phy = 0;
const store = {
  putMessage: (msg) =>
    Promise.resolve({
      status: 'PUT_OK',
      append: {
        wroteOffset: phy,
        wroteBytes: msg.body.length + 200,
        msgId: `7F00000100002A9F${(phy++).toString(16).padStart(16, '0')}`,
        logicsOffset: phy,
        storeTimestamp: 0,
        msgNum: 1,
      },
    }),
  putMessages: () => Promise.reject(new Error('unused')),
};
const record = Buffer.alloc(1024 + 200, 0x61);
const records = Array.from({ length: 32 }, () => record.subarray(0, 1200));
const pullStore = {
  getMaxOffsetInQueue: () => 1000,
  getMessage: async () => ({
    status: 'FOUND',
    nextBeginOffset: 32,
    minOffset: 0,
    maxOffset: 1000,
    records,
    totalSize: 32 * 1200,
  }),
};
const clock = { now: () => Date.now() };
const stats = { addPut() {}, addGet() {} };
const send = new SendMessageProcessor({
  settings: {
    clusterName: 'DefaultCluster',
    brokerName: 'broker-a',
    brokerPermission: () => 6,
    maxMessageSize: 4 * 1024 * 1024,
    delayLevelsMs: [1000, 5000],
    rejectTransactionMessage: false,
    msgRegion: 'DefaultRegion',
    traceOn: true,
  },
  topics,
  groups: { getOrCreate: async () => group },
  store,
  nextUniqKey: () => '7F0000010001000000000000000000AB',
  stats,
  clock,
  logger: silent,
});
const pull = new PullMessageProcessor({
  settings: {
    brokerName: 'broker-a',
    brokerPermission: () => 6,
    isMaster: true,
    longPollingEnable: true,
    shortPollingTimeMills: 1000,
    maxTransferCount: 32,
    maxTransferBytes: 256 * 1024,
    enablePropertyFilter: false,
  },
  topics,
  groups: { get: () => group, getOrCreate: async () => group },
  offsets: { commit() {} },
  clients: { consumerGroup: () => undefined },
  store: pullStore,
  hold: { hold: async () => undefined },
  stats,
});
const conn = { remoteAddress: '127.0.0.1:50000' };

const sendFrame = P.encodeCommand(
  P.createRequest(
    P.RequestCode.SEND_MESSAGE_V2,
    P.SendMessageRequestHeaderV2.encode({
      producerGroup: 'BenchPG',
      topic: 'BenchTopic',
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 8,
      queueId: 3,
      sysFlag: 0,
      bornTimestamp: 1763800000000,
      flag: 0,
      properties: 'UNIQ_KEY\u00017F0000010001000000000000000000AB\u0002WAIT\u0001true\u0002TAGS\u0001bench\u0002',
    }),
    Buffer.alloc(1024, 0x61),
    7,
  ),
  TYPE,
).subarray(4);
const pullFrame = P.encodeCommand(
  P.createRequest(
    P.RequestCode.PULL_MESSAGE,
    P.PullMessageRequestHeader.encode({
      consumerGroup: 'BenchCG',
      topic: 'BenchTopic',
      queueId: 3,
      queueOffset: 0,
      maxMsgNums: 32,
      sysFlag: 4,
      commitOffset: 0,
      suspendTimeoutMillis: 0,
      subscription: '*',
      subVersion: 0,
    }),
  ),
  TYPE,
).subarray(4);

let sink = 0;
async function run(name, frame, handler, perRequest) {
  const once = async () => {
    const d = P.decodeCommand(frame);
    const res = await handler(d.value, conn);
    res.serializeType = d.value.serializeType;
    const head = P.encodeCommandHeader(res, res.serializeType ?? P.SerializeType.JSON);
    sink += head.length + (res.body?.length ?? 0) + (res.bodyParts?.length ?? 0);
  };
  for (let i = 0; i < 30_000; i++) await once();
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) await once();
  const c = process.cpuUsage(c0);
  const ns = ((c.user + c.system) * 1000) / N;
  const per = [];
  for (let b = 0; b < 100; b++) {
    const before = newSpaceUsed();
    for (let i = 0; i < 100; i++) await once();
    const grown = newSpaceUsed() - before;
    if (grown >= 0) per.push(grown / 100);
  }
  per.sort((x, y) => x - y);
  console.log(
    `| ${name} | ${values.header} | ${(ns / 1000).toFixed(2)} µs/request | ${(ns / 1000 / perRequest).toFixed(2)} µs/msg | ${Math.round(per[per.length >> 1] ?? Number.NaN)} B/request |`,
  );
}
const newSpaceUsed = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_used_size;

console.log('| path | header | per request | per message | heap |\n|---|---|---|---|---|');
await run('send (decode, handle, encode response)', sendFrame, send.handle, 1);
await run('pull 32 msgs (decode, handle, encode response)', pullFrame, pull.handle, 32);
if (sink === 42) console.log('');
