import type { Command } from 'commander';
import { printJson, printTable } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';
import { formatAttributes } from '../../support/topic-attributes.js';

interface Options extends CommonOptions {
  attributes?: boolean;
}

export function register(program: Command): void {
  subcommand(program, 'topicList', 'Fetch all topic list from name server')
    .option('-a, --attributes', "also show each topic's attributes (message.type, …) read from the masters")
    .action(
      action<Options>(async (o) => {
        if (!o.attributes) {
          const topics = await withAdmin(o, (admin) => admin.topicList());
          if (o.json) printJson(topics);
          else process.stdout.write(topics.map((t) => `${t}\n`).join(''));
          return;
        }
        const rows = await withAdmin(o, async (admin) => {
          const topics = await admin.topicList();
          const found = new Map<string, Record<string, string>>();
          for (const m of await admin.masterAddrs()) {
            for (const [name, config] of await admin.topicConfigs(m.addr)) {
              if (!found.has(name)) found.set(name, config.attributes);
            }
          }
          return topics.map((topic) => ({ topic, attributes: found.get(topic) ?? {} }));
        });
        if (o.json) printJson(rows);
        else
          printTable(
            ['#Topic', '#Attributes'],
            rows.map((r) => [r.topic, formatAttributes(r.attributes)]),
          );
      }),
    );
}
