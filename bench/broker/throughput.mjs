#!/usr/bin/env node
// Broker throughput and latency with a pipelined raw-protocol client against a spawned
// `rocketmq-ts start` (its own process, so client and broker do not share an event loop; on
// a 2-core box they still share the CPU, hence the server CPU seconds per phase).
//
//   npx tsc -b packages/distribution && node bench/broker/throughput.mjs \
//     [--scenarios async,sync,latency,topics] [--messages 200000] [--size 1024] [--window 512]
//     [--queues 8] [--topics 1,64,256,1024] [--rate 5000] [--seconds 10] [--header json|rocketmq]
//     [--consume-rounds 1]
//     [--server-node-args='--cpu-prof --cpu-prof-dir=/tmp/prof'] [--root <repo copy>] [--gc]
//
// Scenarios: async / sync = produce then consume N messages on one topic (ASYNC_FLUSH /
// SYNC_FLUSH); latency = producer paced at --rate msg/s, consumer long-polling every queue,
// end-to-end p50/p99 from a timestamp in the body; topics = produce/consume N messages spread
// over each topic count × --queues. Prints one JSON line per scenario and a markdown table.
//
// --gc (latency scenario): the broker runs with --trace-gc-nvp and loop-probe.mjs; the
// result then adds, over the counted seconds only, the broker's scavenges and mark-compacts
// per 10k messages, bytes it allocated per message, its GC pauses and event-loop delay, and
// which tail samples (at or above p99) overlapped, in this order, a broker GC pause, a broker
// loop stall while it waited for a CPU, one while it ran (its own work), a GC pause of this
// (client) process, or a client stall of either kind (20 ms probe windows, loop-probe.mjs).
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'async,sync,latency,topics' },
    messages: { type: 'string', default: '200000' },
    size: { type: 'string', default: '1024' },
    window: { type: 'string', default: '512' },
    queues: { type: 'string', default: '8' },
    topics: { type: 'string', default: '1,64,256,1024' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '10' },
    /** Drain the topics this many times (rounds after the first re-read what is cached). */
    'consume-rounds': { type: 'string', default: '1' },
    /** Latency scenario: write "sentMs,latencyMs,queue,pullSentMs" per message to this CSV. */
    latdump: { type: 'string', default: '' },
    /** Latency scenario: topics (× --queues) held by long-polling pulls and produced to round-robin. */
    'lat-topics': { type: 'string', default: '1' },
    /** Latency scenario: seconds of samples discarded at the start (a fresh broker warms up). */
    warmup: { type: 'string', default: '3' },
    /** Serialize type of the client's request headers; the broker may answer in kind. */
    header: { type: 'string', default: 'json' },
    /** Extra node flags for the server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
    'server-node-args': { type: 'string', default: '' },
    /** Another checkout (built) to benchmark, for before/after runs from one script. */
    root: { type: 'string', default: '' },
    /** Append the broker's stdout (e.g. with --server-node-args=--trace-gc) to this file. */
    'server-log': { type: 'string', default: '' },
    /** Run the broker from this checkout instead of --root (the client stays --root's). */
    'server-root': { type: 'string', default: '' },
    gc: { type: 'boolean', default: false },
  },
});
const N = Number(values.messages);
const SIZE = Number(values.size);
const WINDOW = Number(values.window);
const QUEUES = Number(values.queues);
const ROOT = values.root ? resolve(values.root) : new URL('../..', import.meta.url).pathname;
const { CreateTopicRequestHeader, createRequest, PullMessageRequestHeader, RequestCode, SendMessageRequestHeaderV2 } =
  await import(join(ROOT, 'packages/protocol/dist/src/index.js'));
const { RemotingClient } = await import(join(ROOT, 'packages/remoting/dist/src/index.js'));
const SERIALIZE = values.header === 'rocketmq' ? 1 : 0;
const newClient = () => new RemotingClient({ requestTimeoutMs: 30_000, serializeType: SERIALIZE });

const procStatus = async (pid) => {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rssMB: Math.round(kb('VmRSS') / 1024), peakMB: Math.round(kb('VmHWM') / 1024) };
};
/** utime + stime of the process in seconds (clock ticks are 100 Hz on Linux). */
const cpuSec = async (pid) => (await cpuSplit(pid)).total;
/** { total, sys } CPU seconds of the process. */
const cpuSplit = async (pid) => {
  const s = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { total: (Number(f[11]) + Number(f[12])) / 100, sys: Number(f[12]) / 100 };
};

async function startServer(flush) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-broker-'));
  const bin = join(
    values['server-root'] ? resolve(values['server-root']) : ROOT,
    'packages/distribution/bin/rocketmq-ts.js',
  );
  const args = ['start', '--data-dir', dir, '--namesrv-port', '0', '--broker-port', '0', '--host', '127.0.0.1'];
  const gcArgs = values.gc
    ? ['--trace-gc', '--trace-gc-nvp', '--import', new URL('./loop-probe.mjs', import.meta.url).pathname]
    : [];
  const proc = spawn(
    process.execPath,
    // --single-threaded-gc: the flag of the bin's shebang, which a spawn through execPath skips.
    [
      '--single-threaded-gc',
      ...gcArgs,
      ...values['server-node-args'].split(' ').filter(Boolean),
      bin,
      ...args,
      '--flush-disk-type',
      flush,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      // Short probe windows, so that a stall can be placed against the samples it delayed.
      env: values.gc ? { LOOP_PROBE_WINDOW_MS: '20', ...process.env, LOOP_PROBE_PRINT: '1' } : process.env,
    },
  );
  const lines = [];
  let partial = '';
  const boot = await new Promise((res, rej) => {
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (c) => {
      if (values['server-log']) appendFileSync(values['server-log'], c);
      if (values.gc) {
        const parts = (partial + c).split('\n');
        partial = parts.pop();
        for (const l of parts) if (l.startsWith('loop-probe') || l.includes(' ms: pause=')) lines.push(l);
      }
      if (out.length > 65536) return;
      out += c;
      const m = /ready in (\d+) ms: .*?, broker \S+ of \S+ at ([\d.:]+),/.exec(out);
      if (m) res({ readyMs: Number(m[1]), addr: m[2] });
    });
    proc.once('exit', (code) => rej(new Error(`server exited ${code}`)));
  });
  await new Promise((r) => setTimeout(r, 1000));
  const idle = await procStatus(proc.pid);
  const exited = new Promise((r) => proc.once('exit', r));
  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      proc.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  return { proc, addr: boot.addr, readyMs: boot.readyMs, idle, stop, lines };
}

/**
 * GC and loop-delay figures of the broker between epoch times `from` and `to`, out of the
 * lines --gc collects, plus the broker's GC pauses and stalled probe windows as intervals.
 */
function serverGcStats(lines, from, to) {
  let origin = 0;
  const byIsolate = new Map();
  const probe = [];
  for (const l of lines) {
    if (l.startsWith('loop-probe-origin ')) origin = Number(l.split(' ')[1]);
    else if (l.startsWith('loop-probe ')) {
      const [, t, p50, p99, max, n, waitMs, cpuMs] = l.split(' ').map(Number);
      probe.push({ t, p50, p99, max, n, waitMs, cpuMs });
    } else {
      const m = /^\[\d+:(0x[0-9a-f]+)\]\s+(\d+) ms: pause=([\d.]+) .*?gc=(\w+) .*? allocated=(\d+)/.exec(l);
      if (!m) continue;
      const list = byIsolate.get(m[1]) ?? [];
      list.push({ end: Number(m[2]), pause: Number(m[3]), kind: m[4], allocated: Number(m[5]) });
      byIsolate.set(m[1], list);
    }
  }
  // The main isolate starts first (and GCs first); worker isolates count from their own start.
  const main = [...byIsolate.values()][0] ?? [];
  const inWindow = main.filter((g) => origin + g.end >= from && origin + g.end <= to);
  const pauses = inWindow.map((g) => ({ from: origin + g.end - g.pause, to: origin + g.end, kind: g.kind }));
  const probeIn = probe.filter((p) => p.t >= from && p.t <= to + 300);
  const windowMs = probeIn.length > 1 ? probeIn[1].t - probeIn[0].t : 250;
  return {
    scavenges: inWindow.filter((g) => g.kind === 's').length,
    markCompacts: inWindow.filter((g) => g.kind === 'ms' || g.kind === 'mc').length,
    allocatedBytes: inWindow.reduce((a, g) => a + g.allocated, 0),
    gcPauseMs: Number(inWindow.reduce((a, g) => a + g.pause, 0).toFixed(1)),
    maxGcPauseMs: Math.max(0, ...inWindow.map((g) => g.pause)),
    pauses,
    loopDelayMaxMs: Math.max(0, ...probeIn.map((p) => p.max)),
    loopDelayP99MedianMs: probeIn.map((p) => p.p99).sort((a, b) => a - b)[Math.floor(probeIn.length / 2)] ?? NaN,
    // Probe windows whose worst delay exceeded 2 ms beyond the 1 ms sampling tick, and that
    // no GC pause of the broker explains.
    stalls: stallWindows(probeIn, windowMs, pauses),
    runqueueWaitMs: Number(probeIn.reduce((a, p) => a + p.waitMs, 0).toFixed(1)),
  };
}

/**
 * Probe windows whose worst loop delay exceeded 2 ms beyond the 1 ms sampling tick and that
 * no GC pause explains; `waited` when the thread spent at least 2 ms of the window runnable
 * but off the CPU (another process had the core).
 */
function stallWindows(windows, windowMs, pauses) {
  return windows
    .filter((p) => p.max > 3)
    .map((p) => ({ from: p.t - windowMs, to: p.t, max: p.max, waited: p.waitMs >= 2 }))
    .filter((w) => !pauses.some((g) => g.from < w.to && g.to > w.from && g.to - g.from > w.max - 3));
}

/** Client-side GC pauses and loop-probe windows (epoch ms). */
const clientGc = [];
const clientProbe = [];
if (values.gc) {
  const { startProbe } = await import('./loop-probe.mjs');
  startProbe((w) => clientProbe.push(w), 20);
  const { PerformanceObserver, performance: perf } = await import('node:perf_hooks');
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const from = perf.timeOrigin + e.startTime;
      clientGc.push({ from, to: from + e.duration, kind: e.detail?.kind });
    }
  }).observe({ entryTypes: ['gc'] });
}

async function createTopics(client, addr, names) {
  // A few at a time: each creation re-registers the broker with the NameServer.
  for (let i = 0; i < names.length; i += 32) {
    await Promise.all(
      names.slice(i, i + 32).map(async (topic) => {
        const r = await client.invoke(
          addr,
          createRequest(
            RequestCode.UPDATE_AND_CREATE_TOPIC,
            CreateTopicRequestHeader.encode({
              topic,
              defaultTopic: 'TBW102',
              readQueueNums: QUEUES,
              writeQueueNums: QUEUES,
              perm: 6,
              topicFilterType: 'SINGLE_TAG',
              order: false,
            }),
          ),
        );
        if (r.code !== 0) throw new Error(`create topic ${topic}: ${r.code} ${r.remark}`);
      }),
    );
  }
}

const PROPS = 'TAGS\u0001bench\u0002';

function sendRequest(topic, queueId, body) {
  const ext = SendMessageRequestHeaderV2.encode({
    producerGroup: 'BenchPG',
    topic,
    defaultTopic: 'TBW102',
    defaultTopicQueueNums: QUEUES,
    queueId,
    sysFlag: 0,
    bornTimestamp: Date.now(),
    flag: 0,
    properties: PROPS,
  });
  return createRequest(RequestCode.SEND_MESSAGE_V2, ext, body);
}

function pullRequest(topic, queueId, offset, sysFlag, suspendMs) {
  const ext = PullMessageRequestHeader.encode({
    consumerGroup: 'BenchCG',
    topic,
    queueId,
    queueOffset: offset,
    maxMsgNums: 32,
    sysFlag,
    commitOffset: 0,
    suspendTimeoutMillis: suspendMs,
    subscription: '*',
    subVersion: 0,
  });
  return createRequest(RequestCode.PULL_MESSAGE, ext);
}

/** Sends N messages round-robin over topics × queues with WINDOW in flight. */
async function produce(client, addr, topics) {
  const body = Buffer.alloc(SIZE, 0x61);
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let firstError;
  const t0 = performance.now();
  await new Promise((done) => {
    const settle = (ok, e) => {
      if (ok) acked++;
      else {
        failed++;
        firstError ??= e;
      }
      if (acked + failed === N) done();
      else pump();
    };
    const onResponse = (r) => settle(r.code === 0, `${r.code} ${r.remark}`);
    const onError = (e) => settle(false, e.message);
    const pump = () => {
      while (sent < N && sent - acked - failed < WINDOW) {
        const i = sent++;
        const slot = i % (topics.length * QUEUES);
        const req = sendRequest(topics[Math.floor(slot / QUEUES)], slot % QUEUES, body);
        client.invoke(addr, req).then(onResponse, onError);
      }
    };
    pump();
  });
  if (firstError) console.error(`produce: ${failed} failed, first: ${firstError}`);
  return { acked, failed, sec: (performance.now() - t0) / 1000 };
}

/** Drains every topic/queue from offset 0, 16 queues at a time (4 pulls in flight per topic if 1). */
async function consume(client, addr, topics) {
  const slots = topics.flatMap((t) => Array.from({ length: QUEUES }, (_, q) => [t, q]));
  let received = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < slots.length) {
      const [topic, q] = slots[next++];
      let offset = 0;
      for (;;) {
        const r = await client.invoke(addr, pullRequest(topic, q, offset, 4, 0));
        if (r.code !== 0) break;
        const nb = Number(r.extFields.nextBeginOffset);
        received += nb - offset;
        offset = nb;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, slots.length) }, worker));
  return { received, sec: (performance.now() - t0) / 1000 };
}

async function throughput(flush, topicCount) {
  const server = await startServer(flush);
  const client = newClient();
  try {
    const topics = Array.from({ length: topicCount }, (_, i) => (topicCount === 1 ? 'BenchTopic' : `BenchTopic${i}`));
    await createTopics(client, server.addr, topics);
    const c0 = await cpuSec(server.proc.pid);
    const p = await produce(client, server.addr, topics);
    const c1 = await cpuSec(server.proc.pid);
    const afterProduce = await procStatus(server.proc.pid);
    let c = { received: 0, sec: 0 };
    for (let round = 0; round < Number(values['consume-rounds']); round++) {
      const r = await consume(client, server.addr, topics);
      c = { received: c.received + r.received, sec: c.sec + r.sec };
    }
    const c2 = await cpuSec(server.proc.pid);
    const afterConsume = await procStatus(server.proc.pid);
    return {
      flush,
      topics: topicCount,
      queues: QUEUES,
      messages: N,
      produced: p.acked,
      failed: p.failed,
      produceMsgPerSec: Math.round(p.acked / p.sec),
      produceServerCpuSec: Number((c1 - c0).toFixed(2)),
      produceServerUsPerMsg: Number((((c1 - c0) * 1e6) / Math.max(1, p.acked)).toFixed(1)),
      consumed: c.received,
      consumeMsgPerSec: Math.round(c.received / c.sec),
      consumeServerCpuSec: Number((c2 - c1).toFixed(2)),
      consumeServerUsPerMsg: Number((((c2 - c1) * 1e6) / Math.max(1, c.received)).toFixed(1)),
      rss: { idle: server.idle, afterProduce, afterConsume },
    };
  } finally {
    await client.close();
    await server.stop();
  }
}

/** Stored record (IPv4 hosts): the body starts 88 bytes in; we put the send time there. */
const BODY_AT = 88;

/** The q-quantile of `values` (sorted in place), to 3 decimals. */
function quantile(values, q) {
  values.sort((a, b) => a - b);
  return Number((values[Math.min(values.length - 1, Math.floor(values.length * q))] ?? NaN).toFixed(3));
}

async function latency() {
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const server = await startServer('ASYNC_FLUSH');
  const producer = newClient();
  const consumer = newClient();
  const topicCount = Number(values['lat-topics']);
  const topics = Array.from({ length: topicCount }, (_, i) => `LatencyTopic${i}`);
  const samples = [];
  let stopped = false;
  try {
    await createTopics(producer, server.addr, topics);
    const slots = topics.length * QUEUES;
    const offsets = new Array(slots).fill(0);
    const dump = values.latdump ? [] : undefined;
    const tails = values.gc ? [] : undefined;
    /** Send round trips (request written → SEND_OK read), the producer's half of the path. */
    const acks = [];
    let warm = true;
    const poll = async (slot) => {
      const topic = topics[Math.floor(slot / QUEUES)];
      const q = slot % QUEUES;
      while (!stopped) {
        const pullSent = performance.now();
        const req = pullRequest(topic, q, offsets[slot], 2 | 4, 15_000);
        const r = await consumer.invoke(server.addr, req, 30_000);
        const now = performance.now();
        if (r.code === 0 && r.body) {
          for (let pos = 0; pos + BODY_AT + 8 <= r.body.length; pos += r.body.readInt32BE(pos)) {
            const sentAt = r.body.readDoubleBE(pos + BODY_AT);
            if (!warm) {
              samples.push(now - sentAt);
              if (tails) tails.push(sentAt, now - sentAt);
            }
            if (dump) dump.push(`${sentAt.toFixed(3)},${(now - sentAt).toFixed(3)},${slot},${pullSent.toFixed(3)}`);
          }
        }
        if (r.extFields.nextBeginOffset !== undefined) offsets[slot] = Number(r.extFields.nextBeginOffset);
      }
    };
    const polls = Array.from({ length: slots }, (_, slot) => poll(slot));
    const body = Buffer.alloc(SIZE, 0x61);
    let sent = 0;
    let failed = 0;
    let cpuAtWarm = cpuSplit(server.proc.pid);
    let tWarm = performance.now();
    const t0 = performance.now();
    const warmupMs = Number(values.warmup) * 1000;
    const total = Math.round(rate * (seconds + warmupMs / 1000));
    await new Promise((done) => {
      const tick = () => {
        const elapsed = performance.now() - t0;
        if (warm && elapsed >= warmupMs) {
          warm = false;
          cpuAtWarm = cpuSplit(server.proc.pid);
          tWarm = performance.now();
        }
        const due = Math.min(total, Math.floor((elapsed * rate) / 1000));
        while (sent < due) {
          const b = Buffer.from(body);
          b.writeDoubleBE(performance.now(), 0);
          const slot = sent % (topics.length * QUEUES);
          const req = sendRequest(topics[Math.floor(slot / QUEUES)], slot % QUEUES, b);
          sent++;
          const invokedAt = performance.now();
          producer.invoke(server.addr, req).then(
            (r) => {
              if (r.code !== 0) failed++;
              else if (!warm) acks.push(performance.now() - invokedAt);
            },
            () => failed++,
          );
        }
        if (sent >= total) done();
        else setTimeout(tick, 1);
      };
      tick();
    });
    await new Promise((r) => setTimeout(r, 500));
    const cpuEnd = await cpuSplit(server.proc.pid);
    const c1 = cpuEnd.total;
    const t1 = performance.now();
    stopped = true;
    // Held pulls return when the server stops.
    await server.stop();
    await Promise.allSettled(polls);
    if (dump) await writeFile(values.latdump, `${dump.join('\n')}\n`);
    samples.sort((a, b) => a - b);
    const pct = (p) => quantile(samples, p);
    let gc;
    if (tails) {
      const epoch = (t) => performance.timeOrigin + t;
      const st = serverGcStats(server.lines, epoch(tWarm), epoch(t1));
      const counted = samples.length;
      const p99 = pct(0.99);
      const overlaps = (list, a, b) => list.some((x) => x.from < b && x.to > a);
      // Each tail sample (at or above p99) counted once, by the first cause that overlaps it.
      const tail = {
        n: 0,
        serverGc: 0,
        serverStallWaitingForCpu: 0,
        serverStallOwnWork: 0,
        clientGc: 0,
        clientStallWaitingForCpu: 0,
        clientStallOwnWork: 0,
        none: 0,
      };
      const clientStalls = stallWindows(
        clientProbe.filter((p) => p.t >= epoch(tWarm) && p.t <= epoch(t1) + 50),
        20,
        clientGc,
      );
      const waited = st.stalls.filter((w) => w.waited);
      const own = st.stalls.filter((w) => !w.waited);
      const cWaited = clientStalls.filter((w) => w.waited);
      const cOwn = clientStalls.filter((w) => !w.waited);
      for (let i = 0; i < tails.length; i += 2) {
        if (tails[i + 1] < p99) continue;
        const a = epoch(tails[i]);
        const b = a + tails[i + 1];
        tail.n++;
        if (overlaps(st.pauses, a, b)) tail.serverGc++;
        else if (overlaps(waited, a, b)) tail.serverStallWaitingForCpu++;
        else if (overlaps(own, a, b)) tail.serverStallOwnWork++;
        else if (overlaps(clientGc, a, b)) tail.clientGc++;
        else if (overlaps(cWaited, a, b)) tail.clientStallWaitingForCpu++;
        else if (overlaps(cOwn, a, b)) tail.clientStallOwnWork++;
        else tail.none++;
      }
      const clientIn = clientGc.filter((g) => g.from >= epoch(tWarm) && g.to <= epoch(t1));
      gc = {
        serverScavengesPer10k: Number(((st.scavenges * 10_000) / counted).toFixed(1)),
        serverMarkCompacts: st.markCompacts,
        serverBytesPerMsg: Math.round(st.allocatedBytes / counted),
        serverGcPauseMs: st.gcPauseMs,
        serverMaxGcPauseMs: st.maxGcPauseMs,
        serverLoopDelayMaxMs: st.loopDelayMaxMs,
        serverLoopDelayP99MedianMs: st.loopDelayP99MedianMs,
        serverStallWindows: st.stalls.length,
        serverStallWindowsWaitingForCpu: st.stalls.filter((w) => w.waited).length,
        serverRunqueueWaitMs: st.runqueueWaitMs,
        clientGcPauses: clientIn.length,
        clientGcPauseMs: Number(clientIn.reduce((x, g) => x + g.to - g.from, 0).toFixed(1)),
        tailsOverP99: tail,
      };
    }
    return {
      scenario: 'latency',
      rate,
      seconds,
      sent,
      failed,
      samples: samples.length,
      p50Ms: pct(0.5),
      p99Ms: pct(0.99),
      p999Ms: pct(0.999),
      maxMs: Number((samples.at(-1) ?? NaN).toFixed(3)),
      sendAckP50Ms: quantile(acks, 0.5),
      sendAckP99Ms: quantile(acks, 0.99),
      topics: topicCount,
      serverCpuPct: Math.round(((c1 - (await cpuAtWarm).total) * 100) / ((t1 - tWarm) / 1000)),
      serverCpuUsPerMsg: Math.round(((c1 - (await cpuAtWarm).total) * 1e6) / Math.max(1, samples.length)),
      serverSysCpuUsPerMsg: Math.round(((cpuEnd.sys - (await cpuAtWarm).sys) * 1e6) / Math.max(1, samples.length)),
      ...(gc ? { gc } : {}),
    };
  } finally {
    stopped = true;
    await producer.close();
    await consumer.close();
    await server.stop().catch(() => {});
  }
}

const rows = [];
for (const s of values.scenarios.split(',')) {
  if (s === 'async' || s === 'sync') {
    const r = await throughput(s === 'async' ? 'ASYNC_FLUSH' : 'SYNC_FLUSH', 1);
    console.log(JSON.stringify({ scenario: s, ...r }));
    rows.push([s, r]);
  } else if (s === 'topics') {
    for (const t of values.topics.split(',').map(Number)) {
      const r = await throughput('ASYNC_FLUSH', t);
      console.log(JSON.stringify({ scenario: `topics-${t}`, ...r }));
      rows.push([`topics-${t}`, r]);
    }
  } else if (s === 'latency') {
    const r = await latency();
    console.log(JSON.stringify(r));
    rows.push(['latency', r]);
  } else {
    throw new Error(`unknown scenario ${s}`);
  }
}
console.log(`\nheader=${values.header} messages=${N} size=${SIZE} window=${WINDOW} queues=${QUEUES}`);
console.log('| scenario | produce msg/s | server µs/msg | consume msg/s | server µs/msg | RSS idle/peak MB |');
console.log('|---|---|---|---|---|---|');
for (const [name, r] of rows) {
  if (name === 'latency') {
    console.log(
      `| latency @${r.rate}/s, ${r.topics}×${QUEUES} queues | p50 ${r.p50Ms} ms | p99 ${r.p99Ms} ms | p99.9 ${r.p999Ms} ms | server CPU ${r.serverCpuPct} % | |`,
    );
  } else {
    console.log(
      `| ${name} | ${r.produceMsgPerSec} | ${r.produceServerUsPerMsg} | ${r.consumeMsgPerSec} | ${r.consumeServerUsPerMsg} | ${r.rss.idle.rssMB}/${r.rss.afterConsume.peakMB} |`,
    );
  }
}
