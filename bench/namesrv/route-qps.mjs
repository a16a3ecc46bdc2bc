#!/usr/bin/env node
// GET_ROUTEINFO_BY_TOPIC throughput and latency of one NameServer (built packages; run
// `npx tsc -b packages/namesrv` first).
//
//   node bench/namesrv/route-qps.mjs [--connections 16] [--depth 32] [--topics 100]
//        [--brokers 10] [--seconds 10] [--warmup 2] [--version 479]
//
// The NameServer runs in a child process (its own event loop and core); this process
// registers the brokers, then drives `connections` raw TCP connections, each keeping `depth`
// requests pipelined. Request frames are encoded once up front and written in batches, so
// the client stays cheap. Route lookups are answered synchronously, hence in order per
// connection: latency is matched FIFO, and every response header is checked for code 0.
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NamesrvController } from '@rocketmq-ts/namesrv';
import {
  createRequest,
  encodeCommand,
  encodeRegisterBrokerBody,
  FrameSplitter,
  RegisterBrokerRequestHeader,
  RequestCode,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';

const { values: opt } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    connections: { type: 'string', default: '16' },
    depth: { type: 'string', default: '32' },
    topics: { type: 'string', default: '100' },
    brokers: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    version: { type: 'string', default: '479' },
  },
});

if (opt.server) {
  // Child: a NameServer on an ephemeral loopback port, reported over IPC.
  // KV is never written here, so the (absent) file is never created.
  const kvConfigPath = join(tmpdir(), `namesrv-bench-${process.pid}`, 'kvConfig.json');
  const ns = new NamesrvController({ listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath });
  await ns.start();
  process.send({ port: ns.port });
  process.on('message', async (m) => {
    if (m === 'stop') {
      await ns.shutdown();
      process.exit(0);
    }
  });
} else {
  await runClient();
}

async function runClient() {
  const connections = Number(opt.connections);
  const depth = Number(opt.depth);
  const topicCount = Number(opt.topics);
  const brokerCount = Number(opt.brokers);
  const version = Number(opt.version);

  const child = fork(new URL(import.meta.url).pathname, ['--server'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise((resolve) => child.once('message', (m) => resolve(m.port)));
  const addr = `127.0.0.1:${port}`;

  // 10 masters, each serving every topic: each route lists 10 brokers (~1.3 KB body).
  const topics = Array.from({ length: topicCount }, (_, i) => `BenchTopic_${i}`);
  const admin = new RemotingClient();
  for (let b = 0; b < brokerCount; b++) {
    const brokerAddr = `10.0.${b}.1:10911`;
    const body = encodeRegisterBrokerBody(
      {
        topicConfigSerializeWrapper: {
          topicConfigTable: new Map(
            topics.map((t) => [
              t,
              {
                topicName: t,
                readQueueNums: 8,
                writeQueueNums: 8,
                perm: 6,
                topicFilterType: 'SINGLE_TAG',
                topicSysFlag: 0,
                order: false,
                attributes: {},
              },
            ]),
          ),
          dataVersion: { stateVersion: 0, timestamp: Date.now(), counter: 1 },
        },
        filterServerList: [],
      },
      { compressed: false, version: 479 },
    );
    const ext = RegisterBrokerRequestHeader.encode({
      brokerName: `broker-${b}`,
      brokerAddr,
      clusterName: 'BenchCluster',
      haServerAddr: `10.0.${b}.1:10912`,
      brokerId: 0,
      enableActingMaster: false,
      compressed: false,
    });
    const r = await admin.invoke(addr, createRequest(RequestCode.REGISTER_BROKER, ext, body));
    if (r.code !== 0) throw new Error(`register failed: ${r.code} ${r.remark}`);
  }

  // One pre-encoded frame per topic; opaque is irrelevant (FIFO matching).
  const frames = topics.map((topic, i) => {
    const req = createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, Object.assign(Object.create(null), { topic }));
    req.version = version;
    req.opaque = i;
    return encodeCommand(req);
  });
  const OK_PREFIX = Buffer.from('{"code":0,');

  let measuring = false;
  let stopping = false;
  let completed = 0;
  let errors = 0;
  let bodyBytes = 0;
  const latencies = [];

  const sockets = await Promise.all(
    Array.from(
      { length: connections },
      (_, c) =>
        new Promise((resolve, reject) => {
          const socket = connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(socket));
          socket.on('error', reject);
          const splitter = new FrameSplitter();
          const sentAt = [];
          let head = 0;
          let next = c * 7;
          const send = (n) => {
            if (stopping || n === 0) return;
            const batch = new Array(n);
            const now = performance.now();
            for (let i = 0; i < n; i++) {
              batch[i] = frames[next++ % frames.length];
              sentAt.push(now);
            }
            socket.write(n === 1 ? batch[0] : Buffer.concat(batch));
          };
          socket.on('data', (chunk) => {
            const { frames: got, error } = splitter.push(chunk);
            if (error) throw new Error(error.message);
            const now = performance.now();
            for (const f of got) {
              const t0 = sentAt[head++];
              const headerLength = f.readUInt32BE(0) & 0xffffff;
              if (f.compare(OK_PREFIX, 0, OK_PREFIX.length, 4, 4 + OK_PREFIX.length) !== 0) errors++;
              if (measuring) {
                completed++;
                bodyBytes += f.length - 4 - headerLength;
                latencies.push(now - t0);
              }
            }
            if (head > 4096) {
              sentAt.splice(0, head);
              head = 0;
            }
            send(got.length);
          });
          socket.start = () => send(depth);
        }),
    ),
  );

  for (const s of sockets) s.start();
  await sleep(Number(opt.warmup) * 1000);
  measuring = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(Number(opt.seconds) * 1000);
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  const clientCpu = process.cpuUsage(cpu0);
  stopping = true;

  for (const s of sockets) s.destroy();
  await admin.close();
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));

  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  const rows = [
    ['connections × depth', `${connections} × ${depth}`],
    ['topics / brokers', `${topicCount} / ${brokerCount}`],
    ['request version (JSON form)', `${version} (${version >= 401 ? 'standard' : 'fastjson'})`],
    ['measured', `${elapsed.toFixed(1)} s after ${opt.warmup} s warm-up`],
    ['requests', String(completed)],
    ['QPS', Math.round(completed / elapsed).toLocaleString('en-US')],
    ['p50 latency', `${pct(50).toFixed(2)} ms`],
    ['p99 latency', `${pct(99).toFixed(2)} ms`],
    ['avg route body', `${Math.round(bodyBytes / Math.max(1, completed))} B`],
    ['errors (non-zero code)', String(errors)],
    ['client CPU', `${(((clientCpu.user + clientCpu.system) / 1e6 / elapsed) * 100).toFixed(0)} %`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  const v = Math.max(...rows.map((r) => r[1].length));
  console.log(`| ${'metric'.padEnd(w)} | ${'value'.padEnd(v)} |`);
  console.log(`| ${'-'.repeat(w)} | ${'-'.repeat(v)} |`);
  for (const [k, val] of rows) console.log(`| ${k.padEnd(w)} | ${val.padEnd(v)} |`);
  process.exit(errors === 0 ? 0 : 1);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
