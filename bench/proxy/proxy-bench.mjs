#!/usr/bin/env node
// Produce and receive+ack msg/s of 1 KiB messages through the gRPC proxy beside the remoting
// path, on one broker in one run, with the CPU each process spent per message:
//   server.mjs local    NameServer + broker + Local-mode proxy in one process (`rocketmq-ts start`)
//   server.mjs cluster  a Cluster-mode proxy in front of that broker (`mqproxy`)
// Paths, each on a fresh topic (8 queues) and a fresh group:
//   remoting  @rocketmq-ts/client Producer (`inflight` sends at once) / SimpleConsumer
//   lean      a load generator on node:http2 (h2-client.mjs) with the proxy's protobuf codec:
//             unary SendMessage (one message each, `inflight` at once) / ReceiveMessage(32)
//             streams + one AckMessage per batch
//   leanjs    the same calls through @grpc/grpc-js's client
//   floor     unary calls (a 1 KiB Heartbeat) to a method that answers at once, on each of the
//             proxy's gRPC server implementations (http2, grpc-js) in the Cluster proxy's
//             process, from the lean client (and the grpc-js client with leanjs): what the
//             server alone costs per call
//   official  rocketmq-client-nodejs Producer / SimpleConsumer
// Receive+ack: `loops` receive loops of 32, each acking its batch while the next receive waits
// (at most 4 batches of acks unanswered). The lean and official paths run through the Local and
// the Cluster proxy. `--rounds` repeats the whole sequence (the box is shared: compare within a
// round, and read CPU per message first).
//
//   npm run build && node bench/proxy/proxy-bench.mjs [--messages 5000] [--inflight 64] [--loops 4]
//     [--paths remoting,floor,lean,leanjs,official] [--modes Local,Cluster] [--rounds 1]
//     [--servers http2,grpc-js]
// --servers: the proxies' gRPC server (grpcServerImplementation); with several, each round runs
// once per server on fresh server processes, alternating.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    inflight: { type: 'string', default: '64' },
    loops: { type: 'string', default: '4' },
    'body-size': { type: 'string', default: '1024' },
    paths: { type: 'string', default: 'remoting,floor,lean,leanjs,official' },
    servers: { type: 'string', default: 'http2' },
    modes: { type: 'string', default: 'Local,Cluster' },
    rounds: { type: 'string', default: '1' },
  },
});
const N = Number(values.messages);
const INFLIGHT = Number(values.inflight);
const LOOPS = Number(values.loops);
const body = Buffer.alloc(Number(values['body-size']), 7);
const paths = values.paths.split(',');
const modes = values.modes.split(',');
const servers = values.servers.split(',');
const { h2Client } = await import('./h2-client.mjs');
const sdk = await import('@rocketmq-ts/client');
const { codec } = await import('@rocketmq-ts/proxy');
const official = await import('rocketmq-client-nodejs');
const silent = { info() {}, warn() {}, error() {}, debug() {}, trace() {} };
const log = (s) => process.stderr.write(`${s}\n`);

// --- servers ---
const root = mkdtempSync(path.join(os.tmpdir(), 'proxy-bench-'));
const serverScript = new URL('./server.mjs', import.meta.url);
function startServer(args, env) {
  // PROXY_BENCH_NODE_ARGS: extra node flags of the server processes (e.g. --cpu-prof).
  const execArgv = process.env.PROXY_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = fork(serverScript, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv, env });
  child.setMaxListeners(0);
  const next = () =>
    new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`server ${args[0]} exited with ${code}`)));
    });
  return { child, next, ready: next() };
}
let local;
let cluster;
let namesrv;
let endpoints;
let floorEndpoints;
let admin;
let storeSeq = 0;
async function startServers(impl) {
  const env = { ...process.env, PROXY_BENCH_SERVER: impl };
  local = startServer(['local', path.join(root, `store${++storeSeq}`)], env);
  ({ namesrv } = await local.ready);
  const localEndpoint = (await local.ready).grpc;
  cluster = startServer(['cluster', namesrv], env);
  const c = await cluster.ready;
  endpoints = { Local: localEndpoint, Cluster: c.grpc };
  floorEndpoints = c.floors;
  admin = new sdk.MQAdmin({ namesrvAddr: namesrv });
  log(`servers up (${impl}): namesrv ${namesrv}, Local ${localEndpoint}, Cluster ${c.grpc}`);
}
async function stopServers() {
  await admin?.close();
  for (const s of [cluster, local]) {
    if (!s || s.child.exitCode !== null) continue;
    s.child.send('stop');
    await new Promise((r) => s.child.once('exit', r));
  }
}

async function cpuOf(server) {
  server.child.send('cpu');
  return (await server.next()).cpuMs;
}
/** Runs `fn` and returns its msg/s and µs of CPU per message in each process. */
async function measured(n, fn) {
  await cpuOf(local);
  await cpuOf(cluster);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const done = await fn();
  const secs = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const count = done ?? n;
  const per = (ms) => Math.round((ms * 1000) / count);
  return {
    rate: count / secs,
    broker: per(await cpuOf(local)),
    proxy: per(await cpuOf(cluster)),
    client: per((c.user + c.system) / 1000),
  };
}

let seq = 0;
async function freshTopic() {
  const topic = `proxy_bench_${++seq}`;
  await admin.createTopic({ topic, clusterName: 'DefaultCluster', readQueueNums: 8, writeQueueNums: 8 });
  const deadline = Date.now() + 10_000;
  while (!(await admin.topicRoute(topic).catch(() => undefined))) {
    if (Date.now() > deadline) throw new Error(`no route for ${topic}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return topic;
}

/** `n` calls of `one()`, `inflight` at a time. */
async function pump(n, inflight, one) {
  let started = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (started < n) {
        started++;
        await one();
      }
    }),
  );
}

/** `loops` loops of `receive()` until `n` messages are acked; `ack(batch)` runs while the next receive waits. */
async function drain(n, loops, receive, ack) {
  let acked = 0;
  let received = 0;
  const deadline = Date.now() + 180_000;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      const pending = new Set();
      while (received < n && Date.now() < deadline) {
        const batch = await receive();
        received += batch.length;
        if (batch.length === 0) continue;
        const p = ack(batch).then(() => {
          acked += batch.length;
        });
        pending.add(p);
        void p.finally(() => pending.delete(p));
        if (pending.size >= 4) await Promise.race(pending);
      }
      await Promise.all(pending);
    }),
  );
  if (acked < n) log(`  only ${acked} of ${n} acked before the deadline`);
  return acked;
}

/** Receive+ack through a SimpleConsumer (ours or the official one: same receive/ack shape), acking each message. */
function drainSimpleConsumer(c) {
  return measured(N + 1, () =>
    drain(
      N + 1,
      LOOPS,
      () => c.receive(32, 30_000),
      (batch) => Promise.all(batch.map((m) => c.ack(m))),
    ),
  );
}

// --- remoting (our SDK) ---
async function remoting() {
  const topic = await freshTopic();
  const p = new sdk.Producer({ namesrvAddr: namesrv });
  await p.start();
  await p.send({ topic, body });
  const produce = await measured(N, () => pump(N, INFLIGHT, () => p.send({ topic, body })));
  await p.shutdown();
  const c = new sdk.SimpleConsumer({
    namesrvAddr: namesrv,
    consumerGroup: `${topic}_g`,
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 1000,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  });
  await c.start();
  const consume = await drainSimpleConsumer(c);
  await c.shutdown();
  return { produce, consume };
}

// --- lean gRPC generator ---
const SERVICE = '/apache.rocketmq.v2.MessagingService/';
const raw = (b) => b;
function leanClient(endpoint) {
  const client = new grpc.Client(endpoint, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': -1,
    'grpc.enable_retries': 0,
    'grpc.enable_channelz': 0,
  });
  const md = new grpc.Metadata();
  md.set('x-mq-client-id', `lean@${process.pid}@${seq}`);
  md.set('x-mq-language', 'NODE_JS');
  md.set('x-mq-protocol', 'v2');
  const reqCodec = Object.fromEntries(
    ['SendMessage', 'AckMessage', 'ReceiveMessage'].map((m) => [m, codec(`${m}Request`)]),
  );
  const unary = (method, req) =>
    new Promise((resolve, reject) =>
      client.makeUnaryRequest(`${SERVICE}${method}`, raw, raw, reqCodec[method].encode(req), md, (e, r) => {
        if (e) return reject(e);
        const d = codec(`${method}Response`).decode(r);
        return d.ok ? resolve(d.value) : reject(new Error(d.error));
      }),
    );
  const receive = (req) =>
    new Promise((resolve, reject) => {
      const out = [];
      const call = client.makeServerStreamRequest(
        `${SERVICE}ReceiveMessage`,
        raw,
        raw,
        reqCodec.ReceiveMessage.encode(req),
        md,
      );
      call.on('data', (b) => {
        const d = codec('ReceiveMessageResponse').decode(b);
        if (d.ok && d.value.message) out.push(d.value.message);
      });
      call.on('end', () => resolve(out));
      call.on('error', reject);
    });
  return { client, unary, receive };
}
/** The lean generator's calls over node:http2 (h2-client.mjs). */
function leanH2Client(endpoint) {
  const h2 = h2Client(endpoint, {
    'x-mq-client-id': `leanh2@${process.pid}@${seq}`,
    'x-mq-language': 'NODE_JS',
    'x-mq-protocol': 'v2',
  });
  const reqCodec = Object.fromEntries(
    ['SendMessage', 'AckMessage', 'ReceiveMessage'].map((m) => [m, codec(`${m}Request`)]),
  );
  const resCodec = Object.fromEntries(
    ['SendMessage', 'AckMessage', 'ReceiveMessage'].map((m) => [m, codec(`${m}Response`)]),
  );
  const unary = async (method, req) => {
    const r = await h2.call(method, reqCodec[method].encode(req));
    if (r.status !== 0 || r.messages.length !== 1) throw new Error(`${method}: grpc-status ${r.status} ${r.message}`);
    const d = resCodec[method].decode(r.messages[0]);
    if (!d.ok) throw new Error(d.error);
    return d.value;
  };
  const receive = async (req) => {
    const r = await h2.call('ReceiveMessage', reqCodec.ReceiveMessage.encode(req));
    if (r.status !== 0) throw new Error(`ReceiveMessage: grpc-status ${r.status} ${r.message}`);
    const out = [];
    for (const b of r.messages) {
      const d = resCodec.ReceiveMessage.decode(b);
      if (d.ok && d.value.message) out.push(d.value.message);
    }
    return out;
  };
  return { client: h2, unary, receive };
}
let idSeq = 0;
async function lean(endpoint, makeClient) {
  const topic = await freshTopic();
  const { client, unary, receive } = makeClient(endpoint);
  const sendOne = async () => {
    const id = `0B${(++idSeq).toString(16).padStart(30, '0')}`;
    const r = await unary('SendMessage', {
      messages: [{ topic: { name: topic }, systemProperties: { messageId: id, bodyEncoding: 1 }, body }],
    });
    if (r.status?.code !== 20000) throw new Error(`send: ${JSON.stringify(r.status)}`);
  };
  await sendOne();
  const produce = await measured(N, () => pump(N, INFLIGHT, sendOne));
  const group = `${topic}_g`;
  const consume = await measured(N + 1, () =>
    drain(
      N + 1,
      LOOPS,
      () =>
        receive({
          group: { name: group },
          messageQueue: { topic: { name: topic }, id: -1, broker: { name: '' } },
          filterExpression: { type: 1, expression: '*' },
          batchSize: 32,
          invisibleDuration: { seconds: 30 },
          longPollingTimeout: { seconds: 5 },
        }),
      async (msgs) => {
        const r = await unary('AckMessage', {
          group: { name: group },
          topic: { name: topic },
          entries: msgs.map((m) => ({
            messageId: m.systemProperties.messageId,
            receiptHandle: m.systemProperties.receiptHandle,
          })),
        });
        if (r.status?.code !== 20000) throw new Error(`ack: ${JSON.stringify(r.status)}`);
      },
    ),
  );
  client.close();
  return { produce, consume };
}

const floorPayload = () =>
  codec('HeartbeatRequest').encode({ group: { name: 'f'.repeat(body.length) }, clientType: 1 });
/** A server's own cost: unary calls with a 1 KiB request to a method that answers at once, from the h2 client. */
async function floorH2(endpoint) {
  const h2 = h2Client(endpoint, { 'x-mq-client-id': `floor@${process.pid}` });
  const payload = floorPayload();
  const one = async () => {
    const r = await h2.call('Heartbeat', payload);
    if (r.status !== 0) throw new Error(`floor: grpc-status ${r.status} ${r.message}`);
  };
  await one();
  const r = await measured(N, () => pump(N, INFLIGHT, one));
  h2.close();
  return r;
}
/** The same from the grpc-js client. */
async function floorGrpcJs(endpoint) {
  const client = new grpc.Client(endpoint, grpc.credentials.createInsecure(), {
    'grpc.enable_retries': 0,
    'grpc.enable_channelz': 0,
  });
  const md = new grpc.Metadata();
  md.set('x-mq-client-id', `floor@${process.pid}`);
  const payload = floorPayload();
  const one = () =>
    new Promise((resolve, reject) =>
      client.makeUnaryRequest(`${SERVICE}Heartbeat`, raw, raw, payload, md, (e, r) => (e ? reject(e) : resolve(r))),
    );
  await one();
  const r = await measured(N, () => pump(N, INFLIGHT, one));
  client.close();
  return r;
}

// --- official client ---
async function officialClient(endpoint) {
  const topic = await freshTopic();
  const p = new official.Producer({ endpoints: endpoint, namespace: '', topics: [topic], logger: silent });
  await p.startup();
  await p.send({ topic, body });
  const produce = await measured(N, () => pump(N, INFLIGHT, () => p.send({ topic, body })));
  await p.shutdown().catch(() => undefined);
  const c = new official.SimpleConsumer({
    endpoints: endpoint,
    namespace: '',
    consumerGroup: `${topic}_g`,
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 5000,
    logger: silent,
  });
  await c.startup();
  const consume = await drainSimpleConsumer(c);
  await c.shutdown().catch(() => undefined);
  return { produce, consume };
}

const fmt = (r) => `${Math.round(r.rate)}`;
const cpu = (r) => `${r.broker}+${r.proxy}+${r.client}`;
const pct = (v, b) => (b ? `${Math.round((v / b) * 100)} %` : '');
let failed = false;
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const impl of servers) {
      await startServers(impl);
      const rows = [];
      let base;
      if (paths.includes('remoting')) {
        base = await remoting();
        rows.push(['remoting (@rocketmq-ts/client)', '-', base]);
        log(`remoting: ${fmt(base.produce)} / ${fmt(base.consume)} msg/s`);
      }
      if (paths.includes('floor')) {
        for (const [server, endpoint] of Object.entries(floorEndpoints)) {
          for (const [client, run] of [
            ['h2 client', floorH2],
            ['grpc-js client', floorGrpcJs],
          ]) {
            if (client === 'grpc-js client' && !paths.includes('leanjs')) continue;
            const r = await run(endpoint);
            rows.push([`floor: ${server} server, ${client} (no work)`, 'Cluster process', { produce: r }]);
            log(`floor ${server} / ${client}: ${fmt(r)} calls/s`);
          }
        }
      }
      for (const mode of modes) {
        for (const [name, label, run] of [
          ['lean', 'gRPC lean (h2 client)', (e) => lean(e, leanH2Client)],
          ['leanjs', 'gRPC lean (grpc-js client)', (e) => lean(e, leanClient)],
          ['official', 'gRPC rocketmq-client-nodejs', officialClient],
        ]) {
          if (!paths.includes(name)) continue;
          const r = await run(endpoints[mode]);
          rows.push([label, mode, r]);
          log(`${name} ${mode}: ${fmt(r.produce)} / ${fmt(r.consume)} msg/s`);
        }
      }
      await stopServers();
      console.log(
        `\nround ${round}, proxy gRPC server ${impl}: ${N} messages of ${body.length} B, ${INFLIGHT} sends in flight, ${LOOPS} receive loops of 32`,
      );
      console.log('CPU µs/msg = broker process (NameServer + broker + Local proxy) + Cluster proxy + load generator\n');
      console.log(
        '| path | proxy | produce msg/s | % remoting | CPU µs/msg | receive+ack msg/s | % remoting | CPU µs/msg |',
      );
      console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const [name, mode, r] of rows) {
        const consume = r.consume
          ? `${fmt(r.consume)} | ${pct(r.consume.rate, base?.consume.rate)} | ${cpu(r.consume)}`
          : '| |';
        console.log(
          `| ${name} | ${mode} | ${fmt(r.produce)} | ${pct(r.produce.rate, base?.produce.rate)} | ${cpu(r.produce)} | ${consume} |`,
        );
      }
    }
  }
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await stopServers().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}
