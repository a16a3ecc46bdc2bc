#!/usr/bin/env node
// Timer messages on one spawned mqbroker (ASYNC_FLUSH, its own process): produce msg/s of
// timer sends beside plain sends in the same run (alternated), then, at each pending level
// (timers parked far ahead), the produce rate and the delivery lateness of a paced stream of
// short timers: store time of the fired copy − the asked TIMER_DELIVER_MS (p50/p99/max).
// Also the broker's RSS and its timer runtime figures at each level.
//
//   npm run build && node bench/timer/timer-bench.mjs [--messages 100000] [--pending 0,100000,1000000]
//     [--size 256] [--window 512] [--rounds 2] [--rate 1000] [--seconds 5] [--precision 1000]
//
// Goals (issue 12): timer produce ≥ 50 % of plain; lateness p99 ≤ timerPrecisionMs + 100 ms
// at 1M pending. Lateness is measured on the broker's clock (store timestamps), so client
// scheduling does not count.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    pending: { type: 'string', default: '0,100000,1000000' },
    size: { type: 'string', default: '256' },
    window: { type: 'string', default: '512' },
    rounds: { type: 'string', default: '2' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
    precision: { type: 'string', default: '1000' },
  },
});
const N = Number(values.messages);
const SIZE = Number(values.size);
const WINDOW = Number(values.window);
const PRECISION = Number(values.precision);
const ROOT = new URL('../..', import.meta.url).pathname;
const {
  createRequest,
  decodeStoredRecords,
  PullMessageRequestHeader,
  PullSysFlag,
  RequestCode,
  SendMessageRequestHeaderV2,
} = await import(join(ROOT, 'packages/protocol/dist/src/index.js'));
const { RemotingClient } = await import(join(ROOT, 'packages/remoting/dist/src/index.js'));

const QUEUES = 8;
const props = (p) =>
  Object.entries(p)
    .map(([k, v]) => `${k}\u0001${v}\u0002`)
    .join('');

function send(topic, queueId, body, properties) {
  const ext = SendMessageRequestHeaderV2.encode({
    producerGroup: 'BenchPG',
    topic,
    defaultTopic: 'TBW102',
    defaultTopicQueueNums: QUEUES,
    queueId,
    sysFlag: 0,
    bornTimestamp: Date.now(),
    flag: 0,
    properties,
  });
  return createRequest(RequestCode.SEND_MESSAGE_V2, ext, body);
}

async function startBroker(dir) {
  const conf = join(dir, 'broker.conf');
  await writeFile(
    conf,
    [
      'brokerName=broker-a',
      'listenPort=0',
      'listenHost=127.0.0.1',
      'brokerIP1=127.0.0.1',
      `storePathRootDir=${join(dir, 'store')}`,
      'flushDiskType=ASYNC_FLUSH',
      `timerPrecisionMs=${PRECISION}`,
      'timerMaxDelaySec=259200',
    ].join('\n'),
  );
  const proc = spawn(process.execPath, [join(ROOT, 'packages/broker/dist/src/main.js'), '-c', conf], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ROCKETMQ_LOG_LEVEL: 'warn', NAMESRV_ADDR: '' },
  });
  const addr = await new Promise((res, rej) => {
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (c) => {
      out += c;
      const m = /The broker\[[^,]+, ([\d.]+:\d+)\] boot success/.exec(out);
      if (m?.[1]) res(m[1]);
    });
    proc.once('exit', (code) => rej(new Error(`broker exited ${code}`)));
  });
  return { proc, addr };
}

const rss = async (pid) => {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024);
};

/** Pipelined sends; `propsOf(i)` gives each message's properties. Resolves msg/s. */
async function produce(client, addr, topic, n, propsOf) {
  const body = Buffer.alloc(SIZE, 0x61);
  let sent = 0;
  let done = 0;
  let failed = 0;
  let firstError;
  const t0 = performance.now();
  await new Promise((resolve) => {
    const settle = (ok, e) => {
      done++;
      if (!ok) {
        failed++;
        firstError ??= e;
      }
      if (done === n) resolve();
      else pump();
    };
    const pump = () => {
      while (sent < n && sent - done < WINDOW) {
        const i = sent++;
        client.invoke(addr, send(topic, i % QUEUES, body, propsOf(i))).then(
          (r) => settle(r.code === 0, `${r.code} ${r.remark}`),
          (e) => settle(false, e.message),
        );
      }
    };
    pump();
  });
  if (failed) console.error(`produce ${topic}: ${failed} failed, first: ${firstError}`);
  return n / ((performance.now() - t0) / 1000);
}

const runtime = async (client, addr) => {
  const r = await client.invoke(addr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO, {}));
  return JSON.parse(r.body.toString()).table ?? {};
};

/** Paced short timers (due 2–3 s ahead) at --rate for --seconds; lateness from store times. */
async function lateness(client, addr, topic) {
  const rate = Number(values.rate);
  const total = rate * Number(values.seconds);
  const asked = [];
  const t0 = Date.now();
  const sends = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + Math.floor((i * 1000) / rate);
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const at = Date.now() + 2000 + Math.floor(Math.random() * 1000);
    asked.push(at);
    sends.push(client.invoke(addr, send(topic, 0, Buffer.from(String(i)), props({ TIMER_DELIVER_MS: String(at) }))));
  }
  await Promise.all(sends);
  const last = Math.max(...asked);
  const lates = [];
  let offset = 0;
  const deadline = last + 30_000;
  while (lates.length < total && Date.now() < deadline) {
    const ext = PullMessageRequestHeader.encode({
      consumerGroup: 'BenchCG',
      topic,
      queueId: 0,
      queueOffset: offset,
      maxMsgNums: 32,
      sysFlag: PullSysFlag.SUBSCRIPTION,
      commitOffset: 0,
      suspendTimeoutMillis: 0,
      subscription: '*',
      subVersion: 0,
      expressionType: 'TAG',
    });
    const r = await client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE, ext));
    const msgs = r.code === 0 && r.body ? decodeStoredRecords(r.body) : [];
    if (msgs.length === 0) {
      await new Promise((res) => setTimeout(res, 200));
      continue;
    }
    for (const m of msgs) {
      lates.push(m.storeTimestamp - asked[Number(m.body.toString())]);
      offset = m.queueOffset + 1;
    }
  }
  lates.sort((a, b) => a - b);
  const q = (p) => lates[Math.min(lates.length - 1, Math.floor(p * lates.length))];
  return { n: lates.length, of: total, p50: q(0.5), p99: q(0.99), max: lates[lates.length - 1], min: lates[0] };
}

const dir = await mkdtemp(join(tmpdir(), 'bench-timer-'));
const { proc, addr } = await startBroker(dir);
const client = new RemotingClient({ requestTimeoutMs: 60_000 });
const rows = [];
try {
  // Warm-up (plain only: nothing parked yet).
  await produce(client, addr, 'Plain', Math.min(N, 20_000), () => '');
  let parkedSoFar = 0;
  let round = 0;
  const compareProduce = async () => {
    // Plain and timer produce alternated (same broker, same run).
    const plain = [];
    const timer = [];
    for (let r = 0; r < Number(values.rounds); r++) {
      plain.push(await produce(client, addr, 'Plain', N, () => ''));
      // Due 10…70 min ahead: parked, spread over 3600 slots.
      timer.push(
        await produce(client, addr, 'TimerProduce', N, (i) => props({ TIMER_DELAY_SEC: String(600 + (i % 3600)) })),
      );
      parkedSoFar += N;
    }
    const best = (xs) => Math.max(...xs);
    console.log(
      `produce (${SIZE} B, window ${WINDOW}): plain ${plain.map((x) => x.toFixed(0)).join('/')} msg/s, timer ${timer
        .map((x) => x.toFixed(0))
        .join('/')} msg/s → timer/plain ${((100 * best(timer)) / best(plain)).toFixed(0)} %`,
    );
  };
  const levels = values.pending.split(',').map(Number);
  for (const [li, level] of levels.entries()) {
    // Top the parked count up to the level with timers far ahead (1–2 days: rolled, never due here).
    const more = Math.max(0, level - parkedSoFar);
    if (more > 0) {
      await produce(client, addr, 'TimerPark', more, (i) => props({ TIMER_DELAY_SEC: String(86_400 + (i % 86_400)) }));
      parkedSoFar += more;
    }
    // Let the wheel file what was sent before measuring.
    const t0 = Date.now();
    while (Date.now() - t0 < 600_000 && Number((await runtime(client, addr)).timerOffsetBehind ?? 0) > 0) {
      await new Promise((r) => setTimeout(r, 500));
    }
    const late = await lateness(client, addr, `Late${round++}`);
    const info = await runtime(client, addr);
    // The timer produce rate at this level, after the lateness stream so as not to disturb it.
    const rateAtLevel = await produce(client, addr, 'TimerProduce', Math.min(N, 50_000), (i) =>
      props({ TIMER_DELAY_SEC: String(600 + (i % 3600)) }),
    );
    parkedSoFar += Math.min(N, 50_000);
    rows.push({ pending: info.timerCongestNum, produce: rateAtLevel.toFixed(0), ...late, rssMB: await rss(proc.pid) });
    console.log(JSON.stringify(rows[rows.length - 1]));
    if (li === 0) await compareProduce();
  }
  console.log(
    `\n| pending timers | timer produce msg/s | lateness p50 ms | p99 ms | max ms | fired/sent | broker RSS MB |`,
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.pending} | ${r.produce} | ${r.p50} | ${r.p99} | ${r.max} | ${r.n}/${r.of} | ${r.rssMB} |`);
  }
  console.log(`\nprecision ${PRECISION} ms; goal p99 ≤ ${PRECISION + 100} ms`);
} finally {
  await client.close();
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  await rm(dir, { recursive: true, force: true });
}
