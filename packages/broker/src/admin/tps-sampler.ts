// Rates for GET_BROKER_RUNTIME_INFO (putTps, getTransferredTps) and GET_CONSUME_STATS
// (consumeTps): running totals are sampled about once a second and a rate is the difference
// across a window. Also remembers each counter's value at the start of the day (the
// "...TodayMorning" / "...YesterdayMorning" figures). Time comes from the caller.

interface Sample {
  at: number;
  value: number;
}

const KEEP_MS = 10 * 60_000 + 5_000;
const DAY_MS = 86_400_000;

class Series {
  readonly samples: Sample[] = [];
  todayMorning = 0;
  yesterdayMorning = 0;
  day = -1;
}

export class TpsSampler {
  private readonly series = new Map<string, { read: () => number; s: Series }>();

  /** Starts tracking `read` under `name` (no-op when already tracked). */
  track(name: string, read: () => number, now: number): void {
    if (this.series.has(name)) return;
    const s = new Series();
    s.day = Math.floor(now / DAY_MS);
    this.series.set(name, { read, s });
    s.samples.push({ at: now, value: read() });
  }

  sample(now: number): void {
    for (const { read, s } of this.series.values()) {
      const value = read();
      const day = Math.floor(now / DAY_MS);
      if (day !== s.day) {
        s.yesterdayMorning = day === s.day + 1 ? s.todayMorning : value;
        s.todayMorning = value;
        s.day = day;
      }
      s.samples.push({ at: now, value });
      while (s.samples.length > 2 && now - s.samples[0]!.at > KEEP_MS) s.samples.shift();
    }
  }

  /** Per-second rate over the last `windowMs` (as much of it as was sampled); 0 when unknown. */
  rate(name: string, windowMs: number, now: number): number {
    const entry = this.series.get(name);
    if (!entry) return 0;
    const list = entry.s.samples;
    const last = list[list.length - 1];
    if (!last) return 0;
    let first = last;
    for (let i = list.length - 1; i >= 0; i--) {
      if (now - list[i]!.at > windowMs) break;
      first = list[i]!;
    }
    const span = last.at - first.at;
    return span > 0 ? ((last.value - first.value) * 1000) / span : 0;
  }

  /** `"<10 s> <1 min> <10 min>"` rates with two decimals, as Java formats them. */
  tpsString(name: string, now: number): string {
    return [10_000, 60_000, 600_000].map((w) => this.rate(name, w, now).toFixed(2)).join(' ');
  }

  morning(name: string): { today: number; yesterday: number } {
    const s = this.series.get(name)?.s;
    return { today: s?.todayMorning ?? 0, yesterday: s?.yesterdayMorning ?? 0 };
  }
}
