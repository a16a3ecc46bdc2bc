#!/usr/bin/env node
// Produce/consume throughput of one broker with a pipelined raw-protocol client, plus the
// RSS of the `rocketmq-ts start` process (idle, after load, peak).
//
//   npx tsc -b packages/distribution && node bench/broker/throughput.mjs \
//     [--messages 200000] [--size 1024] [--window 512] [--queues 8] [--flush ASYNC_FLUSH]
//     [--server-node-args='--cpu-prof --cpu-prof-dir=/tmp/prof']
//
// The server runs in its own process (spawned bin), so client and broker do not share an
// event loop. Not a test: prints one JSON summary line.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CreateTopicRequestHeader,
  createRequest,
  PullMessageRequestHeader,
  RequestCode,
  SendMessageRequestHeaderV2,
} from '../../packages/protocol/dist/src/index.js';
import { RemotingClient } from '../../packages/remoting/dist/src/index.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    size: { type: 'string', default: '1024' },
    window: { type: 'string', default: '512' },
    queues: { type: 'string', default: '8' },
    flush: { type: 'string', default: 'ASYNC_FLUSH' },
    /** Extra node flags for the server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
    'server-node-args': { type: 'string', default: '' },
  },
});
const N = Number(values.messages);
const SIZE = Number(values.size);
const WINDOW = Number(values.window);
const QUEUES = Number(values.queues);
const TOPIC = 'BenchTopic';

const rssOf = async (pid) => {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rssMB: Math.round(kb('VmRSS') / 1024), peakMB: Math.round(kb('VmHWM') / 1024) };
};

const dir = await mkdtemp(join(tmpdir(), 'bench-broker-'));
const bin = new URL('../../packages/distribution/bin/rocketmq-ts.js', import.meta.url).pathname;
const proc = spawn(
  process.execPath,
  [
    ...values['server-node-args'].split(' ').filter(Boolean),
    bin,
    'start',
    '--data-dir',
    dir,
    '--namesrv-port',
    '0',
    '--broker-port',
    '0',
    '--host',
    '127.0.0.1',
    '--flush-disk-type',
    values.flush,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const boot = await new Promise((resolve, reject) => {
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (c) => {
    out += c;
    const m = /ready in (\d+) ms: .* at ([\d.:]+),/.exec(out);
    if (m) resolve({ readyMs: Number(m[1]), broker: m[2] });
  });
  proc.once('exit', (code) => reject(new Error(`server exited ${code}`)));
});
await new Promise((r) => setTimeout(r, 1000));
const idle = await rssOf(proc.pid);

const client = new RemotingClient({ requestTimeoutMs: 30_000 });
const addr = boot.broker;
const created = await client.invoke(
  addr,
  createRequest(
    RequestCode.UPDATE_AND_CREATE_TOPIC,
    CreateTopicRequestHeader.encode({
      topic: TOPIC,
      defaultTopic: 'TBW102',
      readQueueNums: QUEUES,
      writeQueueNums: QUEUES,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      order: false,
    }),
  ),
);
if (created.code !== 0) throw new Error(`create topic: ${created.code} ${created.remark}`);

const body = Buffer.alloc(SIZE, 0x61);
const props = 'TAGS\u0001bench\u0002';
let sent = 0;
let acked = 0;
let failed = 0;
const t0 = performance.now();
await new Promise((resolve) => {
  const pump = () => {
    while (sent < N && sent - acked - failed < WINDOW) {
      const i = sent++;
      const ext = SendMessageRequestHeaderV2.encode({
        producerGroup: 'BenchPG',
        topic: TOPIC,
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: QUEUES,
        queueId: i % QUEUES,
        sysFlag: 0,
        bornTimestamp: Date.now(),
        flag: 0,
        properties: props,
      });
      client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE_V2, ext, body)).then(
        (r) => {
          if (r.code === 0) acked++;
          else failed++;
          if (acked + failed === N) resolve();
          else pump();
        },
        () => {
          failed++;
          if (acked + failed === N) resolve();
          else pump();
        },
      );
    }
  };
  pump();
});
const produceSec = (performance.now() - t0) / 1000;
const afterProduce = await rssOf(proc.pid);

// Consume: keep 4 pulls in flight per queue (different offsets ahead) until every queue is drained.
let received = 0;
const t1 = performance.now();
await Promise.all(
  Array.from({ length: QUEUES }, async (_, q) => {
    let offset = 0;
    for (;;) {
      const ext = PullMessageRequestHeader.encode({
        consumerGroup: 'BenchCG',
        topic: TOPIC,
        queueId: q,
        queueOffset: offset,
        maxMsgNums: 32,
        sysFlag: 4,
        commitOffset: 0,
        suspendTimeoutMillis: 0,
        subscription: '*',
        subVersion: 0,
      });
      const r = await client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE, ext));
      if (r.code !== 0) return;
      const next = Number(r.extFields.nextBeginOffset);
      received += next - offset;
      offset = next;
    }
  }),
);
const consumeSec = (performance.now() - t1) / 1000;
const afterConsume = await rssOf(proc.pid);
await client.close();
proc.kill('SIGTERM');
await new Promise((r) => proc.once('exit', r));
await rm(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    messages: N,
    size: SIZE,
    window: WINDOW,
    queues: QUEUES,
    flushDiskType: values.flush,
    readyMs: boot.readyMs,
    produced: acked,
    failed,
    produceMsgPerSec: Math.round(acked / produceSec),
    produceMiBPerSec: Number(((acked * SIZE) / produceSec / 1048576).toFixed(1)),
    consumed: received,
    consumeMsgPerSec: Math.round(received / consumeSec),
    rss: { idle, afterProduce, afterConsume },
  }),
);
