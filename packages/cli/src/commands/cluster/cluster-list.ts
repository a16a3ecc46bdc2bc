import type { Command } from 'commander';
import { printJson, printTable } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  clusterName?: string;
}

export function register(program: Command): void {
  subcommand(program, 'clusterList', 'List cluster infos')
    .option('-c, --clusterName <cluster>', 'which cluster')
    .action(
      action<Options>(async (o) => {
        const rows = await withAdmin(o, async (admin) => {
          const info = await admin.clusterInfo();
          const out: {
            cluster: string;
            brokerName: string;
            brokerId: number;
            addr: string;
            version: string;
            inTPS: string;
            outTPS: string;
            /** Slave: bytes behind its master's CommitLog (replication lag); '' for masters. */
            haLag: string;
          }[] = [];
          for (const [cluster, names] of [...info.clusterAddrTable].sort(([a], [b]) => a.localeCompare(b))) {
            if (o.clusterName && cluster !== o.clusterName) continue;
            for (const name of [...names].sort()) {
              const bd = info.brokerAddrTable.get(name);
              let masterMax: number | undefined;
              for (const [id, addr] of [...(bd?.brokerAddrs ?? [])].sort(([a], [b]) => a - b)) {
                const stats = await admin.brokerRuntimeStats(addr).catch(() => ({}) as Record<string, string>);
                const max = Number(stats.commitLogMaxOffset ?? Number.NaN);
                if (id === 0) masterMax = max;
                out.push({
                  cluster,
                  brokerName: name,
                  brokerId: id,
                  addr,
                  version: stats.brokerVersionDesc ?? '',
                  inTPS: (stats.putTps ?? '').split(' ')[0] ?? '',
                  outTPS: (stats.getTransferredTps ?? stats.getTransferedTps ?? '').split(' ')[0] ?? '',
                  haLag:
                    id !== 0 && masterMax !== undefined && Number.isFinite(masterMax - max)
                      ? String(Math.max(0, masterMax - max))
                      : '',
                });
              }
            }
          }
          return out;
        });
        if (o.json) printJson(rows);
        else
          printTable(
            [
              '#Cluster Name',
              '#Broker Name',
              '#BID',
              '#Addr',
              '#Version',
              '#InTPS(LOAD)',
              '#OutTPS(LOAD)',
              '#HALag(bytes)',
            ],
            rows.map((r) => [r.cluster, r.brokerName, r.brokerId, r.addr, r.version, r.inTPS, r.outTPS, r.haLag]),
          );
      }),
    );
}
