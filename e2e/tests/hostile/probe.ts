// The normal client of the hostile-client harness: our SDK's producer sending one message at
// a time while an abuse runs, timing each send, and afterwards a consumer that checks every
// acknowledged message can still be read.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { LitePullConsumer, MQAdmin, Producer } from '@rocketmq-ts/client';

export interface ProbeStats {
  sent: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Bodies of the messages the broker acknowledged (SEND_OK). */
  acked: string[];
  /** The first few send errors, for the report. */
  errors: string[];
  /** Sends slower than SLOW_SEND_MS (the first 32): [start, ms after the window opened; latency ms]. */
  slow: [number, number][];
}

/** A send this slow is listed in ProbeStats.slow (when in the window the stalls happen). */
export const SLOW_SEND_MS = 50;

export interface Probe {
  /** Stats since the previous window() (or the start), and a fresh window from now. */
  window(): ProbeStats;
  stop(): Promise<ProbeStats>;
}

/** The probe as the harness uses it: in its own process (probe-child.ts). */
export interface ProbeProcess {
  window(): Promise<ProbeStats>;
  stop(): Promise<ProbeStats>;
}

/** startProbe in a child process, so that the harness's own work is not timed as the server's. */
export async function startProbeProcess(namesrvAddr: string, topic: string, intervalMs = 10): Promise<ProbeProcess> {
  const child = fork(new URL('./probe-child.js', import.meta.url), [namesrvAddr, topic, String(intervalMs)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (s: ProbeStats) => void>();
  let nextId = 0;
  let exited = false;
  const failAll = (): void => {
    exited = true;
    for (const resolve of waiting.values()) resolve(emptyStats('probe process exited'));
    waiting.clear();
  };
  child.on('exit', failAll);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`probe process exited (${code}) before it was ready`)));
  });
  child.on('message', (m: { id?: number; stats?: ProbeStats }) => {
    if (m.id === undefined || m.stats === undefined) return;
    // NaN (no send finished in the window) crosses IPC as null.
    const nan = (v: number | null): number => v ?? Number.NaN;
    const st = m.stats;
    waiting.get(m.id)?.({ ...st, p50Ms: nan(st.p50Ms), p99Ms: nan(st.p99Ms), maxMs: nan(st.maxMs) });
    waiting.delete(m.id);
  });
  const ask = (cmd: 'window' | 'stop'): Promise<ProbeStats> => {
    if (exited) return Promise.resolve(emptyStats('probe process exited'));
    const id = ++nextId;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      child.send({ cmd, id });
    });
  };
  return { window: () => ask('window'), stop: () => ask('stop') };
}

function emptyStats(error: string): ProbeStats {
  return {
    sent: 0,
    failed: 1,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    maxMs: Number.NaN,
    acked: [],
    errors: [error],
    slow: [],
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/** Starts sending one message every `intervalMs` (the next waits for the previous answer). */
export async function startProbe(namesrvAddr: string, topic: string, intervalMs = 10, tag = 'probe'): Promise<Probe> {
  const producer = new Producer({
    namesrvAddr,
    producerGroup: `PG_${tag}_${process.pid}`,
    sendMsgTimeoutMs: 5000,
  });
  await producer.start();
  let latencies: number[] = [];
  let acked: string[] = [];
  let errors: string[] = [];
  let slow: [number, number][] = [];
  let windowStart = performance.now();
  let failed = 0;
  let sent = 0;
  let running = true;
  let seq = 0;
  /** Start of the send awaiting its answer: a send stuck across a whole window still counts. */
  let inFlightSince: number | undefined;
  const loop = (async () => {
    while (running) {
      const body = `${tag}-${process.pid}-${++seq}`;
      sent++;
      const t0 = performance.now();
      inFlightSince = t0;
      try {
        const r = await producer.send({ topic, body });
        const ms = performance.now() - t0;
        latencies.push(ms);
        if (ms > SLOW_SEND_MS && slow.length < 32) slow.push([Math.round(t0 - windowStart), Math.round(ms)]);
        if (r.sendStatus === 'SEND_OK') acked.push(body);
      } catch (err) {
        failed++;
        if (errors.length < 5) errors.push(err instanceof Error ? err.message : String(err));
      }
      inFlightSince = undefined;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  const window = (): ProbeStats => {
    const sorted = latencies.sort((a, b) => a - b);
    const stuck = inFlightSince === undefined ? undefined : performance.now() - inFlightSince;
    const stats: ProbeStats = {
      sent,
      failed,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: Math.max(sorted.at(-1) ?? 0, stuck ?? 0) || Number.NaN,
      acked,
      errors,
      slow,
    };
    latencies = [];
    acked = [];
    errors = [];
    slow = [];
    windowStart = performance.now();
    failed = 0;
    sent = 0;
    return stats;
  };
  return {
    window,
    async stop() {
      running = false;
      await loop;
      await producer.shutdown();
      return window();
    },
  };
}

/** Creates `topic` with `queues` queues on the cluster and waits for its route. */
export async function createTopic(namesrvAddr: string, topic: string, queues = 4): Promise<void> {
  const admin = new MQAdmin({ namesrvAddr });
  try {
    await admin.createTopic({ topic, clusterName: 'DefaultCluster', readQueueNums: queues, writeQueueNums: queues });
    await routeOf(admin, topic);
  } finally {
    await admin.close();
  }
}

/** Waits until the NameServer routes `topic` (a restarted broker registers its topics again). */
export async function waitForRoute(namesrvAddr: string, topic: string): Promise<void> {
  const admin = new MQAdmin({ namesrvAddr });
  try {
    await routeOf(admin, topic);
  } finally {
    await admin.close();
  }
}

async function routeOf(admin: MQAdmin, topic: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const route = await admin.topicRoute(topic).catch(() => undefined);
    if (route !== undefined && route.queueDatas.length > 0) return;
    if (Date.now() > deadline) throw new Error(`no route for ${topic}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Fills `topic` with `count` messages of `size` bytes (what the pull abuses read back). */
export async function fillTopic(namesrvAddr: string, topic: string, count: number, size: number): Promise<void> {
  const producer = new Producer({ namesrvAddr, producerGroup: `PG_fill_${process.pid}` });
  await producer.start();
  try {
    // Random bytes: the producer compresses bodies over 4 KiB, and these must stay large.
    const body = randomBytes(size);
    for (let i = 0; i < count; i += 32) {
      await Promise.all(Array.from({ length: Math.min(32, count - i) }, () => producer.send({ topic, body })));
    }
  } finally {
    await producer.shutdown();
  }
}

/** Which of `bodies` a consumer reading `topic` from the start cannot find within `timeoutMs`. */
export async function missingFrom(
  namesrvAddr: string,
  topic: string,
  bodies: readonly string[],
  timeoutMs = 30_000,
): Promise<string[]> {
  const want = new Set(bodies);
  const consumer = new LitePullConsumer({ namesrvAddr, consumerGroup: `CG_check_${process.pid}_${Date.now()}` });
  const admin = new MQAdmin({ namesrvAddr });
  const route = await admin.topicRoute(topic).finally(() => admin.close());
  const queues = route.queueDatas.flatMap((qd) =>
    Array.from({ length: qd.readQueueNums }, (_, queueId) => ({ topic, brokerName: qd.brokerName, queueId })),
  );
  consumer.assign(queues);
  await consumer.start();
  try {
    for (const q of queues) await consumer.seekToBegin(q);
    const deadline = Date.now() + timeoutMs;
    while (want.size > 0 && Date.now() < deadline) {
      for (const m of await consumer.poll(1000)) want.delete(m.body.toString());
    }
  } finally {
    await consumer.shutdown();
  }
  return [...want];
}
