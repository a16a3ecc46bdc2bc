// `messageDelayLevel`: the delay of each level, as in RocketMQ's broker config
// (`1s 5s 10s …`, level 1 first; units s, m, h, d).

export const DEFAULT_MESSAGE_DELAY_LEVEL = '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h';

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds per level (index 0 = level 1). A bad entry rejects the whole setting with a
 * TypeError: RocketMQ's ScheduleMessageService fails to load on one, and the broker does not
 * start. Entries may be separated by any run of white space.
 */
export function parseDelayLevels(spec: string): number[] {
  return spec
    .trim()
    .split(/\s+/)
    .map((item) => {
      const m = /^(\d+)([smhd])$/.exec(item);
      if (!m) throw new TypeError(`messageDelayLevel: bad entry "${item}" in "${spec}"`);
      return Number(m[1]) * UNIT_MS[m[2]!]!;
    });
}
