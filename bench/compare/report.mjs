// Turning result rows into markdown: the machine, the main table, rocketmq-ts ÷ peer ratios, the
// many-topics table and the target checks.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fmtNum } from './harness.mjs';

export function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {}
  return {
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memGiB: os.totalmem() / 2 ** 30,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadavg: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
  };
}

/** Aggregate CPU ticks from /proc/stat: all, and steal (time the hypervisor ran someone else). */
export function cpuTicks() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: f.reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  } catch {
    return null;
  }
}

/** Steal as a percentage of the CPU time between two cpuTicks() readings. */
export function stealPct(a, b) {
  if (!a || !b || b.total <= a.total) return null;
  return (100 * (b.steal - a.steal)) / (b.total - a.total);
}

export function machineLines(m) {
  return [
    `- CPU: ${m.cpu}, ${m.cores} cores`,
    `- memory: ${m.memGiB.toFixed(1)} GiB`,
    `- kernel: ${m.kernel}`,
    `- Node.js: ${m.node}`,
    `- load average at start: ${m.loadavg} (the machine is shared; treat tails as noisy)`,
  ];
}

const ms = (x) => fmtNum(x, 2);
const isOurs = (row) => row.kind === 'rocketmq';
/** The label of the extra line that shows a rocketmq-ts target's produce with auto-batching off. */
const offLabel = (r) => `${r.target} (produce, autoBatch off)`;

/** The main table: one line per target, or a line saying why it has no figures. */
export function mainTable(rows) {
  const out = [
    '| target | produce msg/s | produce MB/s | consume msg/s | consume MB/s | e2e p50 ms | e2e p99 ms | e2e p999 ms | idle RSS MiB | peak RSS MiB | server CPU s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    if (r.error) {
      out.push(`| ${r.target} | failed: ${r.error.split('\n')[0].replaceAll('|', '/')} |||||||||| |`);
      continue;
    }
    out.push(
      `| ${r.target} | ${fmtNum(r.produce?.msgsPerSec)} | ${fmtNum(r.produce?.MBps, 1)} | ${fmtNum(r.consume?.msgsPerSec)} | ${fmtNum(r.consume?.MBps, 1)} | ${ms(r.latency?.p50)} | ${ms(r.latency?.p99)} | ${ms(r.latency?.p999)} | ${fmtNum(r.idle?.rssMiB, 1)} | ${fmtNum(r.peakMiB, 1)} | ${fmtNum(r.serverCpuS, 1)} |`,
    );
    const u = r.produceUnbatched;
    if (u) out.push(`| ${offLabel(r)} | ${fmtNum(u.msgsPerSec)} | ${fmtNum(u.MBps, 1)} | | | | | | | | |`);
  }
  return out;
}

/** Who was busy in each throughput phase: the server, or the harness process (client libraries). */
export function cpuTable(rows) {
  const out = [
    '| target | produce: wall s | server CPU s | client CPU s | CPU µs/msg | consume: wall s | server CPU s | client CPU s | CPU µs/msg |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const f = (x) => fmtNum(x, 2);
  // Server + client CPU per message: steadier than msg/s when neighbours share the cores.
  const perMsg = (p) => fmtNum(((p.serverCpuS + p.clientCpuS) * 1e6) / (p.msgsPerSec * p.secs), 1);
  for (const r of rows.filter((x) => !x.error && x.produce)) {
    const p = r.produce;
    const c = r.consume;
    const cs = c ? `${f(c.secs)} | ${f(c.serverCpuS)} | ${f(c.clientCpuS)} | ${perMsg(c)}` : '– | – | – | –';
    out.push(`| ${r.target} | ${f(p.secs)} | ${f(p.serverCpuS)} | ${f(p.clientCpuS)} | ${perMsg(p)} | ${cs} |`);
    const u = r.produceUnbatched;
    if (u)
      out.push(`| ${offLabel(r)} | ${f(u.secs)} | ${f(u.serverCpuS)} | ${f(u.clientCpuS)} | ${perMsg(u)} | | | | |`);
  }
  return out.length > 2 ? out : [];
}

const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : Number.NaN);
const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

/** rocketmq-ts ÷ peer for throughput (higher is better) and peer p99 ÷ ours (higher is better). */
export function ratioTable(rows) {
  const ours = rows.filter((r) => isOurs(r) && !r.error);
  const peers = rows.filter((r) => !isOurs(r) && !r.error);
  if (ours.length === 0 || peers.length === 0) return [];
  const out = [
    '| rocketmq-ts ÷ peer | produce | consume | e2e p99 (peer ÷ ours: >1 means we are faster) | server CPU per msg (peer ÷ ours) |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const o of ours) {
    for (const p of peers) {
      out.push(
        `| ${o.target} vs ${p.target} | ${times(ratio(o.produce?.msgsPerSec, p.produce?.msgsPerSec))} | ${times(ratio(o.consume?.msgsPerSec, p.consume?.msgsPerSec))} | ${times(ratio(p.latency?.p99, o.latency?.p99))} | ${times(ratio(p.serverCpuS, o.serverCpuS))} |`,
      );
      const u = o.produceUnbatched;
      if (u) out.push(`| ${offLabel(o)} vs ${p.target} | ${times(ratio(u.msgsPerSec, p.produce?.msgsPerSec))} | | | |`);
    }
  }
  return out;
}

export function topicsTable(topicRows) {
  if (topicRows.length === 0) return [];
  const base = topicRows.find((r) => r.topics === 1 && !r.error);
  const out = [
    '| topics × queues | produce msg/s | MB/s | loss vs 1 topic | autoBatch off msg/s | loss vs 1 topic (off) | topic creation s | peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '–');
  for (const r of topicRows) {
    if (r.error) {
      out.push(`| ${r.topics} × ${r.queues} | failed: ${r.error.split('\n')[0].replaceAll('|', '/')} |||||| |`);
      continue;
    }
    const loss = base ? 1 - r.msgsPerSec / base.msgsPerSec : Number.NaN;
    const lossOff = base ? 1 - r.msgsPerSecOff / base.msgsPerSecOff : Number.NaN;
    out.push(
      `| ${r.topics} × ${r.queues} | ${fmtNum(r.msgsPerSec)} | ${fmtNum(r.MBps, 1)} | ${pct(loss)} | ${fmtNum(r.msgsPerSecOff)} | ${pct(lossOff)} | ${fmtNum(r.createSecs, 1)} | ${fmtNum(r.peakMiB, 1)} |`,
    );
  }
  return out;
}

/** The issue's targets, each met / not met / not measured, with the figure behind it. */
export function targetChecks(rows, topicRows) {
  const find = (pred) => rows.find((r) => !r.error && pred(r));
  const async = find((r) => isOurs(r) && r.flush === 'ASYNC_FLUSH');
  const sync = find((r) => isOurs(r) && r.flush === 'SYNC_FLUSH');
  const redis = find((r) => r.kind === 'redis');
  const checks = [];
  const add = (name, value, goal, ok, figure) =>
    checks.push(
      `- ${name}: ${Number.isFinite(value) ? `${ok ? 'met' : 'NOT met'} (${figure})` : 'not measured'} — goal ${goal}`,
    );
  // Produce goals are checked on the autoBatch figure (the producer a user tunes for throughput);
  // the figure with auto-batching off is quoted beside it.
  const produceFigure = (r, x) => {
    const u = ratio(r?.produceUnbatched?.msgsPerSec, redis?.produce?.msgsPerSec);
    const off = Number.isFinite(u) ? `; autoBatch off ${times(u)}: ${fmtNum(r.produceUnbatched.msgsPerSec)} msg/s` : '';
    return `autoBatch ${times(x)}: ${fmtNum(r?.produce?.msgsPerSec)} vs ${fmtNum(redis?.produce?.msgsPerSec)} msg/s${off}`;
  };
  const pr = ratio(async?.produce?.msgsPerSec, redis?.produce?.msgsPerSec);
  add('ASYNC_FLUSH produce vs Redis Streams', pr, '≥ 2.0×', pr >= 2, produceFigure(async, pr));
  const cr = ratio(async?.consume?.msgsPerSec, redis?.consume?.msgsPerSec);
  add(
    'ASYNC_FLUSH consume vs Redis Streams',
    cr,
    '≥ 3.0×',
    cr >= 3,
    `${times(cr)}: ${fmtNum(async?.consume?.msgsPerSec)} vs ${fmtNum(redis?.consume?.msgsPerSec)} msg/s`,
  );
  const sr = ratio(sync?.produce?.msgsPerSec, redis?.produce?.msgsPerSec);
  add('SYNC_FLUSH produce vs Redis Streams', sr, '≥ 1.0×', sr >= 1, produceFigure(sync, sr));
  for (const r of [async, sync].filter(Boolean)) {
    const p99 = r.latency?.p99;
    add(`${r.target} e2e p99 at ${fmtNum(r.rate)} msg/s`, p99, '≤ 2 ms', p99 <= 2, `${ms(p99)} ms`);
  }
  const base = topicRows.find((r) => r.topics === 1 && !r.error);
  const most = topicRows.find((r) => r.topics === 1024 && !r.error);
  const loss = base && most ? 1 - most.msgsPerSec / base.msgsPerSec : Number.NaN;
  const lossOff = base && most ? 1 - most.msgsPerSecOff / base.msgsPerSecOff : Number.NaN;
  // Checked on the autoBatch-off rows: the same request shape at every topic count, so the loss
  // is what the topic count costs the broker. With the 128-message window spread over 1024
  // topics no batch can form, so the autoBatch loss mostly measures batching's gain on 1 topic.
  const on = Number.isFinite(loss) ? `; autoBatch on ${(loss * 100).toFixed(1)} %` : '';
  add(
    'throughput loss 1 → 1024 topics',
    lossOff,
    '≤ 15 %',
    lossOff <= 0.15,
    `autoBatch off ${(lossOff * 100).toFixed(1)} %${on}`,
  );
  const ours = rows.filter((r) => isOurs(r) && !r.error);
  const idle = Math.max(...ours.map((r) => r.idle?.rssMiB ?? Number.NaN));
  add(
    'rocketmq-ts idle RSS',
    ours.length ? idle : Number.NaN,
    '≤ 100 MB',
    idle * 1.048576 <= 100,
    `${fmtNum(idle, 1)} MiB = ${fmtNum(idle * 1.048576, 1)} MB`,
  );
  const peaks = [...ours.map((r) => r.peakMiB), ...topicRows.filter((r) => !r.error).map((r) => r.peakMiB)];
  const peak = Math.max(...peaks);
  add(
    'rocketmq-ts peak RSS',
    peaks.length ? peak : Number.NaN,
    '≤ 400 MB',
    peak * 1.048576 <= 400,
    `${fmtNum(peak, 1)} MiB = ${fmtNum(peak * 1.048576, 1)} MB`,
  );
  return checks;
}

export function renderReport({ title, when, mode, cfg, mach, rows, topicRows, checks, notes, profile }) {
  const lines = [`# ${title}`, '', `Run ${when} with \`${mode}\`.`, '', '## Machine', '', ...machineLines(mach), ''];
  lines.push('## Setup', '');
  lines.push(
    `- ${cfg.size} B random payloads; produce ${fmtNum(cfg.n)} messages with at most ${cfg.inflight} in flight, each acknowledged by the broker;`,
    `  then consume all of them through the durable consumer API with acknowledgements (rocketmq-ts: a consumer group committing offsets, ${8} queues per topic, pulls of up to ${cfg.batch} messages with broker.conf maxTransferCountOnMessageInMemory=${cfg.batch}; every peer reads ${cfg.batch} per request too);`,
    `  then end-to-end latency at ${fmtNum(cfg.rate)} msg/s for ${cfg.latencyS} s (after ${cfg.warmupS} s of warm-up), producer and consumer concurrent.`,
    '- Each server is fresh (new data dir, loopback only); RSS and CPU are read from /proc/<server pid>.',
    ...(cfg.warmupN
      ? [
          `- Before each timed produce phase, ${fmtNum(cfg.warmupN)} untimed messages go to a topic of their own and are consumed from it before the timed consume phase (JIT warm-up of both paths, the same for every target).`,
        ]
      : []),
    '- rocketmq-ts produces through `Producer({ autoBatch: true })`, each send still awaited on its own; the',
    '  "(produce, autoBatch off)" lines run the same produce load again on a fresh topic with auto-batching off',
    "  (one SEND_MESSAGE_V2 per message). That extra phase is left out of the target's server CPU total.",
  );
  for (const r of rows) if (r.version) lines.push(`- ${r.target}: ${r.version}`);
  lines.push('', '## Results', '', ...mainTable(rows), '');
  const ratios = ratioTable(rows);
  if (ratios.length) lines.push('### rocketmq-ts relative to each peer', '', ...ratios, '');
  const cpu = cpuTable(rows);
  if (cpu.length) {
    lines.push(
      '### CPU per throughput phase',
      '',
      'Server CPU is the broker process; client CPU is the harness process (its client library, all threads);',
      'CPU µs/msg is both together per message, the figure least moved by neighbours on a shared machine.',
      'Both share the same cores: a client that needs a core to itself caps what the broker can show.',
      '',
      ...cpu,
      '',
    );
  }
  const topics = topicsTable(topicRows);
  if (topics.length) {
    lines.push(
      `### Many topics (rocketmq-ts ASYNC_FLUSH; ${cfg.producers} producers spread ${fmtNum(cfg.topicsN)} messages over all topics, best of ${cfg.topicRounds} rounds)`,
      '',
      'Each round runs with auto-batching on and then off. Batches hold one topic, so with the window spread over many topics',
      'they hardly form: the autoBatch loss includes what batching gains on one topic, the "off" loss is what the topic count costs.',
      '',
      ...topics,
      '',
    );
  }
  if (checks.length) lines.push('## Targets', '', ...checks, '');
  if (profile?.length) lines.push('## Broker CPU profile (top self time)', '', ...profile, '');
  if (notes.length) lines.push('## Notes', '', ...notes.map((n) => `- ${n}`), '');
  return `${lines.join('\n')}\n`;
}
