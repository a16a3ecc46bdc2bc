import type { Logger } from './logger.js';

/**
 * For server mains: on the first SIGTERM or SIGINT run `shutdown` once, then exit 0 (or 1 if
 * it failed). Later signals while shutting down are ignored, so a second Ctrl-C does not cut
 * a flush short.
 */
export function shutdownOnSignals(shutdown: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
