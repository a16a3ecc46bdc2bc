import type { Command } from 'commander';
import { printJson } from '../../support/output.js';
import { action, type CommonOptions, subcommand, withAdmin } from '../../support/run.js';

export function register(program: Command): void {
  subcommand(program, 'topicList', 'Fetch all topic list from name server').action(
    action<CommonOptions>(async (o) => {
      const topics = await withAdmin(o, (admin) => admin.topicList());
      if (o.json) printJson(topics);
      else process.stdout.write(topics.map((t) => `${t}\n`).join(''));
    }),
  );
}
