// Hostile clients: each abuse opens raw sockets against one target (a port of the server
// process) and misbehaves for `durationMs`, then lets go. They only attack; the caller checks
// that the server survives and that a normal client keeps working (see probe.ts).
import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  Code,
  compressionBomb,
  deeplyNested,
  haReport,
  heartbeat,
  http2Frame,
  http2Ping,
  http2Preface,
  httpGet,
  pull,
  rawFrame,
  request,
  routeQuery,
} from './frames.js';
import type { Target } from './server-process.js';

export interface AbuseContext {
  target: Target;
  durationMs: number;
  /** Concurrent connections (or per round, for storms). */
  connections: number;
  /** A topic with messages in it and a consumer group, for pulls. */
  topic: string;
  group: string;
  /** Inflated size of the compression bomb (MiB); 1024 by hand, less in tests. */
  bombMiB: number;
}

export interface AbuseResult {
  requests: number;
  responses: number;
  /** Connections the server closed on us (a legitimate answer to abuse). */
  closedByServer: number;
}

export interface Abuse {
  name: string;
  /** Whether the abuse means anything on this kind of port. */
  appliesTo(target: Target): boolean;
  /**
   * Builds what is costly to build before the probe's window opens: the probe shares this
   * process, and seconds spent here would count as the server's latency.
   */
  prepare?(ctx: AbuseContext): unknown;
  run(ctx: AbuseContext): Promise<AbuseResult>;
}

/** A raw connection that counts the frames it reads (when reading) and whether the server closed it. */
class Raw {
  readonly socket: Socket;
  responses = 0;
  serverClosed = false;
  private want = -1;
  private have = 0;
  private lenSoFar = 0;
  private mine = false;
  readonly ready: Promise<void>;

  constructor(target: Target, reading: boolean) {
    this.socket = connect({ host: target.host, port: target.port });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      if (!this.mine) this.serverClosed = true;
    });
    this.ready = new Promise((resolve) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('close', () => resolve());
    });
    const framed = isRemoting(target);
    if (reading) this.socket.on('data', (c: Buffer) => (framed ? this.count(c) : this.responses++));
    else this.socket.pause();
  }

  /** Counts whole frames without decoding them (4-byte length prefix, then that many bytes). */
  private count(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.want < 0) {
        // Gathering the length prefix, which may be split across chunks.
        this.lenSoFar = this.lenSoFar * 256 + chunk[off++]!;
        if (++this.have < 4) continue;
        this.want = this.lenSoFar;
        this.have = 0;
        this.lenSoFar = 0;
      }
      const take = Math.min(this.want, chunk.length - off);
      this.want -= take;
      off += take;
      if (this.want === 0) {
        this.responses++;
        this.want = -1;
      }
    }
  }

  get open(): boolean {
    return !this.socket.destroyed;
  }

  write(b: Buffer): boolean {
    return this.open && this.socket.write(b);
  }

  /** Resolves when the socket can take more (or is gone). */
  drained(): Promise<void> {
    if (!this.open || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  destroy(): void {
    this.mine = true;
    this.socket.destroy();
  }
}

function result(raws: Raw[], requests: number): AbuseResult {
  let responses = 0;
  let closedByServer = 0;
  for (const r of raws) {
    responses += r.responses;
    if (r.serverClosed) closedByServer++;
  }
  return { requests, responses, closedByServer };
}

async function openAll(ctx: AbuseContext, reading: boolean): Promise<Raw[]> {
  const raws = Array.from({ length: ctx.connections }, () => new Raw(ctx.target, reading));
  await Promise.all(raws.map((r) => r.ready));
  return raws;
}

/** Ports that speak RocketMQ remoting (the frame abuses apply to them only). */
export const isRemoting = (t: Target): boolean =>
  t.kind === 'namesrv' || t.kind === 'broker' || t.kind === 'controller';

/** A request that is cheap for the client and answered by this kind of port. */
function cheapRequest(ctx: AbuseContext, opaque: number): Buffer {
  switch (ctx.target.kind) {
    case 'broker':
      return heartbeat(opaque, `hostile@${opaque % 64}`);
    case 'controller':
      return request(Code.CONTROLLER_GET_METADATA_INFO, opaque, {});
    case 'ha':
      // A slave's report: "I have everything up to the end" (nothing to send back).
      return haReport(2 ** 53 - 1);
    case 'grpc':
      return http2Ping(opaque);
    case 'http':
      return httpGet('/api/cluster');
    default:
      return routeQuery(opaque, ctx.topic);
  }
}

/** A request whose answer is as large as the port gives: 32 messages of a pull, a route, the whole log. */
function bigAnswerRequest(ctx: AbuseContext, opaque: number): Buffer {
  switch (ctx.target.kind) {
    case 'broker':
      return pull(opaque, ctx.topic, ctx.group, opaque % 4, 0);
    case 'ha':
      // A slave at offset 0: the master streams the CommitLog from its start.
      return haReport(0);
    case 'http':
      return httpGet('/');
    default:
      return cheapRequest(ctx, opaque);
  }
}

/** The first bytes a connection of this kind must send before anything else (HTTP/2's preface). */
const opening = (t: Target): Buffer => (t.kind === 'grpc' ? http2Preface() : Buffer.alloc(0));

/**
 * Pipelines requests as fast as the socket takes them for the whole duration; `reading`
 * false never reads an answer (its receive window fills, then the server's output queue).
 */
async function flood(ctx: AbuseContext, reading: boolean, make: (ctx: AbuseContext, opaque: number) => Buffer) {
  const raws = await openAll(ctx, reading);
  const end = Date.now() + ctx.durationMs;
  let requests = 0;
  // 64 requests per write: one syscall carries many frames, as a pipelining client's would.
  // The same 64 (opaques 1-64) every time: the client must not spend the CPU the server and
  // the probe need (on a shared box its own work would show up as probe latency).
  const batch = Buffer.concat(Array.from({ length: 64 }, (_, i) => make(ctx, i + 1)));
  await Promise.all(
    raws.map(async (r) => {
      r.write(opening(ctx.target));
      while (Date.now() < end && r.open) {
        requests += 64;
        if (!r.write(batch)) {
          await Promise.race([r.drained(), delay(Math.max(0, end - Date.now()))]);
        }
        // A non-reading client's window fills; keep trying without spinning.
        if (!reading) await delay(1);
        else await new Promise<void>((res) => setImmediate(res));
      }
    }),
  );
  const out = result(raws, requests);
  for (const r of raws) r.destroy();
  return out;
}

/** Holds connections that misbehave slowly (trickle, silence) for the duration. */
async function holdOpen(ctx: AbuseContext, each: (r: Raw, end: number) => Promise<number>): Promise<AbuseResult> {
  const raws = await openAll(ctx, true);
  const end = Date.now() + ctx.durationMs;
  const sent = await Promise.all(raws.map((r) => each(r, end)));
  const out = result(
    raws,
    sent.reduce((a, b) => a + b, 0),
  );
  for (const r of raws) r.destroy();
  return out;
}

/** Sends each frame of `frames` on its own connection, `ctx.connections` at a time, for the duration. */
const hugeFramesByTopic = new Map<string, Buffer[]>();

/** Huge strings and counts, one frame each (built once: the opaques repeat, one frame per connection). */
function hugeFrames(topic: string): Buffer[] {
  const built = hugeFramesByTopic.get(topic);
  if (built) return built;
  const huge = 'x'.repeat(4 * 1024 * 1024 - 4096);
  const manyFields: Record<string, string> = {};
  for (let i = 0; i < 100_000; i++) manyFields[`k${i}`] = 'v';
  const manyConsumers = JSON.stringify({
    clientID: 'hostile',
    producerDataSet: [],
    consumerDataSet: Array.from({ length: 100_000 }, (_, i) => ({ groupName: `G${i}`, subscriptionDataSet: [] })),
  });
  const frames = [
    request(Code.GET_ROUTEINFO_BY_TOPIC, 1, { topic: huge }),
    request(Code.HEART_BEAT, 2, manyFields),
    request(Code.HEART_BEAT, 3, {}, Buffer.from(manyConsumers)),
    request(Code.SEND_MESSAGE, 4, {
      producerGroup: 'hostile',
      topic,
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: '2147483647',
      queueId: '0',
      sysFlag: '0',
      bornTimestamp: '0',
      flag: '0',
      properties: 'a\u0001'.repeat(500_000),
      reconsumeTimes: '0',
    }),
    // A frame whose length claims 2 GiB.
    Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 2, 0x7b, 0x7d]),
  ];
  hugeFramesByTopic.set(topic, frames);
  return frames;
}

async function oneShots(
  ctx: AbuseContext,
  frames: (opaque: number) => Promise<Buffer[]> | Buffer[],
): Promise<AbuseResult> {
  const end = Date.now() + ctx.durationMs;
  const all: Raw[] = [];
  let requests = 0;
  let opaque = 1;
  do {
    const list = await frames(opaque);
    opaque += list.length;
    for (let i = 0; i < list.length; i += ctx.connections) {
      const round = list.slice(i, i + ctx.connections).map((f) => {
        const r = new Raw(ctx.target, true);
        all.push(r);
        requests++;
        return r.ready.then(() => {
          r.write(f);
          return r;
        });
      });
      const raws = await Promise.all(round);
      // An answer or a close, whichever the server chooses; give up waiting at the end.
      const answered = (r: Raw): boolean => r.responses > 0 || !r.open || Date.now() > end + 1000;
      while (!raws.every(answered)) await delay(10);
      for (const r of raws) r.destroy();
    }
  } while (Date.now() < end);
  return result(all, requests);
}

const LONG_MAX = '9223372036854775807';
const LONG_MIN = '-9223372036854775808';
const NUMBERS = [LONG_MAX, LONG_MIN, '9223372036854775808', '2147483648', '-1', '1e400', 'NaN', '0x10', '', ' 1'];

/** A large request cut in half: the server must hold it without waiting forever or growing. */
function halfFrameOf(t: Target): Buffer {
  const big = Buffer.alloc(1024 * 1024, 'x');
  switch (t.kind) {
    case 'grpc':
      return Buffer.concat([http2Preface(), http2Frame(0, 0, 1, big.subarray(0, 16_000))]);
    case 'http':
      return Buffer.from(`POST /api/topics HTTP/1.1\r\nHost: x\r\nContent-Length: ${2 * big.length}\r\n\r\n${big}`);
    case 'ha':
      return Buffer.from([0, 0, 0, 0]);
    default:
      return rawFrame('{"code":34,"opaque":1,"flag":0,"extFields":{}}', big);
  }
}

/** What no client of a non-remoting port should send: lengths that lie, huge lines, offsets out of range. */
function garbageFrames(t: Target): Buffer[] {
  switch (t.kind) {
    case 'grpc':
      return [
        // A DATA frame claiming 16 MiB on a stream never opened, a HEADERS frame of garbage, no preface.
        Buffer.concat([http2Preface(), http2Frame(0, 0, 1, Buffer.alloc(0), 0xffffff)]),
        Buffer.concat([http2Preface(), http2Frame(1, 4, 1, Buffer.alloc(4096, 0xff))]),
        Buffer.alloc(4096, 0x41),
      ];
    case 'http':
      return [
        Buffer.from(`GET /${'a'.repeat(1024 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`),
        Buffer.from(`GET / HTTP/1.1\r\n${'X-A: b\r\n'.repeat(20_000)}\r\n`),
        Buffer.from('POST /api/topics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n{'),
        Buffer.alloc(4096, 0),
      ];
    default:
      // HA: offsets beyond the log, negative, Long.MIN; then bytes that are no report at all.
      return [
        haReport(-1),
        Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0]),
        Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        Buffer.alloc(4099, 0xff),
      ];
  }
}

export const ABUSES: Abuse[] = [
  {
    name: 'non-reading clients pipelining pulls',
    appliesTo: () => true,
    run: (ctx) => flood(ctx, false, bigAnswerRequest),
  },
  {
    name: 'pipelined heartbeat flood',
    appliesTo: () => true,
    run: (ctx) => flood(ctx, true, cheapRequest),
  },
  {
    name: 'pipelined pull flood',
    appliesTo: (t) => t.kind === 'broker',
    run: (ctx) => flood(ctx, true, bigAnswerRequest),
  },
  {
    name: 'slowloris: a frame trickled byte by byte',
    appliesTo: () => true,
    run: (ctx) =>
      holdOpen(ctx, async (r, end) => {
        const frame = Buffer.concat([opening(ctx.target), cheapRequest(ctx, 1)]);
        let i = 0;
        while (Date.now() < end && r.open) {
          r.write(frame.subarray(i % frame.length, (i % frame.length) + 1));
          i++;
          await delay(20);
        }
        return Math.floor(i / frame.length);
      }),
  },
  {
    name: 'slowloris: half a frame, then silence',
    appliesTo: () => true,
    run: (ctx) =>
      holdOpen(ctx, async (r, end) => {
        const frame = halfFrameOf(ctx.target);
        r.write(frame.subarray(0, frame.length >> 1));
        while (Date.now() < end && r.open) await delay(50);
        return 1;
      }),
  },
  {
    name: 'connection storm',
    appliesTo: () => true,
    run: async (ctx) => {
      const end = Date.now() + ctx.durationMs;
      const all: Raw[] = [];
      let requests = 0;
      while (Date.now() < end) {
        const round = Array.from({ length: ctx.connections * 8 }, () => new Raw(ctx.target, true));
        await Promise.all(round.map((r) => r.ready));
        for (const r of round) {
          r.write(Buffer.concat([opening(ctx.target), cheapRequest(ctx, ++requests)]));
          all.push(r);
        }
        await delay(5);
        for (const r of round) r.destroy();
      }
      return result(all, requests);
    },
  },
  {
    name: 'huge strings and counts',
    appliesTo: isRemoting,
    prepare: (ctx) => {
      hugeFrames(ctx.topic);
    },
    run: (ctx) => oneShots(ctx, () => hugeFrames(ctx.topic)),
  },
  {
    name: 'numeric extremes',
    appliesTo: isRemoting,
    run: (ctx) =>
      oneShots(ctx, (o) => {
        const frames: Buffer[] = [];
        for (const n of NUMBERS) {
          frames.push(
            request(Code.PULL_MESSAGE, o + frames.length, {
              consumerGroup: ctx.group,
              topic: ctx.topic,
              queueId: n,
              queueOffset: n,
              maxMsgNums: n,
              sysFlag: '0',
              commitOffset: n,
              suspendTimeoutMillis: '0',
              subscription: '*',
              subVersion: n,
            }),
            request(Code.QUERY_MESSAGE, o + frames.length + 1, {
              topic: ctx.topic,
              key: 'k',
              maxNum: n,
              beginTimestamp: n,
              endTimestamp: n,
            }),
          );
        }
        frames.push(rawFrame(`{"code":${LONG_MAX},"opaque":${LONG_MIN},"flag":1e400,"version":-1}`));
        return frames;
      }),
  },
  {
    name: 'deep nesting',
    appliesTo: isRemoting,
    run: (ctx) => oneShots(ctx, (o) => [deeplyNested(o, 5_000), deeplyNested(o + 1, 100_000)]),
  },
  {
    name: 'malformed protocol bytes',
    appliesTo: (t) => !isRemoting(t),
    run: (ctx) => oneShots(ctx, () => garbageFrames(ctx.target)),
  },
  {
    name: 'compression bomb',
    appliesTo: isRemoting,
    // Deflating 1 GiB takes the harness seconds: before the window, not inside it.
    prepare: (ctx) => compressionBomb(0, ctx.bombMiB),
    run: (ctx) => oneShots(ctx, async (o) => [await compressionBomb(o, ctx.bombMiB)]),
  },
];

/**
 * Whether the port still serves a normal request after an abuse: a fresh connection's request
 * (for HA, a slave at offset 0, which the master answers with the log) gets an answer within
 * `timeoutMs`.
 */
export async function portAnswers(ctx: AbuseContext, timeoutMs = 5000): Promise<boolean> {
  const r = new Raw(ctx.target, true);
  await r.ready;
  r.write(Buffer.concat([opening(ctx.target), bigAnswerRequest(ctx, 1)]));
  const end = Date.now() + timeoutMs;
  while (r.responses === 0 && r.open && Date.now() < end) await delay(10);
  const ok = r.responses > 0;
  r.destroy();
  return ok;
}
