import type { Command } from 'commander';
import { printJson } from '../../support/output.js';
import { action, type CommonOptions, subcommand, UsageError, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  brokerAddr?: string;
  clusterName?: string;
}

export function register(program: Command): void {
  subcommand(program, 'brokerStatus', 'Fetch broker runtime status data')
    .option('-b, --brokerAddr <addr>', 'broker address')
    .option('-c, --clusterName <cluster>', 'every master of this cluster')
    .action(
      action<Options>(async (o) => {
        if (!o.brokerAddr && !o.clusterName)
          throw new UsageError('brokerStatus needs -b <brokerAddr> or -c <clusterName>');
        const result = await withAdmin(o, async (admin) => {
          const addrs = o.brokerAddr ? [o.brokerAddr] : (await admin.masterAddrs(o.clusterName)).map((m) => m.addr);
          const out: Record<string, Record<string, string>> = {};
          for (const a of addrs) out[a] = await admin.brokerRuntimeStats(a);
          return out;
        });
        if (o.json) {
          printJson(o.brokerAddr ? result[o.brokerAddr] : result);
          return;
        }
        for (const [addr, table] of Object.entries(result)) {
          const keys = Object.keys(table).sort();
          const w = Math.max(0, ...keys.map((k) => k.length));
          const prefix = o.brokerAddr ? '' : `${addr.padEnd(22)}`;
          process.stdout.write(keys.map((k) => `${prefix}${k.padEnd(w)} : ${table[k]}\n`).join(''));
        }
      }),
    );
}
