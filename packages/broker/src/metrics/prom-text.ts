import type { Labels, MetricFamily } from './metric-family.js';

// Prometheus text exposition format 0.0.4: `# HELP`, `# TYPE`, one line per sample; histograms
// as cumulative `_bucket{le=...}` lines plus `_sum` and `_count`. Pure: families in, text out.

export const PROM_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabel(v: string): string {
  // Topic and group names never need escaping; test once instead of three replaces.
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `k="v",k="v"` without braces ('' for no labels). */
function labelList(base: Labels): string {
  let out = '';
  for (const k of Object.keys(base)) out += `${out === '' ? '' : ','}${k}="${escapeLabel(base[k]!)}"`;
  return out;
}

const braced = (list: string): string => (list === '' ? '' : `{${list}}`);

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
        // The point's labels are rendered once and shared by its bucket, sum and count lines.
        const list = labelList({ ...common, ...p.labels });
        const bucket = `${f.name}_bucket{${list === '' ? '' : `${list},`}le="`;
        let cumulative = 0;
        for (let i = 0; i < p.bounds.length; i++) {
          cumulative += p.counts[i] ?? 0;
          out.push(`${bucket}${num(p.bounds[i]!)}"} ${cumulative}`);
        }
        out.push(`${bucket}+Inf"} ${p.count}`);
        out.push(`${f.name}_sum${braced(list)} ${num(p.sum)}`);
        out.push(`${f.name}_count${braced(list)} ${p.count}`);
      }
    } else {
      for (const p of f.points) out.push(`${f.name}${braced(labelList({ ...common, ...p.labels }))} ${num(p.value)}`);
    }
  }
  out.push('');
  return out.join('\n');
}
