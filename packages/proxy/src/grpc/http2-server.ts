import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import type { CallContext } from '../service/proxy-deps.js';
import { type RpcShape, rpcs } from './codec.js';
import { encodeFrame, type Frame, FrameDecoder, type FrameError } from './frame-codec.js';
import { encodeGrpcMessage, parseGrpcTimeout } from './grpc-status-text.js';
import {
  type BidiCall,
  type BidiHandler,
  type GrpcListener,
  GrpcStatus,
  type Handlers,
  type ListenOptions,
  runServerStream,
  type ServerStreamHandler,
  type ServerStreamSink,
  wrapUnary,
} from './server-api.js';

// The default gRPC listener: gRPC over HTTP/2 served straight from node:http2, without
// @grpc/grpc-js's per-call machinery (interceptors, call objects, metadata classes), which cost
// 160–390 µs of CPU per call in bench/proxy. Unary, server-streaming and bidi calls; request
// metadata; trailers (trailers-only for errors before any message); grpc-timeout deadlines;
// cancellation on RST_STREAM; gzip/deflate requests with a bound on the decompressed size.
// The framing codec is frame-codec.ts; this file only moves its bytes on and off streams.

const {
  HTTP2_HEADER_STATUS,
  HTTP2_HEADER_CONTENT_TYPE,
  HTTP2_HEADER_PATH,
  HTTP2_HEADER_METHOD,
  NGHTTP2_CANCEL,
  NGHTTP2_ENHANCE_YOUR_CALM,
} = http2.constants;

export interface Http2Limits {
  /** Streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: number;
  /** Response bytes queued for one connection's slow reader before its largest stream is reset. */
  maxPendingWriteBytes: number;
  /** Request bytes held in incomplete messages of one connection before the stream is refused. */
  maxPendingReadBytes: number;
  /** Calls a connection may cancel in one second before it is closed (RST_STREAM floods). */
  maxCancelsPerSecond: number;
}

export const defaultHttp2Limits = (maxReceiveBytes: number): Http2Limits => ({
  maxConcurrentStreams: 1000,
  maxPendingWriteBytes: 64 * 1024 * 1024,
  maxPendingReadBytes: maxReceiveBytes + 16 * 1024 * 1024,
  maxCancelsPerSecond: 2000,
});

type Kind = 'unary' | 'server' | 'bidi';

/** A call holding more than this of an incomplete message has its connection's total checked. */
const READ_CHECK_BYTES = 64 * 1024;

interface Method {
  name: string;
  kind: Kind;
  rpc: RpcShape;
  unary?: (request: unknown, ctx: CallContext) => Promise<unknown>;
  server?: ServerStreamHandler;
  bidi?: BidiHandler;
}

/** Per connection: its peer, its calls, and the counters its bounds are checked on. */
interface Session {
  peer: string;
  calls: Set<Call>;
  cancels: number;
  cancelWindow: number;
}

const RESPONSE_HEADERS = {
  [HTTP2_HEADER_STATUS]: 200,
  [HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
  'grpc-accept-encoding': 'identity,deflate,gzip',
};

const frameStatus = (e: FrameError): [GrpcStatus, string] =>
  e.kind === 'too-large'
    ? [GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${e.declared} vs. ${e.max})`]
    : e.kind === 'bad-flag'
      ? [GrpcStatus.INTERNAL, `Invalid compressed flag ${e.flag}`]
      : [GrpcStatus.INTERNAL, `Stream ended inside a message (${e.buffered} bytes)`];

const header = (v: string | string[] | undefined): string =>
  v === undefined ? '' : typeof v === 'string' ? v : v.join(',');

/** One gRPC call on one HTTP/2 stream. */
class Call {
  readonly decoder: FrameDecoder;
  private headersSent = false;
  private done = false;
  private gone = false;
  private received = 0;
  private timer: NodeJS.Timeout | undefined;
  private trailers: Record<string, string> | undefined;
  /** Keeps messages in order when some need asynchronous decompression. */
  private chain: Promise<void> | undefined;
  private messageFns: Array<(m: unknown) => void> = [];
  private endFns: Array<() => void> = [];
  private closeFns: Array<() => void> = [];

  constructor(
    readonly stream: http2.ServerHttp2Stream,
    private readonly m: Method,
    readonly ctx: CallContext,
    private readonly encoding: string,
    private readonly session: Session,
    private readonly srv: Server,
  ) {
    this.decoder = new FrameDecoder(srv.o.maxReceiveBytes);
  }

  get cancelled(): boolean {
    return this.gone;
  }

  start(timeoutMs: number | undefined): void {
    const s = this.stream;
    this.session.calls.add(this);
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('end', () => this.onEnd());
    s.on('close', () => this.onClose());
    s.on('error', () => undefined);
    if (timeoutMs !== undefined) {
      this.timer = setTimeout(() => this.expire(), timeoutMs);
      this.timer.unref();
    }
    if (this.m.kind === 'bidi') this.m.bidi!(this.ctx, this.bidiCall());
  }

  private onData(chunk: Buffer): void {
    if (this.done) return;
    const r = this.decoder.push(chunk);
    if (!r.ok) {
      this.finish(...frameStatus(r.error));
      return;
    }
    for (const f of r.value) this.onFrame(f);
    if (this.decoder.buffered > READ_CHECK_BYTES && this.srv.readBudgetExceeded(this.session)) {
      this.finish(GrpcStatus.RESOURCE_EXHAUSTED, 'Too many request bytes in flight on this connection');
    }
  }

  private onEnd(): void {
    if (this.done) return;
    const r = this.decoder.end();
    if (!r.ok) {
      this.finish(...frameStatus(r.error));
      return;
    }
    const after = () => {
      if (this.done) return;
      if (this.m.kind !== 'bidi') {
        if (this.received === 0) this.finish(GrpcStatus.INTERNAL, 'No message received for a unary request');
      } else for (const fn of this.endFns) fn();
    };
    if (this.chain) void this.chain.then(after);
    else after();
  }

  private onClose(): void {
    this.session.calls.delete(this);
    if (this.timer) clearTimeout(this.timer);
    if (this.done) return;
    // Closed before the call was over: the client reset the stream (or the connection died).
    this.gone = true;
    this.done = true;
    this.srv.countCancel(this.session);
    for (const fn of this.closeFns) fn();
  }

  private expire(): void {
    this.timer = undefined;
    if (this.done) return;
    this.gone = true;
    this.finish(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded');
    for (const fn of this.closeFns) fn();
  }

  private onFrame(f: Frame): void {
    this.received++;
    if (this.m.kind !== 'bidi' && this.received > 1) {
      this.finish(GrpcStatus.UNIMPLEMENTED, 'Received a second request message for a unary request');
      return;
    }
    if (!f.compressed && this.chain === undefined) {
      this.deliver(f.payload);
      return;
    }
    const prev = this.chain ?? Promise.resolve();
    this.chain = prev
      .then(() => this.inflate(f))
      .then(
        (bytes) => {
          if (bytes !== undefined) this.deliver(bytes);
        },
        () => undefined,
      );
  }

  private inflate(f: Frame): Promise<Buffer | undefined> {
    if (!f.compressed) return Promise.resolve(f.payload);
    if (this.encoding !== 'gzip' && this.encoding !== 'deflate') {
      this.finish(GrpcStatus.INTERNAL, `Compressed message with grpc-encoding "${this.encoding || 'identity'}"`);
      return Promise.resolve(undefined);
    }
    const max = this.srv.o.maxReceiveBytes;
    const fn = this.encoding === 'gzip' ? zlib.gunzip : zlib.inflate;
    return new Promise((resolve) => {
      fn(f.payload, { maxOutputLength: Math.max(1, max) }, (e, out) => {
        if (!e) return resolve(out);
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          this.finish(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (decompressed past ${max})`);
        } else this.finish(GrpcStatus.INTERNAL, `Failed to decompress the message: ${e.message}`);
        resolve(undefined);
      });
    });
  }

  private deliver(bytes: Buffer): void {
    if (this.done) return;
    const d = this.m.rpc.request.decode(bytes);
    if (!d.ok) {
      this.finish(GrpcStatus.INTERNAL, `Error deserializing request: ${d.error}`);
      return;
    }
    const m = this.m;
    if (m.kind === 'unary') {
      void m.unary!(d.value, this.ctx).then((res) => this.reply(res));
    } else if (m.kind === 'server') {
      runServerStream(m.name, m.server!, d.value, this.ctx, this.sink(), this.srv.o.logger);
    } else for (const fn of this.messageFns) fn(d.value);
  }

  /** Unary answer: headers, the one message, OK trailers. */
  private reply(res: unknown): void {
    if (this.done) return;
    this.send(this.m.rpc.response.encode(res), true);
  }

  /** Writes one message; with `last`, the OK trailers follow it. */
  send(payload: Buffer, last = false): boolean {
    if (this.done) return false;
    const s = this.stream;
    if (s.destroyed) return false;
    if (!this.headersSent) {
      this.headersSent = true;
      s.respond(RESPONSE_HEADERS, { waitForTrailers: true });
      s.once('wantTrailers', () => s.sendTrailers(this.trailers ?? { 'grpc-status': '0' }));
    }
    const frame = encodeFrame(payload);
    if (last) {
      this.done = true;
      this.trailers = { 'grpc-status': '0' };
      if (this.timer) clearTimeout(this.timer);
      s.end(frame);
      return true;
    }
    const more = s.write(frame);
    if (!more && this.srv.writeBudgetExceeded(this.session)) {
      this.gone = true;
      this.done = true;
      s.close(NGHTTP2_CANCEL);
      for (const fn of this.closeFns) fn();
      return false;
    }
    return more;
  }

  /** Ends the call with a status: trailers after any messages, else a trailers-only response. */
  finish(code: GrpcStatus, message?: string): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    const s = this.stream;
    if (s.destroyed || s.closed) return;
    const trailers: Record<string, string> = { 'grpc-status': String(code) };
    if (message) trailers['grpc-message'] = encodeGrpcMessage(message);
    this.trailers = trailers;
    if (!this.headersSent) {
      this.headersSent = true;
      s.respond({ ...RESPONSE_HEADERS, ...trailers }, { endStream: true });
    } else s.end();
  }

  private sink(): ServerStreamSink {
    const enc = this.m.rpc.response;
    const self = this;
    return {
      write: (r) => this.send(enc.encode(r)),
      end: () => this.finish(GrpcStatus.OK),
      get cancelled() {
        return self.gone;
      },
    };
  }

  private bidiCall(): BidiCall {
    const enc = this.m.rpc.response;
    const self = this;
    return {
      onMessage: (fn) => void this.messageFns.push(fn),
      onEnd: (fn) => void this.endFns.push(fn),
      onClose: (fn) => void this.closeFns.push(fn),
      write: (m) => void this.send(enc.encode(m)),
      end: () => this.finish(GrpcStatus.OK),
      fail: (code, details) => this.finish(code, details),
      get cancelled() {
        return self.gone;
      },
    };
  }
}

class Server {
  readonly methods = new Map<string, Method>();
  readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly state = new WeakMap<http2.ServerHttp2Session, Session>();

  constructor(
    h: Handlers,
    readonly o: ListenOptions,
    readonly limits: Http2Limits,
  ) {
    for (const [name, rpc] of Object.entries(rpcs)) {
      const unary = h.unary[name];
      const server = h.serverStream[name];
      const bidi = h.bidi[name];
      if (unary) {
        this.methods.set(rpc.path, { name, kind: 'unary', rpc, unary: wrapUnary(name, unary, o.logger, o.observe) });
      } else if (server) this.methods.set(rpc.path, { name, kind: 'server', rpc, server });
      else if (bidi) this.methods.set(rpc.path, { name, kind: 'bidi', rpc, bidi });
    }
  }

  onSession(session: http2.ServerHttp2Session): void {
    this.sessions.add(session);
    const sock = session.socket;
    const addr = sock.remoteAddress ?? '';
    this.state.set(session, {
      peer: `${addr.startsWith('::ffff:') ? addr.slice(7) : addr}:${sock.remotePort ?? 0}`,
      calls: new Set(),
      cancels: 0,
      cancelWindow: 0,
    });
    session.on('close', () => this.sessions.delete(session));
    session.on('error', () => undefined);
  }

  onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    const session = this.state.get(stream.session as http2.ServerHttp2Session);
    if (session === undefined) {
      stream.close(NGHTTP2_CANCEL);
      return;
    }
    const ct = header(headers[HTTP2_HEADER_CONTENT_TYPE]);
    if (headers[HTTP2_HEADER_METHOD] !== 'POST' || !ct.startsWith('application/grpc')) {
      stream.respond({ [HTTP2_HEADER_STATUS]: 415, 'grpc-status': String(GrpcStatus.INTERNAL) }, { endStream: true });
      return;
    }
    const path = header(headers[HTTP2_HEADER_PATH]);
    const m = this.methods.get(path);
    const trailersOnly = (code: GrpcStatus, message: string) => {
      stream.respond(
        { ...RESPONSE_HEADERS, 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(message) },
        { endStream: true },
      );
      stream.resume();
    };
    if (m === undefined) {
      trailersOnly(GrpcStatus.UNIMPLEMENTED, `The server does not implement the method ${path}`);
      return;
    }
    const encoding = header(headers['grpc-encoding']);
    if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
      trailersOnly(GrpcStatus.UNIMPLEMENTED, `Unsupported grpc-encoding "${encoding}"`);
      return;
    }
    const timeout = parseGrpcTimeout(headers['grpc-timeout'] as string | undefined);
    if (timeout !== undefined && Number.isNaN(timeout)) {
      trailersOnly(GrpcStatus.INTERNAL, `Invalid grpc-timeout "${header(headers['grpc-timeout'])}"`);
      return;
    }
    const ctx: CallContext = {
      clientId: header(headers['x-mq-client-id']),
      language: header(headers['x-mq-language']),
      peer: session.peer,
      deadline: timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeout,
    };
    if (m.kind === 'bidi' && ctx.clientId === '') {
      trailersOnly(GrpcStatus.INVALID_ARGUMENT, 'x-mq-client-id is required');
      return;
    }
    new Call(stream, m, ctx, encoding, session, this).start(timeout);
  }

  /** Counts a cancelled call; a connection cancelling too fast (an RST flood) is closed. */
  countCancel(s: Session): void {
    const sec = Math.floor(performance.now() / 1000);
    if (sec !== s.cancelWindow) {
      s.cancelWindow = sec;
      s.cancels = 0;
    }
    if (++s.cancels > this.limits.maxCancelsPerSecond) {
      for (const [session, st] of this.sessionsOf()) {
        if (st === s && !session.destroyed) {
          this.o.logger.warn({ peer: s.peer }, 'gRPC connection closed: too many cancelled calls');
          session.destroy(undefined, NGHTTP2_ENHANCE_YOUR_CALM);
        }
      }
    }
  }

  private *sessionsOf(): Generator<[http2.ServerHttp2Session, Session]> {
    for (const session of this.sessions) {
      const st = this.state.get(session);
      if (st) yield [session, st];
    }
  }

  writeBudgetExceeded(s: Session): boolean {
    let pending = 0;
    for (const c of s.calls) pending += c.stream.writableLength;
    return pending > this.limits.maxPendingWriteBytes;
  }

  readBudgetExceeded(s: Session): boolean {
    let pending = 0;
    for (const c of s.calls) pending += c.stream.readableLength + c.decoder.buffered;
    return pending > this.limits.maxPendingReadBytes;
  }
}

export async function listenHttp2(
  h: Handlers,
  o: ListenOptions,
  limits: Http2Limits = defaultHttp2Limits(o.maxReceiveBytes),
): Promise<GrpcListener> {
  const srv = new Server(h, o, limits);
  const server = http2.createServer({
    settings: {
      maxConcurrentStreams: limits.maxConcurrentStreams,
      initialWindowSize: 1024 * 1024,
      maxHeaderListSize: 64 * 1024,
    },
    // Our own bounds cover queued data (maxPendingWriteBytes/maxPendingReadBytes); node's default
    // of 10 MB would refuse streams of a connection that is merely receiving a large batch.
    maxSessionMemory: 1024,
  });
  server.on('session', (s) => {
    srv.onSession(s);
    s.setLocalWindowSize(8 * 1024 * 1024);
  });
  server.on('stream', (stream, headers) => srv.onStream(stream, headers));
  server.on('sessionError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    shutdown() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of srv.sessions) s.close();
        const force = setTimeout(() => {
          for (const s of srv.sessions) s.destroy();
        }, 3000);
        force.unref();
      });
      return closing;
    },
  };
}
