import { type ClientHttp2Session, connect, constants } from 'node:http2';
import type { Logger } from '@rocketmq-ts/common';

// OTLP over gRPC without a gRPC library: a unary call is an HTTP/2 POST of one
// length-prefixed message (1 byte compressed flag, 4 bytes big-endian length) to
// `/<package>.<Service>/<Method>`, answered with a `grpc-status` trailer (0 = OK).

export const OTLP_METRICS_EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

export interface OtlpTarget {
  /** `host:port`, `http://host:port` (plaintext) or `https://host:port` (TLS), as metricsGrpcExporterTarget. */
  target: string;
  /** Extra request metadata (metricsGrpcExporterHeader `k:v,k:v`). */
  headers: Record<string, string>;
  timeoutMs: number;
}

/** Java prefixes `https://` to a bare target; plaintext is what a local collector speaks, so we use http. */
export function targetUrl(target: string): string {
  return /^https?:\/\//.test(target) ? target : `http://${target}`;
}

export function grpcFrame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

export class OtlpGrpcClient {
  private session: ClientHttp2Session | undefined;

  constructor(
    private readonly t: OtlpTarget,
    private readonly logger: Logger,
  ) {}

  private open(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const s = connect(targetUrl(this.t.target));
    s.on('error', (err) => this.logger.warn({ err, target: this.t.target }, 'OTLP connection failed'));
    s.unref();
    this.session = s;
    return s;
  }

  /** Sends one export request; resolves with the grpc-status (0 = OK), rejects on transport errors. */
  export(body: Buffer): Promise<number> {
    const session = this.open();
    return new Promise<number>((resolve, reject) => {
      const req = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: OTLP_METRICS_EXPORT_PATH,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...this.t.headers,
      });
      let status: number | undefined;
      const timer = setTimeout(() => req.close(constants.NGHTTP2_CANCEL), this.t.timeoutMs);
      const pick = (h: Record<string, unknown>) => {
        const v = h['grpc-status'];
        if (v !== undefined) status = Number(v);
      };
      req.on('response', pick);
      req.on('trailers', pick);
      req.on('data', () => undefined);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.on('close', () => {
        clearTimeout(timer);
        if (status === undefined) reject(new Error(`OTLP export to ${this.t.target}: no grpc-status`));
        else resolve(status);
      });
      req.end(grpcFrame(body));
    });
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }
}
