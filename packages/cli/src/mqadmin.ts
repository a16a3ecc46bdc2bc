import { Command } from 'commander';
import { commands } from './commands/index.js';

// mqadmin: RocketMQ's admin tool. Subcommands and flags keep Java mqadmin's names.
const program = new Command('mqadmin')
  .description('RocketMQ admin tool (rocketmq-ts)')
  .showHelpAfterError('(run "mqadmin help" for the list of commands)')
  .configureOutput({ outputError: (str, write) => write(str) });
for (const c of commands) c.register(program);
// Java's two-letter short option -bn (brokerName) has no commander form: read it as --brokerName.
await program.parseAsync(process.argv.map((a) => (a === '-bn' ? '--brokerName' : a)));
