// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function, highest first.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function topSelfTime(file, limit = 15) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const byFn = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)?.callFrame;
    if (!cf) continue;
    const where = cf.url ? `${shorten(cf.url)}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    if (cf.functionName !== '(idle)') total += us;
  }
  // Percentages are of busy time: the idle samples say only that the loop was waiting.
  byFn.delete('(idle)');
  const top = [...byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit);
  return { totalMs: total / 1000, top: top.map(([fn, us]) => ({ fn, ms: us / 1000, pct: (100 * us) / total })) };
}

const shorten = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/packages\//, 'packages/')
    .replace(/^node:/, 'node:');

/** Markdown lines for every profile in `dir` (one per server run). */
export function profileLines(dir, limit = 15) {
  let files = [];
  try {
    files = readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.cpuprofile'));
  } catch {
    return [];
  }
  const lines = [];
  for (const f of files.sort()) {
    const { totalMs, top } = topSelfTime(path.join(dir, f), limit);
    lines.push(
      `**${f}** (${(totalMs / 1000).toFixed(1)} s busy on the main thread)`,
      '',
      '| self ms | % of busy | function |',
      '|---:|---:|---|',
    );
    for (const t of top) lines.push(`| ${t.ms.toFixed(0)} | ${t.pct.toFixed(1)} | \`${t.fn}\` |`);
    lines.push('');
  }
  return lines;
}
