import type { Command } from 'commander';
import { printJson, printTable } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  brokerAddr?: string;
  clusterName?: string;
}

interface Row {
  brokerAddr: string;
  role: string;
  peer: string;
  ackOrMaxOffset: number;
  diff: number | string;
  inSyncOrActive: boolean;
}

/** `mqadmin haStatus -b addr | -c cluster`: each master's slaves with their ack offset and lag, each slave's link. */
export function register(program: Command): void {
  subcommand(program, 'haStatus', 'Fetch ha runtime status data')
    .option('-b, --brokerAddr <addr>', 'which broker to fetch')
    .option('-c, --clusterName <cluster>', 'which cluster')
    .action(
      action<Options>(async (o) => {
        const out = await withAdmin(o, async (admin) => {
          let addrs: string[];
          if (o.brokerAddr) addrs = [o.brokerAddr];
          else {
            const info = await admin.clusterInfo();
            const names = o.clusterName
              ? [...(info.clusterAddrTable.get(o.clusterName) ?? [])]
              : [...info.brokerAddrTable.keys()];
            addrs = names.flatMap((n) => [...(info.brokerAddrTable.get(n)?.brokerAddrs.values() ?? [])]);
          }
          const raw: Record<string, Record<string, unknown>> = {};
          for (const a of addrs) raw[a] = await admin.haStatus(a);
          return raw;
        });
        if (o.json) {
          printJson(out);
          return;
        }
        const rows: Row[] = [];
        for (const [addr, s] of Object.entries(out)) {
          if (s.master === true) {
            const conns = (s.haConnectionInfo as Record<string, unknown>[] | undefined) ?? [];
            if (conns.length === 0)
              rows.push({
                brokerAddr: addr,
                role: 'MASTER',
                peer: '-',
                ackOrMaxOffset: Number(s.masterCommitLogMaxOffset),
                diff: '-',
                inSyncOrActive: false,
              });
            for (const c of conns) {
              rows.push({
                brokerAddr: addr,
                role: 'MASTER',
                peer: String(c.addr),
                ackOrMaxOffset: Number(c.slaveAckOffset),
                diff: Number(c.diff),
                inSyncOrActive: c.inSync === true,
              });
            }
          } else {
            const c = (s.haClientRuntimeInfo as Record<string, unknown> | undefined) ?? {};
            rows.push({
              brokerAddr: addr,
              role: 'SLAVE',
              peer: String(c.masterAddr ?? ''),
              ackOrMaxOffset: Number(c.maxOffset ?? 0),
              diff: '-',
              inSyncOrActive: c.isActivated === true,
            });
          }
        }
        printTable(
          ['#Broker', '#Role', '#Peer', '#AckOffset/MaxOffset', '#Diff', '#InSync/Activated'],
          rows.map((r) => [r.brokerAddr, r.role, r.peer, r.ackOrMaxOffset, r.diff, r.inSyncOrActive]),
        );
      }),
    );
}
