import type { Command } from 'commander';
import { printJson } from '../../support/output.js';
import { action, type CommonOptions, subcommand, UsageError, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  brokerAddr?: string;
  clusterName?: string;
}

export function register(program: Command): void {
  subcommand(program, 'getBrokerConfig', 'Get broker config by cluster or special broker')
    .option('-b, --brokerAddr <addr>', 'get which broker')
    .option('-c, --clusterName <cluster>', 'get which cluster')
    .action(
      action<Options>(async (o) => {
        if (!o.brokerAddr && !o.clusterName)
          throw new UsageError('getBrokerConfig needs -b <brokerAddr> or -c <clusterName>');
        const result = await withAdmin(o, async (admin) => {
          const addrs = o.brokerAddr ? [o.brokerAddr] : (await admin.masterAddrs(o.clusterName)).map((m) => m.addr);
          const out: Record<string, Record<string, string>> = {};
          for (const a of addrs) out[a] = await admin.brokerConfig(a);
          return out;
        });
        if (o.json) {
          printJson(o.brokerAddr ? result[o.brokerAddr] : result);
          return;
        }
        for (const [addr, config] of Object.entries(result)) {
          process.stdout.write(`============${addr}============\n`);
          const keys = Object.keys(config).sort();
          const w = Math.max(0, ...keys.map((k) => k.length));
          process.stdout.write(keys.map((k) => `${k.padEnd(w)}  =  ${config[k]}\n`).join(''));
        }
      }),
    );
}
