/** Latency histogram with 0.1 ms buckets up to 60 s: O(1) record, percentiles by one scan. */
export class Histogram {
  private static readonly BUCKETS = 600_000;
  private readonly counts = new Uint32Array(Histogram.BUCKETS + 1);
  count = 0;
  sum = 0;
  max = 0;

  record(ms: number): void {
    const b = Math.min(Histogram.BUCKETS, Math.max(0, Math.round(ms * 10)));
    this.counts[b]!++;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** p in [0, 100]; the bucket value in ms. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i / 10;
    }
    return this.max;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.max = 0;
  }
}
