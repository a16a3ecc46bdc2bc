import { MQAdmin } from '@rocketmq-ts/client';
import type { Command } from 'commander';

/** Options every mqadmin subcommand accepts. */
export interface CommonOptions {
  namesrvAddr?: string;
  json?: boolean;
}

/** Thrown for a bad command line; printed without a stack, exit code 1. */
export class UsageError extends Error {}

/**
 * Declares a subcommand with RocketMQ's spelling plus a lower-case alias (Java's mqadmin
 * matches names case-insensitively), `-n` and `--json`.
 */
export function subcommand(program: Command, name: string, description: string): Command {
  const cmd = program.command(name).description(description);
  if (name.toLowerCase() !== name) cmd.alias(name.toLowerCase());
  return cmd
    .option(
      '-n, --namesrvAddr <addr>',
      'NameServer address list, e.g. 127.0.0.1:9876;127.0.0.2:9876 (default: env NAMESRV_ADDR)',
    )
    .option('--json', 'print machine-readable JSON instead of a table');
}

export function namesrvOf(o: CommonOptions): string {
  const addr = o.namesrvAddr ?? process.env.NAMESRV_ADDR;
  if (!addr) throw new UsageError('no NameServer address: pass -n <addr> or set NAMESRV_ADDR');
  return addr;
}

/** Runs `fn` with an admin client that is always closed afterwards. */
export async function withAdmin<T>(o: CommonOptions, fn: (admin: MQAdmin) => Promise<T>): Promise<T> {
  const admin = new MQAdmin({ namesrvAddr: namesrvOf(o), requestTimeoutMs: 5000 });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Wraps an action: any failure becomes one line on stderr and exit code 1. */
export function action<O extends CommonOptions>(fn: (o: O) => Promise<void>): (o: O) => Promise<void> {
  return async (o: O) => {
    try {
      await fn(o);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      process.stderr.write(`${msg.split('\n')[0]}\n`);
      process.exitCode = 1;
    }
  };
}

export const int =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new UsageError(`${name} must be an integer: ${v}`);
    return n;
  };

export const bool = (v: string): boolean => v.toLowerCase() === 'true';
