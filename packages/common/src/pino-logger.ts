// The server processes' logger (pino). A subpath of its own (@rocketmq-ts/common/pino-logger), so
// that the SDK, which only needs the Logger interface, does not pull pino: pino is an optional peer
// dependency of this package, declared by the server packages that import this module.
import { pino } from 'pino';
import type { Logger, LogLevel } from './logger.js';

/** Structured JSON logs on stderr (stdout stays free for command output). */
export function createLogger(name: string, level: LogLevel = 'info'): Logger {
  return pino({ name, level, base: { name } }, pino.destination(2));
}
