import type { Command } from 'commander';
import { printJson, printTable } from '../../support/output.js';
import { action, type CommonOptions, subcommand, UsageError, withAdmin } from '../../support/run.js';

// timerStatus (ours; RocketMQ shows the same figures inside brokerStatus): the timer wheel's
// progress per broker from GET_BROKER_RUNTIME_INFO. docs/timer.md explains the columns.

interface Options extends CommonOptions {
  brokerAddr?: string;
  clusterName?: string;
}

const COLUMNS: readonly [string, string][] = [
  ['#Pending', 'timerCongestNum'],
  ['#Enqueue Lag (msgs)', 'timerOffsetBehind'],
  ['#Fire Lag (s)', 'timerReadBehind'],
  ['#Filed', 'timerEnqueueTotal'],
  ['#Fired', 'timerDequeueTotal'],
  ['#Recalled', 'timerRecallTotal'],
  ['#Rolled', 'timerRollTotal'],
];

export function register(program: Command): void {
  subcommand(program, 'timerStatus', 'Show the timer wheel progress (pending timers, lag) of brokers')
    .option('-b, --brokerAddr <addr>', 'broker address')
    .option('-c, --clusterName <cluster>', 'every master of this cluster')
    .action(
      action<Options>(async (o) => {
        if (!o.brokerAddr && !o.clusterName)
          throw new UsageError('timerStatus needs -b <brokerAddr> or -c <clusterName>');
        const result = await withAdmin(o, async (admin) => {
          const addrs = o.brokerAddr ? [o.brokerAddr] : (await admin.masterAddrs(o.clusterName)).map((m) => m.addr);
          const out: Record<string, Record<string, string>> = {};
          for (const a of addrs) {
            const stats = await admin.brokerRuntimeStats(a);
            out[a] = Object.fromEntries(COLUMNS.map(([, k]) => [k, stats[k] ?? '-']));
          }
          return out;
        });
        if (o.json) {
          printJson(result);
          return;
        }
        printTable(
          ['#Broker Addr', ...COLUMNS.map(([h]) => h)],
          Object.entries(result).map(([addr, t]) => [addr, ...COLUMNS.map(([, k]) => t[k] ?? '-')]),
        );
      }),
    );
}
