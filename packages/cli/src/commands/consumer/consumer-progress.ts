import type { Command } from 'commander';
import { formatTime, printJson, printTable } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  groupName?: string;
  topic?: string;
}

export function register(program: Command): void {
  subcommand(program, 'consumerProgress', "Query consumer's progress, speed")
    .option('-g, --groupName <group>', 'consumer group name (default: a summary of every group)')
    .option('-t, --topic <topic>', 'only this topic')
    .action(
      action<Options>(async (o) => {
        if (!o.groupName) {
          await allGroups(o);
          return;
        }
        const group = o.groupName;
        const p = await withAdmin(o, (admin) => admin.consumeStats(group, o.topic));
        if (o.json) {
          printJson(p);
          return;
        }
        printTable(
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
        );
        process.stdout.write(`\nConsume TPS: ${p.consumeTps.toFixed(2)}\nConsume Diff Total: ${p.totalLag}\n`);
      }),
    );
}

/** Java prints one line per group when -g is left out: its TPS and total diff. */
async function allGroups(o: Options): Promise<void> {
  const rows = await withAdmin(o, async (admin) => {
    const groups = new Set<string>();
    for (const m of await admin.masterAddrs())
      for (const g of await admin.subscriptionGroups(m.addr)) groups.add(g.groupName);
    const out: { group: string; consumeTps: number; diffTotal: number }[] = [];
    for (const group of [...groups].sort()) {
      const p = await admin.consumeStats(group).catch(() => undefined);
      if (p) out.push({ group, consumeTps: p.consumeTps, diffTotal: p.totalLag });
    }
    return out;
  });
  if (o.json) printJson(rows);
  else
    printTable(
      ['#Group', '#TPS', '#Diff Total'],
      rows.map((r) => [r.group, r.consumeTps.toFixed(2), r.diffTotal]),
    );
}
