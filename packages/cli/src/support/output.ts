/** Prints rows as an aligned text table (the look of Java mqadmin's printf tables). */
export function printTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): void {
  process.stdout.write(formatTable(headers, rows));
}

/** The text printTable writes: padded columns, header first, newline-terminated. */
export function formatTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === null ? '' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [line(headers), ...cells.map(line)];
  return `${out.join('\n')}\n`;
}

export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : Buffer.isBuffer(v) ? v.toString('utf8') : v), 2)}\n`,
  );
}

export const formatTime = (ms: number): string =>
  ms > 0 ? new Date(ms).toISOString().replace('T', ' ').replace('Z', '') : '-';

/**
 * Timestamps as mqadmin accepts them: ms since the epoch, `now`, an ISO date, or Java's
 * `yyyy-MM-dd#HH:mm:ss:SSS` (local time).
 */
export function parseTimestamp(v: string): number {
  if (v === 'now') return Date.now();
  if (/^\d+$/.test(v)) return Number(v);
  const m = /^(\d{4})-(\d{2})-(\d{2})#(\d{2}):(\d{2}):(\d{2}):(\d{3})$/.exec(v);
  if (m) return new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!).getTime();
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`bad timestamp: ${v}`);
  return t;
}
