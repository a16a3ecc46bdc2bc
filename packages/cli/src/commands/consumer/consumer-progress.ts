import type { MQAdmin } from '@rocketmq-ts/client';
import type { Command } from 'commander';
import { formatTable, formatTime, printJson } from '../../support/output.js';
import { action, type CommonOptions, int, subcommand, withAdmin } from '../../support/run.js';
import { sparkline, Window } from '../../support/sparkline.js';

interface Options extends CommonOptions {
  groupName?: string;
  topic?: string;
  /** Refresh every this many seconds (`--watch` alone: 2). */
  watch?: number | true;
  /** With --watch: stop after this many refreshes (0 = until Ctrl-C). */
  iterations: number;
}

/** What one refresh shows, and the figure whose history the watch view draws. */
interface Snapshot {
  text: string;
  json: unknown;
  diffTotal: number;
}

export function register(program: Command): void {
  subcommand(program, 'consumerProgress', "Query consumer's progress, speed")
    .option('-g, --groupName <group>', 'consumer group name (default: a summary of every group)')
    .option('-t, --topic <topic>', 'only this topic')
    .option('-w, --watch [seconds]', 'refresh every N seconds (default 2) until Ctrl-C', int('watch'))
    .option('--iterations <n>', 'with --watch: stop after N refreshes (0 = until Ctrl-C)', int('iterations'), 0)
    .action(
      action<Options>(async (o) => {
        const snap = (admin: MQAdmin) => (o.groupName ? oneGroup(admin, o.groupName, o.topic) : allGroups(admin));
        if (o.watch === undefined) {
          const s = await withAdmin(o, snap);
          if (o.json) printJson(s.json);
          else process.stdout.write(s.text);
          return;
        }
        const everyMs = (o.watch === true ? 2 : Math.max(1, o.watch)) * 1000;
        await withAdmin(o, (admin) => watch(admin, snap, everyMs, o));
      }),
    );
}

/**
 * Refreshes until Ctrl-C (or `iterations`): on a terminal the screen is redrawn in place with
 * a sparkline of the total diff over the last refreshes; elsewhere each refresh is appended
 * after a timestamp line, so the output can be logged.
 */
async function watch(
  admin: MQAdmin,
  snap: (admin: MQAdmin) => Promise<Snapshot>,
  everyMs: number,
  o: Options,
): Promise<void> {
  const tty = process.stdout.isTTY === true;
  const history = new Window(60);
  let stop = false;
  let wake: (() => void) | undefined;
  const onSigint = () => {
    stop = true;
    wake?.();
  };
  process.once('SIGINT', onSigint);
  try {
    for (let i = 1; !stop; i++) {
      const s = await snap(admin);
      history.push(s.diffTotal);
      const head = `Every ${everyMs / 1000}s: consumerProgress${o.groupName ? ` -g ${o.groupName}` : ''}  ${formatTime(Date.now())}`;
      const trend = `Diff total ${s.diffTotal}  ${sparkline(history.values)}`;
      if (o.json) process.stdout.write(`${JSON.stringify({ at: Date.now(), ...(s.json as object) })}\n`);
      else if (tty) process.stdout.write(`\x1b[2J\x1b[H${head}\n${trend}\n\n${s.text}`);
      else process.stdout.write(`${head}\n${trend}\n\n${s.text}\n`);
      if (o.iterations > 0 && i >= o.iterations) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, everyMs);
      });
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function oneGroup(admin: MQAdmin, group: string, topic: string | undefined): Promise<Snapshot> {
  const p = await admin.consumeStats(group, topic);
  const text =
    formatTable(
      ['#Topic', '#Broker Name', '#QID', '#Broker Offset', '#Consumer Offset', '#Diff', '#Inflight', '#LastTime'],
      p.queues.map((q) => [
        q.mq.topic,
        q.mq.brokerName,
        q.mq.queueId,
        q.brokerOffset,
        q.consumerOffset,
        q.lag,
        q.inflight,
        formatTime(q.lastTimestamp),
      ]),
    ) + `\nConsume TPS: ${p.consumeTps.toFixed(2)}\nConsume Diff Total: ${p.totalLag}\n`;
  return { text, json: p, diffTotal: p.totalLag };
}

/** Java prints one line per group when -g is left out: its TPS and total diff. */
async function allGroups(admin: MQAdmin): Promise<Snapshot> {
  const groups = new Set<string>();
  for (const m of await admin.masterAddrs())
    for (const g of await admin.subscriptionGroups(m.addr)) groups.add(g.groupName);
  const rows: { group: string; consumeTps: number; diffTotal: number }[] = [];
  for (const group of [...groups].sort()) {
    const p = await admin.consumeStats(group).catch(() => undefined);
    if (p) rows.push({ group, consumeTps: p.consumeTps, diffTotal: p.totalLag });
  }
  const text = formatTable(
    ['#Group', '#TPS', '#Diff Total'],
    rows.map((r) => [r.group, r.consumeTps.toFixed(2), r.diffTotal]),
  );
  return { text, json: rows, diffTotal: rows.reduce((n, r) => n + r.diffTotal, 0) };
}
