import type { Labels, MetricFamily } from './metric-family.js';

// OTLP/protobuf ExportMetricsServiceRequest (opentelemetry-proto metrics/v1), hand-encoded:
// only the fields we send. Pure: families in, bytes out. Field numbers (from the .proto):
//   ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1 }
//   ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2 }
//   Resource { repeated KeyValue attributes = 1 }
//   ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2 }
//   InstrumentationScope { string name = 1; string version = 2 }
//   Metric { string name = 1; string description = 2; string unit = 3;
//            Gauge gauge = 5 | Sum sum = 7 | Histogram histogram = 9 }
//   Gauge { repeated NumberDataPoint data_points = 1 }
//   Sum { repeated NumberDataPoint data_points = 1; AggregationTemporality t = 2; bool is_monotonic = 3 }
//   Histogram { repeated HistogramDataPoint data_points = 1; AggregationTemporality t = 2 }
//   NumberDataPoint { repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2;
//                     fixed64 time_unix_nano = 3; double as_double = 4 }
//   HistogramDataPoint { repeated KeyValue attributes = 9; fixed64 start = 2; fixed64 time = 3;
//                        fixed64 count = 4; double sum = 5; repeated fixed64 bucket_counts = 6 (packed);
//                        repeated double explicit_bounds = 7 (packed) }
//   KeyValue { string key = 1; AnyValue value = 2 }   AnyValue { string string_value = 1 }

/** AGGREGATION_TEMPORALITY_CUMULATIVE: counters are totals since start, as Prometheus reads them. */
const CUMULATIVE = 2;
const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;

/** A growable byte writer for nested length-delimited messages. */
class Writer {
  private buf = Buffer.allocUnsafe(1024);
  len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  varint(v: number): void {
    this.ensure(10);
    let n = v;
    while (n > 0x7f) {
      this.buf[this.len++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.len++] = n;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  fixed64(v: number): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(Math.max(0, Math.trunc(v))), this.len);
    this.len += 8;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }

  bytes(b: Buffer): void {
    this.varint(b.length);
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  string(field: number, s: string): void {
    this.tag(field, WIRE_LEN);
    this.bytes(Buffer.from(s, 'utf8'));
  }

  /** A nested message written by `body`. */
  message(field: number, body: (w: Writer) => void): void {
    const inner = new Writer();
    body(inner);
    this.tag(field, WIRE_LEN);
    this.bytes(inner.finish());
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

function attributes(w: Writer, field: number, labels: Labels): void {
  for (const k of Object.keys(labels)) {
    w.message(field, (kv) => {
      kv.string(1, k);
      kv.message(2, (av) => av.string(1, labels[k]!));
    });
  }
}

export interface OtlpResource {
  /** Resource attributes (service.name, ...). */
  resource: Labels;
  /** Attributes added to every point (cluster, node_type, node_id). */
  common: Labels;
  scopeName: string;
  startTimeMs: number;
  timeMs: number;
}

/** Encodes one ExportMetricsServiceRequest with every family as one Metric. */
export function encodeExportMetricsRequest(families: readonly MetricFamily[], r: OtlpResource): Buffer {
  const start = r.startTimeMs * 1e6;
  const time = r.timeMs * 1e6;
  const w = new Writer();
  w.message(1, (rm) => {
    rm.message(1, (res) => attributes(res, 1, r.resource));
    rm.message(2, (sm) => {
      sm.message(1, (scope) => scope.string(1, r.scopeName));
      for (const f of families) {
        if (f.points.length === 0) continue;
        sm.message(2, (m) => {
          m.string(1, f.name);
          m.string(2, f.help);
          if (f.unit !== undefined) m.string(3, f.unit);
          if (f.kind === 'histogram') {
            m.message(9, (h) => {
              for (const p of f.points) {
                h.message(1, (dp) => {
                  attributes(dp, 9, { ...r.common, ...p.labels });
                  dp.tag(2, WIRE_I64);
                  dp.fixed64(start);
                  dp.tag(3, WIRE_I64);
                  dp.fixed64(time);
                  dp.tag(4, WIRE_I64);
                  dp.fixed64(p.count);
                  dp.tag(5, WIRE_I64);
                  dp.double(p.sum);
                  dp.tag(6, WIRE_LEN);
                  dp.varint((p.bounds.length + 1) * 8);
                  for (let i = 0; i <= p.bounds.length; i++) dp.fixed64(p.counts[i] ?? 0);
                  dp.tag(7, WIRE_LEN);
                  dp.varint(p.bounds.length * 8);
                  for (const b of p.bounds) dp.double(b);
                });
              }
              h.tag(2, WIRE_VARINT);
              h.varint(CUMULATIVE);
            });
            return;
          }
          const numberPoints = (g: Writer) => {
            for (const p of f.points) {
              g.message(1, (dp) => {
                attributes(dp, 7, { ...r.common, ...p.labels });
                dp.tag(2, WIRE_I64);
                dp.fixed64(start);
                dp.tag(3, WIRE_I64);
                dp.fixed64(time);
                dp.tag(4, WIRE_I64);
                dp.double(p.value);
              });
            }
          };
          if (f.kind === 'gauge') {
            m.message(5, numberPoints);
          } else {
            m.message(7, (s) => {
              numberPoints(s);
              s.tag(2, WIRE_VARINT);
              s.varint(CUMULATIVE);
              s.tag(3, WIRE_VARINT);
              s.varint(1);
            });
          }
        });
      }
    });
  });
  return w.finish();
}
