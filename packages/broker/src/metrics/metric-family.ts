// The exporter-neutral shape of a metrics snapshot: what the Prometheus text renderer and the
// OTLP encoder both read. Built at scrape/export time from plain counters; never on the
// send/pull path.

export type Labels = Readonly<Record<string, string>>;

export interface NumberPoint {
  labels: Labels;
  value: number;
}

export interface HistogramPoint {
  labels: Labels;
  /** Upper bounds, ascending; the +Inf bucket is implied. */
  bounds: readonly number[];
  /** Per-bucket (not cumulative) counts, `bounds.length + 1` of them (the last is +Inf). */
  counts: readonly number[];
  sum: number;
  count: number;
}

export type MetricFamily =
  | { name: string; help: string; unit?: string; kind: 'counter' | 'gauge'; points: NumberPoint[] }
  | { name: string; help: string; unit?: string; kind: 'histogram'; points: HistogramPoint[] };

/** Index of the bucket `value` falls in (`bounds.length` = +Inf). */
export function bucketIndex(bounds: readonly number[], value: number): number {
  let i = 0;
  while (i < bounds.length && value > bounds[i]!) i++;
  return i;
}
