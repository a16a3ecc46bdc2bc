import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock, Logger } from '@rocketmq-ts/common';
import type { Labels, MetricFamily } from './metric-family.js';
import { encodeExportMetricsRequest } from './otlp-encode.js';
import { OtlpGrpcClient } from './otlp-exporter.js';
import { PROM_CONTENT_TYPE, renderPromText } from './prom-text.js';

// Exports what `collect` returns as RocketMQ 5.x's BrokerMetricsManager configures it:
// metricsExporterType DISABLE | OTLP_GRPC | PROM | LOG, Prometheus text on
// metricsPromExporterHost:metricsPromExporterPort/metrics, OTLP every
// metricGrpcExporterIntervalInMills to metricsGrpcExporterTarget. Every point carries
// cluster, node_type and node_id, plus the metricsLabel pairs.

export type MetricsExporterType = 'DISABLE' | 'OTLP_GRPC' | 'PROM' | 'LOG';

const TYPES: readonly MetricsExporterType[] = ['DISABLE', 'OTLP_GRPC', 'PROM', 'LOG'];

/** Java accepts the enum name or its number (0 DISABLE, 1 OTLP_GRPC, 2 PROM, 3 LOG). */
export function parseExporterType(v: string | number): MetricsExporterType {
  const s = String(v).trim().toUpperCase();
  if (/^\d+$/.test(s)) return TYPES[Number(s)] ?? 'DISABLE';
  return (TYPES as readonly string[]).includes(s) ? (s as MetricsExporterType) : 'DISABLE';
}

/** `k:v,k:v` (metricsLabel, metricsGrpcExporterHeader); malformed pairs are skipped, as Java does. */
export function parsePairs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of s.split(',')) {
    if (item.trim() === '') continue;
    const parts = item.split(':');
    if (parts.length === 2 && parts[0]!.trim() !== '') out[parts[0]!.trim()] = parts[1]!.trim();
  }
  return out;
}

export interface MetricsSettings {
  metricsExporterType: string | number;
  metricsPromExporterHost: string;
  metricsPromExporterPort: number;
  metricsGrpcExporterTarget: string;
  metricsGrpcExporterHeader: string;
  metricGrpcExporterTimeOutInMills: number;
  metricGrpcExporterIntervalInMills: number;
  metricLoggingExporterIntervalInMills: number;
  metricsLabel: string;
  brokerClusterName: string;
  brokerName: string;
  /** Host when metricsPromExporterHost is empty (Java: brokerIP1). */
  defaultHost: string;
}

export class MetricsService {
  readonly type: MetricsExporterType;
  readonly common: Labels;
  private server: Server | undefined;
  private otlp: OtlpGrpcClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt: number;
  /** Completed OTLP exports (tests, status). */
  exports = 0;

  constructor(
    private readonly s: MetricsSettings,
    private readonly collect: () => Promise<MetricFamily[]>,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.type = parseExporterType(s.metricsExporterType);
    this.common = {
      ...parsePairs(s.metricsLabel),
      node_type: 'broker',
      cluster: s.brokerClusterName,
      node_id: s.brokerName,
    };
    this.startedAt = clock.now();
  }

  /** Port of the Prometheus endpoint (after start; 0 when not serving). */
  get promPort(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async render(): Promise<string> {
    return renderPromText(await this.collect(), this.common);
  }

  async start(): Promise<void> {
    if (this.type === 'PROM') {
      // A taken port must not keep the broker down: the broker serves, the endpoint is reported missing.
      await this.listen().catch((err: unknown) => {
        this.server = undefined;
        this.logger.error({ err, port: this.s.metricsPromExporterPort }, 'Prometheus metrics endpoint not started');
      });
    }
    if (this.type === 'OTLP_GRPC') {
      if (this.s.metricsGrpcExporterTarget.trim() === '') {
        this.logger.error({}, 'metricsExporterType=OTLP_GRPC needs metricsGrpcExporterTarget; metrics not exported');
        return;
      }
      this.otlp = new OtlpGrpcClient(
        {
          target: this.s.metricsGrpcExporterTarget.trim(),
          headers: parsePairs(this.s.metricsGrpcExporterHeader),
          timeoutMs: this.s.metricGrpcExporterTimeOutInMills,
        },
        this.logger,
      );
      this.every(this.s.metricGrpcExporterIntervalInMills, () => this.exportOnce());
    }
    if (this.type === 'LOG') {
      this.every(this.s.metricLoggingExporterIntervalInMills, async () => {
        this.logger.info({ metrics: await this.render() }, 'metrics');
      });
    }
  }

  /** One OTLP export now; resolves with the grpc-status. */
  async exportOnce(): Promise<number> {
    if (!this.otlp) return -1;
    const body = encodeExportMetricsRequest(await this.collect(), {
      resource: {},
      common: this.common,
      scopeName: 'broker-meter',
      startTimeMs: this.startedAt,
      timeMs: this.clock.now(),
    });
    try {
      const status = await this.otlp.export(body);
      if (status === 0) this.exports++;
      else this.logger.warn({ status, target: this.s.metricsGrpcExporterTarget }, 'OTLP export refused');
      return status;
    } catch (err) {
      this.logger.warn({ err, target: this.s.metricsGrpcExporterTarget }, 'OTLP export failed');
      return -1;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.otlp?.close();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private every(ms: number, fn: () => Promise<unknown>): void {
    this.timer = setInterval(() => {
      fn().catch((err: unknown) => this.logger.warn({ err }, 'metrics export failed'));
    }, ms);
    this.timer.unref();
  }

  private listen(): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path !== '/metrics' && path !== '/') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      this.render().then(
        (text) => res.writeHead(200, { 'content-type': PROM_CONTENT_TYPE }).end(req.method === 'HEAD' ? '' : text),
        (err: unknown) => {
          this.logger.warn({ err }, 'metrics scrape failed');
          res.writeHead(500, { 'content-type': 'text/plain' }).end('scrape failed\n');
        },
      );
    });
    this.server = server;
    const host = this.s.metricsPromExporterHost.trim() || this.s.defaultHost;
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.s.metricsPromExporterPort, host, () => {
        server.off('error', reject);
        this.logger.info({ host, port: this.promPort }, 'Prometheus metrics endpoint listening');
        resolve();
      });
    });
  }
}
