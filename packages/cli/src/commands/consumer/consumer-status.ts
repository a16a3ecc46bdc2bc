import type { Command } from 'commander';
import { formatTime, printJson, printTable } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';

interface Options extends CommonOptions {
  consumerGroup: string;
  clientId?: string;
}

export function register(program: Command): void {
  subcommand(program, 'consumerStatus', "Query a consumer's internal running state")
    .requiredOption('-g, --consumerGroup <group>', 'consumer group name')
    .option('-i, --clientId <id>', 'only this client (default: every connected one)')
    .action(
      action<Options>(async (o) => {
        const infos = await withAdmin(o, async (admin) => {
          const ids = o.clientId
            ? [o.clientId]
            : (await admin.consumerConnection(o.consumerGroup)).connections.map((c) => c.clientId);
          const out: Record<string, Awaited<ReturnType<typeof admin.consumerRunningInfo>>> = {};
          for (const id of ids) out[id] = await admin.consumerRunningInfo(o.consumerGroup, id);
          return out;
        });
        if (o.json) {
          printJson(infos);
          return;
        }
        for (const [id, info] of Object.entries(infos)) {
          process.stdout.write(`\n#Consumer ${id}\n`);
          for (const [k, v] of Object.entries(info.properties).sort()) process.stdout.write(`${k.padEnd(32)}: ${v}\n`);
          process.stdout.write(
            `Subscriptions: ${info.subscriptions.map((s) => `${s.topic}(${s.subString})`).join(', ')}\n\n`,
          );
          printTable(
            [
              '#Topic',
              '#Broker Name',
              '#QID',
              '#Commit Offset',
              '#Cached',
              '#Cached Min',
              '#Cached Max',
              '#Locked',
              '#Last Pull',
            ],
            info.queues.map((q) => [
              q.mq.topic,
              q.mq.brokerName,
              q.mq.queueId,
              q.commitOffset,
              q.cachedMsgCount,
              q.cachedMsgMinOffset,
              q.cachedMsgMaxOffset,
              q.locked,
              formatTime(q.lastPullTimestamp),
            ]),
          );
        }
      }),
    );
}
