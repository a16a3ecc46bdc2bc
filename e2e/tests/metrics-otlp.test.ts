import assert from 'node:assert/strict';
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { OTLP_METRICS_EXPORT_PATH } from '@rocketmq-ts/broker';
import { Producer } from '@rocketmq-ts/client';
import { eventually } from '@rocketmq-ts/testkit';
import { createTopic, startCluster, type TestCluster, unique } from './client-support.js';

// Issue 16: metricsExporterType=OTLP_GRPC exports to metricsGrpcExporterTarget. The receiver
// is an in-process HTTP/2 server answering the gRPC unary call
// MetricsService/Export; its protobuf reader below knows the wire format only, the field
// numbers come from opentelemetry-proto's metrics.proto.

type Field = { n: number; wire: number; v: number | Buffer };

function varint(b: Buffer, at: { i: number }): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    const byte = b[at.i++]!;
    v += (byte & 0x7f) * mul;
    if (byte < 0x80) return v;
    mul *= 128;
  }
}

function fields(b: Buffer): Field[] {
  const out: Field[] = [];
  const at = { i: 0 };
  while (at.i < b.length) {
    const key = varint(b, at);
    const n = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) out.push({ n, wire, v: varint(b, at) });
    else if (wire === 1) {
      out.push({ n, wire, v: b.subarray(at.i, at.i + 8) });
      at.i += 8;
    } else if (wire === 2) {
      const len = varint(b, at);
      out.push({ n, wire, v: b.subarray(at.i, at.i + len) });
      at.i += len;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

const sub = (b: Buffer, n: number): Buffer[] => fields(b).flatMap((f) => (f.n === n ? [f.v as Buffer] : []));
const str = (b: Buffer, n: number): string => sub(b, n)[0]?.toString('utf8') ?? '';

interface Point {
  metric: string;
  kind: 'gauge' | 'sum' | 'histogram';
  attrs: Record<string, string>;
  value: number;
}

/** ExportMetricsServiceRequest → flat points (as_double of numbers, count of histograms). */
function decodeExport(body: Buffer): Point[] {
  const points: Point[] = [];
  const attrsOf = (dp: Buffer, n: number) =>
    Object.fromEntries(sub(dp, n).map((kv) => [str(kv, 1), str(sub(kv, 2)[0]!, 1)]));
  for (const rm of sub(body, 1)) {
    for (const sm of sub(rm, 2)) {
      for (const m of sub(sm, 2)) {
        const name = str(m, 1);
        for (const [n, kind] of [
          [5, 'gauge'],
          [7, 'sum'],
        ] as const) {
          for (const data of sub(m, n)) {
            for (const dp of sub(data, 1)) {
              const d = fields(dp).find((f) => f.n === 4)!.v as Buffer;
              points.push({ metric: name, kind, attrs: attrsOf(dp, 7), value: d.readDoubleLE(0) });
            }
          }
        }
        for (const h of sub(m, 9)) {
          for (const dp of sub(h, 1)) {
            const c = fields(dp).find((f) => f.n === 4)!.v as Buffer;
            points.push({
              metric: name,
              kind: 'histogram',
              attrs: attrsOf(dp, 9),
              value: Number(c.readBigUInt64LE(0)),
            });
          }
        }
      }
    }
  }
  return points;
}

describe('metrics: OTLP over gRPC', () => {
  let receiver: Http2Server;
  let cluster: TestCluster;
  const exports: Point[][] = [];
  const seen: { path: string; contentType: string; auth: string }[] = [];

  before(async () => {
    receiver = createServer();
    receiver.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const frame = Buffer.concat(chunks);
        seen.push({
          path: String(headers[':path']),
          contentType: String(headers['content-type']),
          auth: String(headers.authorization ?? ''),
        });
        assert.equal(frame[0], 0, 'uncompressed gRPC message');
        exports.push(decodeExport(frame.subarray(5, 5 + frame.readUInt32BE(1))));
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    cluster = await startCluster({
      metricsExporterType: 'OTLP_GRPC',
      metricsGrpcExporterTarget: `127.0.0.1:${port}`,
      metricsGrpcExporterHeader: 'authorization:Bearer t0ken',
      metricGrpcExporterIntervalInMills: 200,
      metricsLabel: 'region:test-1',
    });
  });
  after(async () => {
    await cluster?.shutdown();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('exports counters, gauges and histograms with the broker labels to the receiver', async () => {
    const topic = unique('T_otlp');
    await createTopic(cluster, topic);
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: unique('P_otlp') });
    await producer.start();
    try {
      for (let i = 0; i < 5; i++) await producer.send({ topic, body: `o-${i}` });
    } finally {
      await producer.shutdown();
    }
    const find = (metric: string) =>
      exports.at(-1)?.find((p) => p.metric === metric && p.attrs.topic === topic) ?? undefined;
    await eventually(() => find('rocketmq_messages_in_total')?.value === 5, {
      timeoutMs: 20_000,
      message: 'an export with the 5 messages',
    });
    const inTotal = find('rocketmq_messages_in_total')!;
    assert.equal(inTotal.kind, 'sum');
    assert.deepEqual(
      { ...inTotal.attrs },
      {
        region: 'test-1',
        node_type: 'broker',
        cluster: 'DefaultCluster',
        node_id: 'broker-a',
        topic,
        message_type: 'normal',
        is_system: 'false',
      },
    );
    const size = find('rocketmq_message_size')!;
    assert.equal(size.kind, 'histogram');
    assert.equal(size.value, 5);
    const last = exports.at(-1)!;
    assert.ok(last.some((p) => p.metric === 'rocketmq_topic_number' && p.kind === 'gauge' && p.value >= 1));
    assert.equal(seen.at(-1)!.path, OTLP_METRICS_EXPORT_PATH);
    assert.equal(seen.at(-1)!.contentType, 'application/grpc');
    assert.equal(seen.at(-1)!.auth, 'Bearer t0ken');
  });
});
