// Text pictures for live terminal output (mqbench, consumerProgress --watch). Pure.

const TICKS = '▁▂▃▄▅▆▇█';

/** One block character per value, scaled to the largest (all blank-low when every value is 0). */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  let out = '';
  for (const v of values) {
    const i = max > 0 ? Math.min(TICKS.length - 1, Math.floor((Math.max(0, v) / max) * (TICKS.length - 1) + 0.5)) : 0;
    out += TICKS[i];
  }
  return out;
}

/** `[#####.....]` filled to `fraction` (clamped to 0..1), `width` cells inside the brackets. */
export function bar(fraction: number, width = 20): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Keeps the last `size` values. */
export class Window {
  readonly values: number[] = [];
  constructor(private readonly size: number) {}
  push(v: number): void {
    this.values.push(v);
    if (this.values.length > this.size) this.values.shift();
  }
}
