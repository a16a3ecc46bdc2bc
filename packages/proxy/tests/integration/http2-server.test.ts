import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { silentLogger } from '@rocketmq-ts/common';
import { eventually } from '@rocketmq-ts/testkit';
import { codec } from '../../src/grpc/codec.js';
import { encodeFrame, FrameDecoder } from '../../src/grpc/frame-codec.js';
import { defaultHttp2Limits, type Http2Limits, listenHttp2 } from '../../src/grpc/http2-server.js';
import type { GrpcListener, Handlers, ServerStreamSink } from '../../src/grpc/server-api.js';
import type { CallContext } from '../../src/service/proxy-deps.js';

// The lean gRPC server (http2-server.ts) against raw node:http2 clients: the protocol as a
// well-behaved client sees it, and hostile clients (half frames, huge declared lengths,
// compression bombs, stream and RST_STREAM floods, a reader that never reads) with bounds.

const SVC = '/apache.rocketmq.v2.MessagingService/';
const MAX = 1024 * 1024;
const req = (name: string, v: unknown) => codec(`${name}Request`).encode(v);
const statusOf = (name: string, b: Buffer) => {
  const d = codec<{ status?: { code?: number; message?: string } }>(`${name}Response`).decode(b);
  assert.ok(d.ok);
  return d.value.status;
};
const tick = () => new Promise((r) => setImmediate(r));

/** What the test handlers saw. */
const seen = { cancelled: 0, deadlines: [] as number[], floodStopped: 0 };

const handlers: Handlers = {
  unary: {
    QueryRoute: async (r, ctx: CallContext) => {
      const topic = (r as { topic?: { name?: string } }).topic?.name ?? '';
      return { status: { code: 20000, message: `${ctx.clientId}|${ctx.language}|${topic}|${ctx.peer}` } };
    },
  },
  serverStream: {
    ReceiveMessage: async (r, ctx, sink: ServerStreamSink) => {
      const batch = (r as { batchSize?: number }).batchSize ?? 0;
      if (batch === 1) {
        // Long poll until the call is gone.
        seen.deadlines.push(ctx.deadline);
        while (!sink.cancelled) await new Promise((res) => setTimeout(res, 5));
        seen.cancelled++;
        return;
      }
      if (batch === 2) {
        // Writes as long as the call lasts: a reader that never reads must not grow the process.
        const m = { message: { body: Buffer.alloc(16 * 1024, 7) } };
        while (!sink.cancelled) {
          sink.write(m);
          await tick();
        }
        seen.floodStopped++;
        return;
      }
      for (let i = 0; i < 3; i++) sink.write({ status: { code: 20000, message: `m${i}` } });
      sink.end();
    },
  },
  bidi: {
    Telemetry: (_ctx, call) => {
      call.onMessage((m) => call.write(m));
      call.onEnd(() => call.end());
    },
  },
};

interface Reply {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders | undefined;
  messages: Buffer[];
  status: number;
  message: string | undefined;
}

function call(
  session: http2.ClientHttp2Session,
  method: string,
  body: Buffer | Buffer[] | undefined,
  extra: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const s = session.request({
      ':method': 'POST',
      ':path': method.startsWith('/') ? method : SVC + method,
      'content-type': 'application/grpc',
      te: 'trailers',
      'x-mq-client-id': 'c1@test',
      'x-mq-language': 'NODE_JS',
      ...extra,
    });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    const dec = new FrameDecoder(1 << 30);
    const messages: Buffer[] = [];
    s.on('response', (h) => {
      headers = h;
    });
    s.on('trailers', (t) => {
      trailers = t;
    });
    s.on('data', (c: Buffer) => {
      const r = dec.push(c);
      if (r.ok) messages.push(...r.value.map((f) => f.payload));
    });
    s.on('error', reject);
    s.on('close', () => {
      const st = trailers ?? headers;
      resolve({
        headers,
        trailers,
        messages,
        status: Number(st['grpc-status'] ?? -1),
        message: st['grpc-message'] as string | undefined,
      });
    });
    if (body === undefined) s.end();
    else if (Array.isArray(body)) {
      for (const b of body) s.write(b);
      s.end();
    } else s.end(body);
  });
}

/** A raw stream to `method`, its errors ignored (the hostile tests reset and abandon them). */
function open(session: http2.ClientHttp2Session, method: string, clientId: string): http2.ClientHttp2Stream {
  const st = session.request({
    ':method': 'POST',
    ':path': SVC + method,
    'content-type': 'application/grpc',
    'x-mq-client-id': clientId,
  });
  st.on('error', () => undefined);
  return st;
}

async function server(limits?: Partial<Http2Limits>): Promise<GrpcListener> {
  return listenHttp2(
    handlers,
    { host: '127.0.0.1', port: 0, maxReceiveBytes: MAX, logger: silentLogger },
    { ...defaultHttp2Limits(MAX), ...limits },
  );
}

describe('lean gRPC server (node:http2)', () => {
  let l: GrpcListener;
  let session: http2.ClientHttp2Session;
  const connect = () => {
    const s = http2.connect(`http://127.0.0.1:${l.port}`);
    s.on('error', () => undefined);
    return s;
  };
  before(async () => {
    l = await server();
    session = connect();
  });
  after(async () => {
    session.close();
    await l.shutdown();
  });

  it('unary: metadata reaches the handler; the answer is one message and grpc-status 0 in trailers', async () => {
    const r = await call(session, 'QueryRoute', encodeFrame(req('QueryRoute', { topic: { name: 'T1' } })));
    assert.equal(r.headers[':status'], 200);
    assert.match(String(r.headers['content-type']), /^application\/grpc/);
    assert.equal(r.trailers?.['grpc-status'], '0');
    assert.equal(r.messages.length, 1);
    const s = statusOf('QueryRoute', r.messages[0]!);
    assert.equal(s?.code, 20000);
    assert.match(s?.message ?? '', /^c1@test\|NODE_JS\|T1\|127\.0\.0\.1:\d+$/);
  });

  it('a request split into one-byte DATA frames is reassembled', async () => {
    const frame = encodeFrame(req('QueryRoute', { topic: { name: 'split' } }));
    const r = await call(
      session,
      'QueryRoute',
      [...frame].map((b) => Buffer.from([b])),
    );
    assert.equal(r.status, 0);
    assert.match(statusOf('QueryRoute', r.messages[0]!)?.message ?? '', /\|split\|/);
  });

  it('server streaming: messages in order, then OK; bidi echoes until the client half-closes', async () => {
    const r = await call(session, 'ReceiveMessage', encodeFrame(req('ReceiveMessage', { batchSize: 3 })));
    assert.equal(r.status, 0);
    assert.deepEqual(
      r.messages.map((m) => statusOf('ReceiveMessage', m)?.message),
      ['m0', 'm1', 'm2'],
    );
    const cmds = [0, 1, 2].map((i) => encodeFrame(codec('TelemetryCommand').encode({ status: { code: i } })));
    const t = await call(session, 'Telemetry', cmds);
    assert.equal(t.status, 0);
    assert.equal(t.messages.length, 3);
  });

  it('an unknown method is UNIMPLEMENTED in a trailers-only response', async () => {
    const r = await call(session, 'PullMessage', encodeFrame(Buffer.alloc(0)));
    assert.equal(r.status, 12);
    assert.equal(r.trailers, undefined, 'the status is in the only HEADERS frame');
    assert.equal(r.headers['grpc-status'], '12');
  });

  it('malformed protobuf, a stream ending inside a frame, and a bad flag are INTERNAL; no message is UNIMPLEMENTED or INTERNAL', async () => {
    const bad = await call(session, 'QueryRoute', encodeFrame(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])));
    assert.equal(bad.status, 13);
    const half = await call(
      session,
      'QueryRoute',
      encodeFrame(req('QueryRoute', { topic: { name: 'T' } })).subarray(0, 7),
    );
    assert.equal(half.status, 13);
    assert.match(half.message ?? '', /inside a message/);
    const flag = await call(session, 'QueryRoute', Buffer.from([7, 0, 0, 0, 0]));
    assert.equal(flag.status, 13);
    const none = await call(session, 'QueryRoute', undefined);
    assert.equal(none.status, 13);
  });

  it('a declared length past the limit is RESOURCE_EXHAUSTED at once, on 200 streams without memory growth', async () => {
    const rss0 = process.memoryUsage().rss;
    const rs = await Promise.all(
      Array.from({ length: 200 }, () => call(session, 'QueryRoute', Buffer.from([0, 0xff, 0xff, 0xff, 0xff]))),
    );
    for (const r of rs) assert.equal(r.status, 8);
    assert.ok(process.memoryUsage().rss - rss0 < 64 * 1024 * 1024, 'no buffer of the declared size');
    const big = await call(session, 'QueryRoute', encodeFrame(Buffer.alloc(MAX + 1)));
    assert.equal(big.status, 8);
  });

  it('gzip and deflate requests are inflated; a compression bomb stops at the limit; a bad encoding is refused', async () => {
    const body = req('QueryRoute', { topic: { name: 'zipped' } });
    for (const [enc, z] of [
      ['gzip', zlib.gzipSync],
      ['deflate', zlib.deflateSync],
    ] as const) {
      const r = await call(session, 'QueryRoute', encodeFrame(z(body), true), { 'grpc-encoding': enc });
      assert.equal(r.status, 0, enc);
      assert.match(statusOf('QueryRoute', r.messages[0]!)?.message ?? '', /\|zipped\|/);
    }
    // 256 MiB of zeros in about 256 KiB: refused once the output passes 1 MiB.
    const bomb = zlib.gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 });
    assert.ok(bomb.length < MAX);
    const rss0 = process.memoryUsage().rss;
    const r = await call(session, 'QueryRoute', encodeFrame(bomb, true), { 'grpc-encoding': 'gzip' });
    assert.equal(r.status, 8);
    assert.ok(process.memoryUsage().rss - rss0 < 128 * 1024 * 1024);
    const identity = await call(session, 'QueryRoute', encodeFrame(body, true));
    assert.equal(identity.status, 13);
    const snappy = await call(session, 'QueryRoute', encodeFrame(body), { 'grpc-encoding': 'snappy' });
    assert.equal(snappy.status, 12);
  });

  it('grpc-timeout ends a long poll with DEADLINE_EXCEEDED and the handler sees the call cancelled', async () => {
    const before = seen.cancelled;
    const t0 = Date.now();
    const r = await call(session, 'ReceiveMessage', encodeFrame(req('ReceiveMessage', { batchSize: 1 })), {
      'grpc-timeout': '200m',
    });
    assert.equal(r.status, 4);
    assert.ok(Date.now() - t0 >= 150);
    const deadline = seen.deadlines.at(-1)!;
    assert.ok(Math.abs(deadline - (t0 + 200)) < 1000, 'ctx.deadline from grpc-timeout');
    await eventually(() => seen.cancelled > before);
    const bad = await call(session, 'QueryRoute', encodeFrame(req('QueryRoute', {})), { 'grpc-timeout': '1x' });
    assert.notEqual(bad.status, 0);
  });

  it('a client reset cancels the call for its handler', async () => {
    const before = seen.cancelled;
    const s = open(session, 'ReceiveMessage', 'c1');
    s.end(encodeFrame(req('ReceiveMessage', { batchSize: 1 })));
    await eventually(() => seen.deadlines.length > 0 && s.sentHeaders !== undefined);
    await new Promise((r) => setTimeout(r, 50));
    s.close(http2.constants.NGHTTP2_CANCEL);
    await eventually(() => seen.cancelled > before);
  });
});

describe('lean gRPC server against hostile clients (bounded)', () => {
  it('SETTINGS_MAX_CONCURRENT_STREAMS is advertised; a connection at its limit does not starve others', async () => {
    const l = await server({ maxConcurrentStreams: 20 });
    const s = http2.connect(`http://127.0.0.1:${l.port}`);
    s.on('error', () => undefined);
    await new Promise((r) => s.once('remoteSettings', r));
    assert.equal(s.remoteSettings.maxConcurrentStreams, 20);
    // 20 long polls held open, then more: node's client queues or the server refuses them.
    const held = Array.from({ length: 20 }, () =>
      call(s, 'ReceiveMessage', encodeFrame(req('ReceiveMessage', { batchSize: 1 })), { 'grpc-timeout': '2S' }).catch(
        () => undefined,
      ),
    );
    const other = http2.connect(`http://127.0.0.1:${l.port}`);
    other.on('error', () => undefined);
    const r = await call(other, 'QueryRoute', encodeFrame(req('QueryRoute', { topic: { name: 'x' } })));
    assert.equal(r.status, 0, 'another connection is served while one is at its limit');
    await Promise.all(held);
    s.destroy();
    other.close();
    await l.shutdown();
  });

  it('an RST_STREAM flood closes the connection; other connections are served', async () => {
    const l = await server({ maxCancelsPerSecond: 50 });
    const s = http2.connect(`http://127.0.0.1:${l.port}`);
    s.on('error', () => undefined);
    const closed = new Promise((r) => s.once('close', r));
    for (let i = 0; i < 400 && !s.destroyed && !s.closed; i++) {
      const st = open(s, 'ReceiveMessage', 'flood');
      st.end(encodeFrame(req('ReceiveMessage', { batchSize: 1 })));
      await tick();
      st.close(http2.constants.NGHTTP2_CANCEL);
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await closed;
    const other = http2.connect(`http://127.0.0.1:${l.port}`);
    other.on('error', () => undefined);
    const r = await call(other, 'QueryRoute', encodeFrame(req('QueryRoute', { topic: { name: 'x' } })));
    assert.equal(r.status, 0);
    other.close();
    await l.shutdown();
  });

  it('a reader that never reads: the stream is reset once its queued responses pass the bound', async () => {
    const stopped = seen.floodStopped;
    const l = await server({ maxPendingWriteBytes: 2 * 1024 * 1024 });
    const s = http2.connect(`http://127.0.0.1:${l.port}`, { settings: { initialWindowSize: 65535 } });
    s.on('error', () => undefined);
    const st = open(s, 'ReceiveMessage', 'slow');
    st.pause();
    st.end(encodeFrame(req('ReceiveMessage', { batchSize: 2 })));
    const rss0 = process.memoryUsage().rss;
    await eventually(() => seen.floodStopped > stopped, { timeoutMs: 20_000 });
    assert.ok(process.memoryUsage().rss - rss0 < 256 * 1024 * 1024);
    s.destroy();
    await l.shutdown();
  });
});
