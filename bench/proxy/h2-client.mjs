// A lean gRPC client for the bench: gRPC calls straight on node:http2 with the proxy's frame
// codec (one HTTP/2 connection, no per-call machinery), so that the load generator's own CPU
// does not hide the server's. Calls resolve with { status, message, messages }.
import http2 from 'node:http2';
import { encodeFrame, FrameDecoder } from '@rocketmq-ts/proxy';

const SERVICE = '/apache.rocketmq.v2.MessagingService/';

export function h2Client(endpoint, metadata = {}) {
  const session = http2.connect(`http://${endpoint}`, { settings: { initialWindowSize: 1024 * 1024 } });
  session.on('connect', () => session.setLocalWindowSize(8 * 1024 * 1024));
  session.on('error', () => undefined);
  const headersOf = new Map();
  const headers = (path) => {
    let h = headersOf.get(path);
    if (!h) {
      h = {
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': '60S',
        ...metadata,
      };
      headersOf.set(path, h);
    }
    return h;
  };
  /** One call with one request message; `path` may be a method of MessagingService or a full path. */
  const call = (method, payload) =>
    new Promise((resolve, reject) => {
      const req = session.request(headers(method.startsWith('/') ? method : SERVICE + method));
      const dec = new FrameDecoder(1 << 30);
      const messages = [];
      let trailers;
      req.on('response', (h) => {
        if (h['grpc-status'] !== undefined) trailers = h;
      });
      req.on('trailers', (t) => {
        trailers = t;
      });
      req.on('data', (chunk) => {
        const r = dec.push(chunk);
        if (r.ok) for (const f of r.value) messages.push(f.payload);
      });
      req.on('error', reject);
      req.on('close', () =>
        resolve({ status: Number(trailers?.['grpc-status'] ?? -1), message: trailers?.['grpc-message'], messages }),
      );
      req.end(encodeFrame(payload));
    });
  return { call, close: () => session.close() };
}
