import type { Labels, MetricFamily } from './metric-family.js';

// Prometheus text exposition format 0.0.4: `# HELP`, `# TYPE`, one line per sample; histograms
// as cumulative `_bucket{le=...}` lines plus `_sum` and `_count`. Pure: families in, text out.

export const PROM_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelText(base: Labels, extra?: string): string {
  const parts: string[] = [];
  for (const k of Object.keys(base)) parts.push(`${k}="${escapeLabel(base[k]!)}"`);
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/** Renders families (plus `common` labels on every sample) as Prometheus text. */
export function renderPromText(families: readonly MetricFamily[], common: Labels = {}): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    out.push(`# TYPE ${f.name} ${f.kind}`);
    if (f.kind === 'histogram') {
      for (const p of f.points) {
        const labels = { ...common, ...p.labels };
        let cumulative = 0;
        for (let i = 0; i < p.bounds.length; i++) {
          cumulative += p.counts[i] ?? 0;
          out.push(`${f.name}_bucket${labelText(labels, `le="${num(p.bounds[i]!)}"`)} ${cumulative}`);
        }
        out.push(`${f.name}_bucket${labelText(labels, 'le="+Inf"')} ${p.count}`);
        out.push(`${f.name}_sum${labelText(labels)} ${num(p.sum)}`);
        out.push(`${f.name}_count${labelText(labels)} ${p.count}`);
      }
    } else {
      for (const p of f.points) out.push(`${f.name}${labelText({ ...common, ...p.labels })} ${num(p.value)}`);
    }
  }
  out.push('');
  return out.join('\n');
}
