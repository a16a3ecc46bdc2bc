// Micro-benchmark: cost of one message–subscription filter decision (not a test).
// Run: npx tsc -b packages/filter && node packages/filter/dist/bench/filter-cost.js [n]
// Per-op cost is CPU time of this process (process.cpuUsage); bytes per op is the growth of
// V8's new space over batches of 200 ops that no scavenge interrupted (their median).
import { getHeapSpaceStatistics } from 'node:v8';
import { compileSql92, EncodedProperties } from '../src/index.js';

const pairs = (p: Record<string, string>): string =>
  Object.entries(p)
    .map(([k, v]) => `${k}\u0001${v}\u0002`)
    .join('');
// A typical message's properties: what a Java producer sends plus what the broker adds.
const messages = (
  [
    { TAGS: 'TagA', KEYS: 'order-1001', region: 'eu', price: '42', color: 'blue' },
    { TAGS: 'TagB', KEYS: 'order-1002', region: 'us', price: '7', color: 'red' },
    { TAGS: 'TagC', KEYS: 'order-1003', region: 'eu', price: '99', color: 'blue' },
    { TAGS: 'TagA', KEYS: 'order-1004', region: 'ap', price: '13' },
  ] as Record<string, string>[]
).map((m) =>
  pairs({
    ...m,
    WAIT: 'true',
    UNIQ_KEY: '7F0000010001000000000000000000AB',
    CLUSTER: 'DefaultCluster',
    MIN_OFFSET: '0',
    MAX_OFFSET: '1000',
  }),
);
const buffers = messages.map((m) => Buffer.from(m, 'utf8'));
const tagCodes = [2598916, 2598917, 2598918, 2598916];

const compiled = (e: string) => {
  const r = compileSql92(e);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const three = compiled("price BETWEEN 10 AND 50 AND color = 'blue' AND TAGS IN ('TagA', 'TagB')");
const one = compiled("region = 'eu'");
const orThree = compiled("region = 'ap' OR price > 90 OR color IS NULL");
const view = new EncodedProperties();
const tagSet = new Set([2598916, 2598917]);

let sink: unknown;
let k = 0;
const newSpaceUsed = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
function bytesPerOp(fn: () => unknown): number {
  const per: number[] = [];
  for (let b = 0; b < 60; b++) {
    const before = newSpaceUsed();
    for (let i = 0; i < 200; i++) sink = fn();
    const grown = newSpaceUsed() - before;
    if (grown >= 0) per.push(grown / 200);
  }
  per.sort((x, y) => x - y);
  return per[Math.floor(per.length / 2)] ?? Number.NaN;
}
function time(name: string, n: number, fn: () => unknown): void {
  for (let i = 0; i < 200_000; i++) sink = fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) sink = fn();
  const c = process.cpuUsage(c0);
  const ns = (c.user + c.system) * 1000;
  console.log(
    `| ${name.padEnd(58)} | ${(ns / n).toFixed(0).padStart(6)} ns | ${bytesPerOp(fn).toFixed(0).padStart(5)} B |`,
  );
}

const N = Number(process.argv[2] ?? 2_000_000);
console.log('| filter decision per message–subscription pair | CPU per op | heap per op |\n|---|---|---|');
time('tag hash (ConsumeQueue tagsCode in a Set)', N, () => tagSet.has(tagCodes[k++ & 3]!));
time("SQL92 1 term: region = 'eu'", N, () => one.matches(view.reset(messages[k++ & 3]!)));
time('SQL92 3 terms: BETWEEN AND = AND IN', N, () => three.matches(view.reset(messages[k++ & 3]!)));
time('SQL92 3 terms: = OR > OR IS NULL', N, () => orThree.matches(view.reset(messages[k++ & 3]!)));
time('SQL92 3 terms (AND) + properties decoded from the record bytes', N, () => {
  const b = buffers[k++ & 3]!;
  return three.matches(view.reset(b.toString('utf8', 0, b.length)));
});
time('compile the 3-term expression (once per subscription version)', N / 100, () =>
  compileSql92("price BETWEEN 10 AND 50 AND color = 'blue' AND TAGS IN ('TagA', 'TagB')"),
);
if (sink === 42) console.log('');
